using System.Runtime.InteropServices;

namespace LogCollectorExporter.Probing;

/// <summary>
/// The rate rule: a target name never starts a probe, nor a connect, less than <see cref="Minimum"/> after its last
/// one, whatever asks for it (a dropped held connection, a reload, a storm of reloads), so that nothing a client of
/// the exporter, nor a collector, can make it send more SYNs to a collector. Kept by name across reloads: a target
/// that is changed, or removed and added back, is held to it too. Pure: timestamps are given by the caller.
/// The regular cadence alone is given a tolerance (see <see cref="Schedule"/>).
/// </summary>
internal sealed class ProbeSpacing(long minimumTicks)
{
    public static readonly TimeSpan Minimum = TimeSpan.FromSeconds(1);

    private const int SmallestPrune = 1024;

    private readonly Dictionary<string, long> lastStarts = new(StringComparer.Ordinal);
    private int pruneAt = SmallestPrune;

    /// <summary>
    /// <see cref="Minimum"/>, in ticks. The certificate checks set it to their interval, and change it with it: the
    /// starts known so far hold the next ones back by the new minimum.
    /// </summary>
    public long MinimumTicks { get; set; } = minimumTicks;

    /// <summary>
    /// The earliest a probe or connect of <paramref name="name"/> may start, <paramref name="tolerance"/> ticks sooner
    /// than the rule; <see cref="long.MinValue"/> when any time will do.
    /// </summary>
    public long Earliest(string name, long tolerance = 0) => lastStarts.TryGetValue(name, out var last) ? last + MinimumTicks - tolerance : long.MinValue;

    /// <summary>A probe or connect of <paramref name="name"/> started at <paramref name="now"/>.</summary>
    public void Started(string name, long now)
    {
        ref var last = ref CollectionsMarshal.GetValueRefOrAddDefault(lastStarts, name, out var known);
        last = known ? Math.Max(last, now) : now;
        if (lastStarts.Count >= pruneAt)
        {
            Prune(now);
        }
    }

    // A name that started longer ago than the minimum constrains nothing: forgotten, so that the names of removed
    // targets do not pile up. Amortised: a prune at most each time the table doubles.
    private void Prune(long now)
    {
        foreach (var (name, last) in lastStarts)
        {
            if (last + MinimumTicks <= now)
            {
                lastStarts.Remove(name);
            }
        }

        pruneAt = Math.Max(SmallestPrune, lastStarts.Count * 2);
    }
}
