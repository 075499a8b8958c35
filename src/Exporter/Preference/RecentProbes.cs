using LogCollectorExporter.Probing;

namespace LogCollectorExporter.Preference;

/// <summary>The last probes of one collector, oldest first, for the status page and API.</summary>
public sealed class RecentProbes
{
    public const int Capacity = 60;

    private readonly RecentProbe[] ring = new RecentProbe[Capacity];
    private int next;
    private int count;

    public void Add(RecentProbe probe)
    {
        ring[next] = probe;
        next = (next + 1) % Capacity;
        count = Math.Min(count + 1, Capacity);
    }

    public RecentProbe[] ToArray()
    {
        var items = new RecentProbe[count];
        for (var i = 0; i < count; i++)
        {
            items[i] = ring[(next - count + i + Capacity) % Capacity];
        }

        return items;
    }
}

/// <param name="At">When the probe finished.</param>
/// <param name="Result">How it ended.</param>
/// <param name="HandshakeSeconds">The handshake time when it succeeded.</param>
public readonly record struct RecentProbe(DateTimeOffset At, ProbeResult Result, double? HandshakeSeconds);
