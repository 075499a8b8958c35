using LogCollectorExporter.Probing;

namespace LogCollectorExporter.Preference;

/// <summary>The last probes of one collector, oldest first, for the status page and API.</summary>
public sealed class RecentProbes
{
    public const int Capacity = 60;

    // Kept small (16 bytes a probe): with 10,000 collectors this is the largest part of the exporter's own state.
    private readonly Stored[] ring = new Stored[Capacity];
    private int next;
    private int count;

    public void Add(RecentProbe probe)
    {
        ring[next] = new Stored(probe.At.UtcTicks, (float)(probe.HandshakeSeconds ?? double.NaN), (byte)probe.Result);
        next = (next + 1) % Capacity;
        count = Math.Min(count + 1, Capacity);
    }

    public RecentProbe[] ToArray()
    {
        var items = new RecentProbe[count];
        for (var i = 0; i < count; i++)
        {
            var stored = ring[(next - count + i + Capacity) % Capacity];
            items[i] = new RecentProbe(new DateTimeOffset(stored.AtUtcTicks, TimeSpan.Zero), (ProbeResult)stored.Result,
                float.IsNaN(stored.HandshakeSeconds) ? null : stored.HandshakeSeconds);
        }

        return items;
    }

    private readonly record struct Stored(long AtUtcTicks, float HandshakeSeconds, byte Result);
}

/// <param name="At">When the probe finished.</param>
/// <param name="Result">How it ended.</param>
/// <param name="HandshakeSeconds">The handshake time when it succeeded.</param>
public readonly record struct RecentProbe(DateTimeOffset At, ProbeResult Result, double? HandshakeSeconds);
