using LogCollectorExporter.Configuration;

namespace LogCollectorExporter.Preference;

/// <summary>
/// The failover rule of one group, as the firewall applies it to its log collector preference list.
/// Pure: it is fed the collectors' states in priority order and answers where logs go.
/// </summary>
/// <remarks>
/// Without forward-to-all, logs go to one collector: with <see cref="Failback.Immediate"/> the highest-priority one
/// that is up; with <see cref="Failback.Sticky"/> the current one while it stays up, else the highest-priority one
/// that is up. With forward-to-all they go to every collector that is up. None when none is up.
/// A collector not probed yet blocks the decision where it could change it, so start-up does not count a
/// failover just because a lower-priority probe finished first.
/// </remarks>
/// <param name="forwardToAll">PAN-OS "Forward to all".</param>
/// <param name="failback">What happens when a higher-priority collector comes back.</param>
/// <param name="preferred">Where logs go now (indices in priority order), carried over a reload.</param>
/// <param name="lastChoice">The last collectors logs went to, carried over a reload; null before the first choice.</param>
public sealed class PreferenceList(bool forwardToAll, Failback failback, IReadOnlyList<int>? preferred = null, IReadOnlyList<int>? lastChoice = null)
{
    private int[] preferred = [.. preferred ?? []];
    private int[]? lastChoice = lastChoice is null ? null : [.. lastChoice];

    /// <summary>Indices (0 = priority 1) of the collectors logs go to now, highest priority first; empty when none.</summary>
    public IReadOnlyList<int> Preferred => preferred;

    /// <summary>The collectors logs last went to (empty choices skipped); null before the first choice.</summary>
    public IReadOnlyList<int>? LastChoice => lastChoice;

    /// <summary>Applies the rule to the collectors' states; returns whether this was a failover (or failback).</summary>
    /// <remarks>
    /// A failover is a change from one set of collectors that receive logs to another. Losing every collector is
    /// not one (the group is unreachable), nor is the first choice after start; coming back to a different
    /// collector after an outage is.
    /// </remarks>
    public bool Update(ReadOnlySpan<CollectorState> states)
    {
        var next = Choose(states);
        if (next is null)
        {
            // Undecided until an unprobed collector is known; meanwhile logs cannot go to one that is down.
            var stillUp = new List<int>();
            foreach (var index in preferred)
            {
                if (index < states.Length && states[index] == CollectorState.Up)
                {
                    stillUp.Add(index);
                }
            }

            preferred = [.. stillUp];
            return false;
        }

        preferred = next;
        if (next.Length == 0)
        {
            return false;
        }

        var failover = lastChoice is not null && !lastChoice.AsSpan().SequenceEqual(next);
        lastChoice = next;
        return failover;
    }

    // The collectors up, in priority order: all of them with forward-to-all, else the first; null while one not probed yet comes first.
    private int[]? Choose(ReadOnlySpan<CollectorState> states)
    {
        if (!forwardToAll && failback == Failback.Sticky && preferred.Length == 1 && preferred[0] < states.Length && states[preferred[0]] == CollectorState.Up)
        {
            return preferred;
        }

        List<int>? up = null;
        for (var i = 0; i < states.Length; i++)
        {
            switch (states[i])
            {
                case CollectorState.Unknown:
                    return null;
                case CollectorState.Up when !forwardToAll:
                    return [i];
                case CollectorState.Up:
                    (up ??= []).Add(i);
                    break;
            }
        }

        return [.. up ?? []];
    }
}
