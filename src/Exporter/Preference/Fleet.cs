using LogCollectorExporter.Configuration;
using LogCollectorExporter.Metrics;
using LogCollectorExporter.Probing;

namespace LogCollectorExporter.Preference;

/// <summary>
/// All groups and collectors of the running configuration, and what is known about each. It hears the probe engine's
/// results and hands each to every group that lists the collector.
/// </summary>
public sealed class Fleet : IProbeObserver
{
    private readonly ExporterMetrics metrics;
    private readonly ILogger<GroupMonitor> logger;
    private GroupMonitor[] groups = [];
    private Dictionary<string, CollectorMonitor[]> byName = [];

    public Fleet(ExporterMetrics metrics, ILogger<GroupMonitor> logger, ExporterConfig initial)
    {
        this.metrics = metrics;
        this.logger = logger;
        Probe = initial.Probe;
        Apply(initial);
    }

    public ProbeSettings Probe { get; private set; }

    public IReadOnlyList<GroupMonitor> Groups => Volatile.Read(ref groups);

    /// <summary>Every configured collector has been probed at least once.</summary>
    public bool IsReady => Groups.All(g => g.Collectors.All(c => c.LastProbeAt is not null));

    /// <summary>
    /// Takes a new configuration: collectors that stay (same group and name) keep their counters, and their state
    /// when their address and port stay too; series of removed collectors and groups are removed.
    /// The caller stops probing first.
    /// </summary>
    public void Apply(ExporterConfig config)
    {
        var old = groups.ToDictionary(g => g.Config.Name, StringComparer.Ordinal);
        var next = new GroupMonitor[config.Groups.Count];
        for (var g = 0; g < next.Length; g++)
        {
            var groupConfig = config.Groups[g];
            var group = old.Remove(groupConfig.Name, out var kept)
                ? kept
                : new GroupMonitor(groupConfig, new GroupSeries(metrics, groupConfig.Name), config.Probe, logger);
            var previous = group.Collectors.ToDictionary(c => c.Config.Name, StringComparer.Ordinal);
            var monitors = new CollectorMonitor[groupConfig.Collectors.Count];
            for (var c = 0; c < monitors.Length; c++)
            {
                var collectorConfig = groupConfig.Collectors[c];
                if (previous.Remove(collectorConfig.Name, out var monitor)
                    && (monitor.Config.Address != collectorConfig.Address || monitor.Config.Port != collectorConfig.Port))
                {
                    // Another target under the same name: its counters go on, what was known about the old target does not.
                    monitor = new CollectorMonitor(group, collectorConfig, monitor.Series);
                }

                monitor ??= new CollectorMonitor(group, collectorConfig, new CollectorSeries(metrics, groupConfig.Name, collectorConfig));
                monitor.Config = collectorConfig;
                monitors[c] = monitor;
            }

            foreach (var removed in previous.Values)
            {
                removed.Series.Remove();
            }

            group.Reconfigure(groupConfig, monitors, config.Probe);
            next[g] = group;
        }

        foreach (var removed in old.Values)
        {
            foreach (var collector in removed.Collectors)
            {
                collector.Series.Remove();
            }

            removed.Series.Remove();
        }

        Probe = config.Probe;
        Volatile.Write(ref groups, next);
        Volatile.Write(ref byName, next.SelectMany(g => g.Collectors).GroupBy(c => c.Config.Name, StringComparer.Ordinal)
            .ToDictionary(c => c.Key, c => c.ToArray(), StringComparer.Ordinal));
    }

    public void Finished(CollectorConfig target, in ProbeOutcome outcome, DateTimeOffset startedAt, DateTimeOffset finishedAt)
    {
        foreach (var monitor in MonitorsOf(target))
        {
            monitor.Group.Record(monitor, outcome, finishedAt);
        }
    }

    public void Dropped(CollectorConfig target, string reason, DateTimeOffset at)
    {
        foreach (var monitor in MonitorsOf(target))
        {
            monitor.Group.RecordDrop(monitor, reason, at);
        }
    }

    public void Late(TimeSpan lag) => metrics.ScheduleLag.Observe(lag.TotalSeconds);

    // The monitors of the collector in every group that lists it at the same endpoint: a result of a probe at an
    // endpoint the configuration no longer has (a reload in between) is nobody's.
    private IEnumerable<CollectorMonitor> MonitorsOf(CollectorConfig target) =>
        Volatile.Read(ref byName).GetValueOrDefault(target.Name, []).Where(m => m.Config.Address == target.Address && m.Config.Port == target.Port);
}
