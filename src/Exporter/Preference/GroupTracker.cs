using LogCollectorExporter.Configuration;

namespace LogCollectorExporter.Preference;

/// <summary>
/// One preference list: its collectors in priority order (shared with every other group that lists them) and where its
/// logs go now. Changed only by the fleet, under its lock; readers take <see cref="View"/>, which needs no lock.
/// </summary>
public sealed class GroupTracker
{
    private GroupView view;
    private GroupConfig config;
    private CollectorTracker[] members;
    private string[] names;
    private PreferenceList preference;

    internal GroupTracker(GroupConfig config, CollectorTracker[] members)
    {
        this.config = config;
        this.members = members;
        names = Names(config);
        preference = new PreferenceList(config.ForwardToAll, config.Failback);
        view = new GroupView(config, names, [], [], 0, GroupStanding.Undecided);
    }

    /// <summary>Where the group's logs go now.</summary>
    public GroupView View => Volatile.Read(ref view);

    /// <summary>The group as last configured (published with the next <see cref="Update"/>).</summary>
    internal GroupConfig Config => config;

    /// <summary>Takes a new configuration of the group, keeping where its logs go for the collectors that stay; published by the next <see cref="Update"/>.</summary>
    internal void Reconfigure(GroupConfig next, CollectorTracker[] nextMembers)
    {
        var nextNames = Names(next);
        int[] Map(IReadOnlyList<int> indices) => [.. indices.Select(i => Array.IndexOf(nextNames, names[i])).Where(i => i >= 0).Order()];

        preference = new PreferenceList(next.ForwardToAll, next.Failback, Map(preference.Preferred), preference.LastChoice is { } last ? Map(last) : null);
        config = next;
        members = nextMembers;
        names = nextNames;
    }

    /// <summary>Applies the failover rule to the members' states now.</summary>
    /// <returns>Whether this was a failover or failback; and the view before, when where logs go changed.</returns>
    internal (bool Failover, GroupView? Before) Update()
    {
        Span<CollectorState> states = members.Length <= 64 ? stackalloc CollectorState[members.Length] : new CollectorState[members.Length];
        var up = 0;
        var unknown = false;
        for (var i = 0; i < members.Length; i++)
        {
            states[i] = members[i].Health.State;
            up += states[i] == CollectorState.Up ? 1 : 0;
            unknown |= states[i] == CollectorState.Unknown;
        }

        var failover = preference.Update(states);
        var before = View;
        var preferred = preference.Preferred;
        var standing = preferred.Count > 0 ? (preferred[0] == 0 ? GroupStanding.FirstChoice : GroupStanding.FailedOver)
            : unknown ? GroupStanding.Undecided
            : GroupStanding.Unreachable;
        string[] preferredNames = [.. preferred.Select(i => names[i])];
        var moved = !before.PreferredNames.SequenceEqual(preferredNames, StringComparer.Ordinal);
        Volatile.Write(ref view, new GroupView(config, names, [.. preferred], moved ? preferredNames : before.PreferredNames, up, standing));
        return (failover, moved ? before : null);
    }

    private static string[] Names(GroupConfig group) => [.. group.Collectors.Select(c => c.Name)];
}

/// <summary>Where a group stands: what its firewalls do with their logs now.</summary>
public enum GroupStanding
{
    /// <summary>Not known yet: a collector that could decide it has not been probed.</summary>
    Undecided,

    /// <summary>Logs go to the collector of priority 1.</summary>
    FirstChoice,

    /// <summary>Logs go further down the list.</summary>
    FailedOver,

    /// <summary>No collector is up: the firewalls buffer logs on their own disk.</summary>
    Unreachable,
}

/// <summary>One group as it stands now: an immutable view, safe to read from any thread, whose lists a reader may keep.</summary>
/// <param name="CollectorNames">Its collectors' names in priority order.</param>
/// <param name="Preferred">Indices into the group's collectors (0 = priority 1) of where logs go now, highest priority first.</param>
/// <param name="PreferredNames">The names of the collectors logs go to now.</param>
/// <param name="Standing">What its firewalls do with their logs now.</param>
public sealed record GroupView(
    GroupConfig Config,
    IReadOnlyList<string> CollectorNames,
    IReadOnlyList<int> Preferred,
    IReadOnlyList<string> PreferredNames,
    int CollectorsUp,
    GroupStanding Standing)
{
    /// <summary>The priority (1 = highest) of the first collector logs go to; 0 when none.</summary>
    public int PreferredPriority => Preferred.Count == 0 ? 0 : Preferred[0] + 1;
}
