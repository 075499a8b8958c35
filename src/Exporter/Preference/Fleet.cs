using LogCollectorExporter.Configuration;
using LogCollectorExporter.Platform;
using LogCollectorExporter.Probing;

namespace LogCollectorExporter.Preference;

/// <summary>
/// Every collector of the running configuration once, and every group over them. A probe's result is recorded once
/// for its collector, and every group that lists the collector applies its failover rule to it.
/// </summary>
/// <remarks>
/// Two writers change the fleet, one at a time under its lock: the probe engine's thread (results) and a reload
/// (<see cref="Apply"/>). Readers (the endpoints) take no lock: they read immutable views, so rendering a page of
/// thousands of groups never holds up a probe.
/// </remarks>
public sealed partial class Fleet
{
    private readonly Lock writer = new();
    private readonly IFleetObserver observer;
    private readonly ILogger<Fleet> logger;
    private Content content = new([], [], new Dictionary<string, CollectorTracker>(), new Dictionary<string, GroupTracker>());
    private ProbeSettings settings = ProbeSettings.Default;
    private int withoutResult;

    public Fleet(IFleetObserver observer, ILogger<Fleet> logger, ExporterConfig initial)
    {
        this.observer = observer;
        this.logger = logger;
        Apply(initial);
    }

    /// <summary>Every collector once, in the configuration's order.</summary>
    public IReadOnlyList<CollectorTracker> Collectors => Volatile.Read(ref content).Collectors;

    /// <summary>Every group, in the configuration's order.</summary>
    public IReadOnlyList<GroupTracker> Groups => Volatile.Read(ref content).Groups;

    /// <summary>Every configured collector has been probed at least once.</summary>
    public bool IsReady => Volatile.Read(ref withoutResult) == 0;

    public GroupTracker? FindGroup(string name) => Volatile.Read(ref content).GroupsByName.GetValueOrDefault(name);

    /// <summary>
    /// Takes a new configuration. A collector whose endpoint stays keeps what is known of it; one whose address or
    /// port changed starts afresh under its name. A group that stays keeps where its logs go, for the collectors it
    /// still lists. Removed collectors and groups are forgotten.
    /// </summary>
    public void Apply(ExporterConfig config)
    {
        lock (writer)
        {
            var old = Volatile.Read(ref content);
            settings = config.Probe;
            var collectors = config.Collectors.ToDictionary(
                c => c.Name, c => Keep(old.CollectorsByName.GetValueOrDefault(c.Name), c), StringComparer.Ordinal);

            foreach (var removed in old.Collectors.Where(c => !collectors.ContainsKey(c.Config.Name)))
            {
                observer.CollectorRemoved(removed.Config);
            }

            foreach (var collector in collectors.Values)
            {
                collector.Memberships.Clear();
            }

            var groups = new Dictionary<string, GroupTracker>(config.Groups.Count, StringComparer.Ordinal);
            foreach (var groupConfig in config.Groups)
            {
                CollectorTracker[] members = [.. groupConfig.Collectors.Select(c => collectors[c.Name])];
                var group = old.GroupsByName.GetValueOrDefault(groupConfig.Name);
                if (group is null || !SameDescription(group.Config, groupConfig))
                {
                    observer.GroupConfigured(groupConfig);
                }

                group?.Reconfigure(groupConfig, members);
                group ??= new GroupTracker(groupConfig, members);
                foreach (var member in members)
                {
                    member.Memberships.Add(group);
                }

                groups[groupConfig.Name] = group;
            }

            foreach (var removed in old.Groups.Where(g => !groups.ContainsKey(g.Config.Name)))
            {
                observer.GroupRemoved(removed.Config);
            }

            var moves = new PreferenceMoves();
            foreach (var group in groups.Values)
            {
                Update(group, moves);
            }

            Volatile.Write(ref content, new Content([.. collectors.Values], [.. groups.Values], collectors, groups));
            Volatile.Write(ref withoutResult, collectors.Values.Count(c => c.View.LastProbeAt is null));
            LogMoves(moves, "the configuration changed");
        }
    }

    /// <summary>Records a finished probe of <paramref name="collector"/>; a result for an endpoint no longer configured is ignored.</summary>
    public void Record(CollectorConfig collector, in ProbeOutcome outcome, DateTimeOffset at)
    {
        lock (writer)
        {
            if (Find(collector) is not { } tracker)
            {
                return;
            }

            var before = tracker.View;
            var changed = tracker.Record(outcome, at, settings);
            if (before.LastProbeAt is null)
            {
                Volatile.Write(ref withoutResult, withoutResult - 1);
            }

            var after = tracker.View;
            observer.CollectorProbed(after, outcome, at);
            LogProbe(logger, after.Config.Name, outcome.Result.Label(), outcome.Handshake.TotalMilliseconds, outcome.Error);
            if (!changed)
            {
                return;
            }

            var was = EnumText.Of(before.State);
            if (after.State == CollectorState.Down)
            {
                LogDown(logger, after.Config.Name, after.Config.Description, was, outcome.Result.Label(), outcome.Error ?? "");
            }
            else
            {
                LogUp(logger, after.Config.Name, after.Config.Description, was, outcome.Handshake.TotalMilliseconds);
            }

            var moves = new PreferenceMoves();
            foreach (var group in tracker.Memberships)
            {
                Update(group, moves);
            }

            LogMoves(moves, $"{after.Config.Name} went {EnumText.Of(after.State)}");
        }
    }

    /// <summary>Hold mode: the collector closed or reset its held connection (it is probed again at once).</summary>
    public void RecordDrop(CollectorConfig collector, string reason, DateTimeOffset at)
    {
        lock (writer)
        {
            if (Find(collector) is { } tracker)
            {
                tracker.RecordDrop(reason, at);
                observer.CollectorDropped(tracker.Config);
                LogDrop(logger, tracker.Config.Name, reason);
            }
        }
    }

    private CollectorTracker? Find(CollectorConfig collector) =>
        content.CollectorsByName.GetValueOrDefault(collector.Name) is { } tracker && tracker.Config.SameEndpoint(collector) ? tracker : null;

    private CollectorTracker Keep(CollectorTracker? existing, CollectorConfig config)
    {
        if (existing is not null && existing.Config.SameEndpoint(config))
        {
            if (existing.Config != config)
            {
                existing.Describe(config);
                observer.CollectorConfigured(config, newEndpoint: false);
            }

            return existing;
        }

        observer.CollectorConfigured(config, newEndpoint: true);
        return new CollectorTracker(config);
    }

    private void Update(GroupTracker group, PreferenceMoves moves)
    {
        var (failover, before) = group.Update();
        var after = group.View;
        observer.GroupUpdated(after, failover);
        if (before is not null)
        {
            moves.Add(after);

            // One line per group only at Debug: when a collector of 5,000 groups goes down, the engine waits for these.
            if (logger.IsEnabled(LogLevel.Debug))
            {
                LogGroupMoved(logger, after.Config.Name, Names(before), Names(after), after.PreferredPriority);
            }
        }
    }

    private void LogMoves(PreferenceMoves moves, string cause)
    {
        if (moves.Count > 0)
        {
            LogMoved(logger, moves.Count, cause, moves.Describe());
        }
    }

    private static string Names(GroupView group) => group.Preferred.Count == 0 ? "none" : string.Join(", ", group.PreferredNames);

    /// <summary>Whether the group's series describe <paramref name="b"/> as they are: its policy, its names and its members.</summary>
    private static bool SameDescription(GroupConfig a, GroupConfig b) =>
        a.ForwardToAll == b.ForwardToAll && a.Failback == b.Failback && a.Hostname == b.Hostname && a.CollectorGroup == b.CollectorGroup
        && a.Collectors.Select(c => c.Name).SequenceEqual(b.Collectors.Select(c => c.Name), StringComparer.Ordinal);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Probe {Collector}: {Result} in {HandshakeMs:F3} ms {Error}")]
    private static partial void LogProbe(ILogger logger, string collector, string result, double handshakeMs, string? error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Collector {Collector} ({Endpoint}) is down (was {Before}): {Result}: {Error}")]
    private static partial void LogDown(ILogger logger, string collector, string endpoint, string before, string result, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Collector {Collector} ({Endpoint}) is up (was {Before}), handshake {HandshakeMs:F3} ms")]
    private static partial void LogUp(ILogger logger, string collector, string endpoint, string before, double handshakeMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Collector {Collector} dropped the held connection: {Reason}; probing it again now")]
    private static partial void LogDrop(ILogger logger, string collector, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "{Groups} groups changed where their logs go after {Cause}: {Moves}")]
    private static partial void LogMoved(ILogger logger, int groups, string cause, string moves);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Group {Group}: logs go to {To} (priority {Priority}) instead of {From}")]
    private static partial void LogGroupMoved(ILogger logger, string group, string from, string to, int priority);

    private sealed record Content(
        CollectorTracker[] Collectors,
        GroupTracker[] Groups,
        IReadOnlyDictionary<string, CollectorTracker> CollectorsByName,
        IReadOnlyDictionary<string, GroupTracker> GroupsByName);
}
