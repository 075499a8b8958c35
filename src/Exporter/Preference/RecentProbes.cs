using LogCollectorExporter.Probing;

namespace LogCollectorExporter.Preference;

/// <summary>
/// The last probes of one collector, oldest first, for the status page and API. One writer (the fleet, under its lock)
/// and any number of readers that take no lock: a reader that overlaps a write reads again (a sequence lock), so
/// rendering a page never holds up a probe.
/// </summary>
public sealed class RecentProbes
{
    public const int Capacity = 60;

    // Kept small (16 bytes a probe): with 10,000 collectors this is the largest part of the exporter's own state.
    private readonly Stored[] ring = new Stored[Capacity];
    private int next;
    private int count;

    // Odd while the writer changes the ring.
    private int version;

    /// <summary>Adds a probe; one writer at a time.</summary>
    public void Add(RecentProbe probe)
    {
        Interlocked.Increment(ref version);
        ring[next] = new Stored(probe.At.UtcTicks, (float)(probe.HandshakeSeconds ?? double.NaN), (byte)probe.Result);
        next = (next + 1) % Capacity;
        count = Math.Min(count + 1, Capacity);
        Interlocked.Increment(ref version);
    }

    /// <summary>The probes, oldest first; safe from any thread while the writer adds.</summary>
    public RecentProbe[] ToArray()
    {
        var spin = default(SpinWait);
        while (true)
        {
            var before = Volatile.Read(ref version);
            if ((before & 1) == 0)
            {
                var (last, length) = (next, count);
                var probes = new RecentProbe[length];
                for (var i = 0; i < length; i++)
                {
                    probes[i] = Decode(ring[(last - length + i + Capacity) % Capacity]);
                }

                Interlocked.MemoryBarrier();
                if (Volatile.Read(ref version) == before)
                {
                    return probes;
                }
            }

            spin.SpinOnce();
        }
    }

    private static RecentProbe Decode(Stored stored) =>
        new(new DateTimeOffset(stored.AtUtcTicks, TimeSpan.Zero), (ProbeResult)stored.Result, float.IsNaN(stored.HandshakeSeconds) ? null : stored.HandshakeSeconds);

    private readonly record struct Stored(long AtUtcTicks, float HandshakeSeconds, byte Result);
}

/// <param name="At">When the probe finished.</param>
/// <param name="HandshakeSeconds">The handshake time when it succeeded.</param>
public readonly record struct RecentProbe(DateTimeOffset At, ProbeResult Result, double? HandshakeSeconds);
