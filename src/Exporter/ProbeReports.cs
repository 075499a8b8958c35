using LogCollectorExporter.Configuration;
using LogCollectorExporter.Metrics;
using LogCollectorExporter.Preference;
using LogCollectorExporter.Probing;

namespace LogCollectorExporter;

/// <summary>Where the probe engine's reports go: results to the fleet, lateness to its histogram.</summary>
public sealed class ProbeReports(Fleet fleet, ExporterMetrics metrics) : IProbeObserver
{
    public void Finished(CollectorConfig target, in ProbeOutcome outcome, DateTimeOffset startedAt, DateTimeOffset finishedAt) =>
        fleet.Record(target, outcome, finishedAt);

    public void Dropped(CollectorConfig target, string reason, DateTimeOffset at) => fleet.RecordDrop(target, reason, at);

    public void Late(TimeSpan lag) => metrics.ScheduleLag.Observe(lag.TotalSeconds);
}
