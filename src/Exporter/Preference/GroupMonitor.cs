using LogCollectorExporter.Configuration;
using LogCollectorExporter.Metrics;
using LogCollectorExporter.Probing;

namespace LogCollectorExporter.Preference;

/// <summary>
/// One group's collectors in priority order, their health, and where logs go now. Probes of different
/// collectors finish concurrently; everything here changes under one lock per group.
/// </summary>
public sealed partial class GroupMonitor
{
    private readonly ILogger logger;
    private CollectorMonitor[] collectors = [];
    private PreferenceList preference;
    private ProbeSettings probe;

    internal GroupMonitor(GroupConfig config, GroupSeries series, ProbeSettings probe, ILogger logger)
    {
        Config = config;
        Series = series;
        this.probe = probe;
        this.logger = logger;
        preference = new PreferenceList(config.ForwardToAll, config.Failback);
    }

    internal object Gate { get; } = new();

    public GroupConfig Config { get; private set; }

    internal GroupSeries Series { get; }

    /// <summary>The collectors in priority order.</summary>
    public IReadOnlyList<CollectorMonitor> Collectors => collectors;

    /// <summary>Indices into <see cref="Collectors"/> of where logs go now.</summary>
    public IReadOnlyList<int> Preferred => preference.Preferred;

    public int PreferredPriority => preference.PreferredPriority;

    public int CollectorsUp => collectors.Count(c => c.Health.State == CollectorState.Up);

    /// <summary>Takes a new configuration of the group, keeping what is known of collectors that stay and where logs go.</summary>
    internal void Reconfigure(GroupConfig config, CollectorMonitor[] monitors, ProbeSettings settings)
    {
        lock (Gate)
        {
            var oldNames = collectors.Select(c => c.Config.Name).ToArray();
            int[] Map(IReadOnlyList<int> indices) =>
                [.. indices.Select(i => Array.FindIndex(monitors, m => m.Config.Name == oldNames[i])).Where(i => i >= 0)];

            preference = new PreferenceList(
                config.ForwardToAll,
                config.Failback,
                Map(preference.Preferred),
                preference.LastChoice is { } last ? Map(last) : null);
            Config = config;
            probe = settings;
            collectors = monitors;
            Series.Describe(monitors.Length, config.ForwardToAll);
            foreach (var monitor in monitors)
            {
                monitor.Group = this;
                monitor.Series.Describe(monitor.Config);
                monitor.Series.SetHealth(monitor.Health.State, monitor.Health.ConsecutiveFailures);
            }

            UpdatePreference();
        }
    }

    internal void Record(CollectorMonitor collector, in ProbeOutcome outcome, DateTimeOffset at)
    {
        lock (Gate)
        {
            var before = collector.Health.State;
            collector.Record(outcome, at);
            var changed = collector.Health.Observe(outcome.Succeeded, probe.FailureThreshold, probe.RecoveryThreshold);
            collector.Series.SetHealth(collector.Health.State, collector.Health.ConsecutiveFailures);
            LogProbe(logger, Config.Name, collector.Config.Name, outcome.Result.Label(), outcome.Handshake.TotalMilliseconds, outcome.Error);
            if (!changed)
            {
                return;
            }

            if (collector.Health.State == CollectorState.Down)
            {
                LogDown(logger, Config.Name, collector.Config.Name, collector.Config.Endpoint, before.ToString().ToLowerInvariant(),
                    outcome.Result.Label(), outcome.Error ?? "");
            }
            else
            {
                LogUp(logger, Config.Name, collector.Config.Name, collector.Config.Endpoint, before.ToString().ToLowerInvariant(),
                    outcome.Handshake.TotalMilliseconds);
            }

            UpdatePreference();
        }
    }

    internal void RecordDrop(CollectorMonitor collector, string reason, DateTimeOffset at)
    {
        lock (Gate)
        {
            collector.RecordDrop(reason, at);
            LogDrop(logger, Config.Name, collector.Config.Name, reason);
        }
    }

    private void UpdatePreference()
    {
        var before = preference.Preferred.Select(i => collectors[i].Config.Name).ToArray();
        Span<CollectorState> states = collectors.Length <= 64 ? stackalloc CollectorState[collectors.Length] : new CollectorState[collectors.Length];
        for (var i = 0; i < collectors.Length; i++)
        {
            states[i] = collectors[i].Health.State;
        }

        if (preference.Update(states))
        {
            Series.CountFailover();
        }

        var after = preference.Preferred;
        for (var i = 0; i < collectors.Length; i++)
        {
            collectors[i].Series.SetPreferred(after.Contains(i));
        }

        Series.SetState(CollectorsUp, preference.PreferredPriority);
        var afterNames = after.Select(i => collectors[i].Config.Name).ToArray();
        if (before.SequenceEqual(afterNames))
        {
            return;
        }

        if (afterNames.Length == 0)
        {
            LogUnreachable(logger, Config.Name, string.Join(", ", before));
        }
        else if (before.Length == 0)
        {
            LogFirstChoice(logger, Config.Name, string.Join(", ", afterNames), preference.PreferredPriority);
        }
        else
        {
            LogPreferred(logger, Config.Name, string.Join(", ", before), string.Join(", ", afterNames), preference.PreferredPriority);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Probe {Group}/{Collector}: {Result} in {HandshakeMs:F3} ms {Error}")]
    private static partial void LogProbe(ILogger logger, string group, string collector, string result, double handshakeMs, string? error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Collector {Group}/{Collector} ({Endpoint}) is down (was {Before}): {Result}: {Error}")]
    private static partial void LogDown(ILogger logger, string group, string collector, string endpoint, string before, string result, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Collector {Group}/{Collector} ({Endpoint}) is up (was {Before}), handshake {HandshakeMs:F3} ms")]
    private static partial void LogUp(ILogger logger, string group, string collector, string endpoint, string before, double handshakeMs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Group {Group}: logs go to {To} (priority {Priority}) instead of {From}")]
    private static partial void LogPreferred(ILogger logger, string group, string from, string to, int priority);

    [LoggerMessage(Level = LogLevel.Information, Message = "Group {Group}: logs go to {To} (priority {Priority})")]
    private static partial void LogFirstChoice(ILogger logger, string group, string to, int priority);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Group {Group}: no collector is up, the firewall buffers logs on its own disk (logs went to {From})")]
    private static partial void LogUnreachable(ILogger logger, string group, string from);

    [LoggerMessage(Level = LogLevel.Information, Message = "Collector {Group}/{Collector} dropped the held connection: {Reason}; probing it again now")]
    private static partial void LogDrop(ILogger logger, string group, string collector, string reason);
}
