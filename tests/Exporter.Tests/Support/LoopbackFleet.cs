using System.Globalization;
using System.Net;
using System.Text;

namespace LogCollectorExporter.Tests.Support;

/// <summary>How a collector of a <see cref="LoopbackFleet"/> behaves.</summary>
public enum CollectorKind
{
    /// <summary>Listening and accepting; holds what it accepts until the exporter closes it.</summary>
    Up,

    /// <summary>Bound but not listening: every SYN gets RST.</summary>
    Refused,

    /// <summary>Listening with a full accept backlog: every SYN is dropped, every probe times out.</summary>
    Blackholed,

    /// <summary>Up, then gone (its connections closed, its port refusing), then up again, every few seconds.</summary>
    Flapping,

    /// <summary>Accepts, then resets each connection shortly after.</summary>
    ResetAfterAccept,
}

/// <summary>One collector of the fleet: its own address in 127.0.0.0/8 and port.</summary>
public sealed record FleetCollector(string Group, string Name, CollectorKind Kind, IPAddress Address, int Port);

/// <summary>
/// A fleet of loopback collectors of every kind, each on an address of its own in 127.0.0.0/8, in groups that mix the
/// kinds (a flapping collector first, so preference changes all the time). Only loopback addresses: no traffic leaves
/// the machine.
/// </summary>
public sealed class LoopbackFleet : IAsyncDisposable
{
    /// <summary>One group's collectors, highest priority first: half of them up, one of every other kind.</summary>
    public static readonly IReadOnlyList<CollectorKind> GroupPattern =
    [
        CollectorKind.Flapping, CollectorKind.Up, CollectorKind.Refused, CollectorKind.Up,
        CollectorKind.Blackholed, CollectorKind.Up, CollectorKind.ResetAfterAccept, CollectorKind.Up,
    ];

    private readonly List<FleetCollector> collectors = [];
    private readonly Dictionary<string, Peer> peers = [];
    private readonly Dictionary<string, FlappingPeer> flapping = [];
    private readonly CancellationTokenSource stop = new();

    private LoopbackFleet()
    {
    }

    public IReadOnlyList<FleetCollector> Collectors => collectors;

    /// <param name="count">Collectors, in groups of <see cref="GroupPattern"/>'s length.</param>
    /// <param name="kinds">The kinds to use, in order, instead of <see cref="GroupPattern"/>.</param>
    public static async Task<LoopbackFleet> StartAsync(int count, IReadOnlyList<CollectorKind>? kinds = null)
    {
        kinds ??= GroupPattern;
        var fleet = new LoopbackFleet();
        var perKind = new Dictionary<CollectorKind, int>();
        var blackholes = new List<Task<(string Name, Peer Peer)>>();
        for (var i = 0; i < count; i++)
        {
            var kind = kinds[i % kinds.Count];
            var n = perKind[kind] = perKind.GetValueOrDefault(kind) + 1;

            // 127.(20 + kind).x.y: every collector an address of its own, every kind a range of its own.
            var address = IPAddress.Parse(string.Create(CultureInfo.InvariantCulture, $"127.{20 + (int)kind}.{n / 250}.{(n % 250) + 1}"));
            var name = $"c{i}";
            var group = $"g{i / kinds.Count}";
            switch (kind)
            {
                case CollectorKind.Blackholed:
                    blackholes.Add(BlackholeAsync(name, address));
                    fleet.collectors.Add(new FleetCollector(group, name, kind, address, 0));
                    continue;
                case CollectorKind.Flapping:
                    var flapper = new FlappingPeer(address, fleet.stop.Token);
                    fleet.flapping[name] = flapper;
                    fleet.collectors.Add(new FleetCollector(group, name, kind, address, flapper.Port));
                    continue;
            }

            var peer = kind switch
            {
                CollectorKind.Up => Peer.Up(address: address),
                CollectorKind.Refused => Peer.Refused(address),
                _ => Peer.ResetAfterAccept(TimeSpan.FromMilliseconds(100), address),
            };
            fleet.peers[name] = peer;
            fleet.collectors.Add(new FleetCollector(group, name, kind, address, peer.Port));
        }

        foreach (var (name, peer) in await Task.WhenAll(blackholes))
        {
            fleet.peers[name] = peer;
            var index = fleet.collectors.FindIndex(c => c.Name == name);
            fleet.collectors[index] = fleet.collectors[index] with { Port = peer.Port };
        }

        return fleet;
    }

    /// <summary>The exporter's configuration for the whole fleet, with the given probe settings (YAML flow entries).</summary>
    public string Yaml(string probe)
    {
        var yaml = new StringBuilder($"probe: {{{probe}}}\ngroups:\n");
        foreach (var group in collectors.GroupBy(c => c.Group))
        {
            yaml.Append(CultureInfo.InvariantCulture, $"  - name: {group.Key}\n    failback: immediate\n    collectors:\n");
            foreach (var c in group)
            {
                yaml.Append(CultureInfo.InvariantCulture, $"      - {{name: {c.Name}, address: {c.Address}, port: {c.Port}}}\n");
            }
        }

        return yaml.ToString();
    }

    /// <summary>Connections the collector accepted (over every life of a flapping one).</summary>
    public int Accepted(string name) => flapping.TryGetValue(name, out var flapper) ? flapper.Accepted : peers[name].Accepted;

    /// <summary>Connections accepted and not ended, over the whole fleet.</summary>
    public int Held => peers.Values.Sum(p => p.Held) + flapping.Values.Sum(f => f.Held);

    /// <summary>How the connections the up collectors accepted ended: "fin", "rst", or "closed here".</summary>
    public IReadOnlyList<string> EndingsOfUpCollectors =>
        [.. collectors.Where(c => c.Kind == CollectorKind.Up).SelectMany(c => peers[c.Name].Endings())];

    /// <summary>Bytes the exporter sent to any collector that accepted its connection.</summary>
    public long BytesReceived => peers.Values.Sum(p => p.BytesReceived);

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        foreach (var flapper in flapping.Values)
        {
            await flapper.DisposeAsync();
        }

        foreach (var peer in peers.Values)
        {
            peer.Dispose();
        }

        stop.Dispose();
    }

    private static async Task<(string, Peer)> BlackholeAsync(string name, IPAddress address) => (name, await Peer.BlackholedAsync(address));

    /// <summary>Up for 3 s, gone for 2 s, starting at a random point of that cycle, until the fleet stops.</summary>
    private sealed class FlappingPeer : IAsyncDisposable
    {
        private static readonly TimeSpan UpFor = TimeSpan.FromSeconds(3);
        private static readonly TimeSpan DownFor = TimeSpan.FromSeconds(2);
        private readonly Lock gate = new();
        private readonly IPAddress address;
        private readonly Task cycling;
        private Peer? current;
        private int acceptedBefore;

        public FlappingPeer(IPAddress address, CancellationToken stop)
        {
            this.address = address;
            current = Peer.Up(address: address);
            Port = current.Port;
            cycling = CycleAsync(TimeSpan.FromMilliseconds(Random.Shared.Next(0, 5000)), stop);
        }

        public int Port { get; }

        public int Accepted
        {
            get
            {
                lock (gate)
                {
                    return acceptedBefore + (current?.Accepted ?? 0);
                }
            }
        }

        public int Held
        {
            get
            {
                lock (gate)
                {
                    return current?.Held ?? 0;
                }
            }
        }

        public async ValueTask DisposeAsync()
        {
            await cycling;
            lock (gate)
            {
                current?.Dispose();
                current = null;
            }
        }

        private async Task CycleAsync(TimeSpan offset, CancellationToken stop)
        {
            try
            {
                await Task.Delay(offset, stop);
                while (true)
                {
                    lock (gate)
                    {
                        // Gone, as a collector process that exits: its connections closed (FIN), its port refusing.
                        current!.StopListening();
                        current.CloseConnections();
                        acceptedBefore += current.Accepted;
                        current.Dispose();
                        current = null;
                    }

                    await Task.Delay(DownFor, stop);
                    lock (gate)
                    {
                        current = Peer.Up(Port, address);
                    }

                    await Task.Delay(UpFor, stop);
                }
            }
            catch (OperationCanceledException)
            {
                // The fleet stops.
            }
        }
    }
}
