using LogCollectorExporter.Configuration;
using LogCollectorExporter.Preference;
using LogCollectorExporter.Probing;

namespace LogCollectorExporter.Metrics;

/// <summary>
/// Keeps the series of every collector and group in step with the fleet: created when configured, updated by each
/// probe and change, removed with what they describe. The fleet calls it one call at a time.
/// </summary>
public sealed class FleetSeries(ExporterMetrics metrics) : IFleetObserver
{
    private readonly Dictionary<string, CollectorSeries> collectors = new(StringComparer.Ordinal);
    private readonly Dictionary<string, GroupSeries> groups = new(StringComparer.Ordinal);

    public void CollectorConfigured(CollectorConfig collector, bool newEndpoint)
    {
        if (!collectors.TryGetValue(collector.Name, out var series))
        {
            collectors[collector.Name] = new CollectorSeries(metrics, collector);
            return;
        }

        series.Describe(collector);
        if (newEndpoint)
        {
            series.Forget();
        }
    }

    public void CollectorRemoved(CollectorConfig collector)
    {
        if (collectors.Remove(collector.Name, out var series))
        {
            series.Remove();
        }
    }

    public void CollectorProbed(CollectorView view, in ProbeOutcome outcome, DateTimeOffset at) =>
        collectors[view.Config.Name].RecordProbe(view, outcome, at);

    public void CollectorDropped(CollectorConfig collector) => collectors[collector.Name].RecordDrop();

    public void GroupConfigured(GroupConfig group)
    {
        if (groups.TryGetValue(group.Name, out var series))
        {
            series.Describe(group);
        }
        else
        {
            groups[group.Name] = new GroupSeries(metrics, group);
        }
    }

    public void GroupRemoved(GroupConfig group)
    {
        if (groups.Remove(group.Name, out var series))
        {
            series.Remove();
        }
    }

    public void GroupUpdated(GroupView view, bool failover) => groups[view.Config.Name].Update(view, failover);
}
