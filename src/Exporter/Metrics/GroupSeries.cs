using Prometheus;

namespace LogCollectorExporter.Metrics;

/// <summary>The series of one group, looked up once and kept.</summary>
public sealed class GroupSeries
{
    private readonly ExporterMetrics metrics;
    private readonly string name;
    private readonly Gauge.Child collectors;
    private readonly Gauge.Child collectorsUp;
    private readonly Gauge.Child preferredPriority;
    private readonly Counter.Child failovers;
    private readonly Gauge.Child forwardToAll;

    public GroupSeries(ExporterMetrics metrics, string name)
    {
        this.metrics = metrics;
        this.name = name;
        collectors = metrics.GroupCollectors.WithLabels(name);
        collectorsUp = metrics.GroupCollectorsUp.WithLabels(name);
        preferredPriority = metrics.GroupPreferredPriority.WithLabels(name);
        failovers = metrics.GroupFailovers.WithLabels(name);
        forwardToAll = metrics.GroupForwardToAll.WithLabels(name);
    }

    public void Describe(int collectorCount, bool isForwardToAll)
    {
        collectors.Set(collectorCount);
        forwardToAll.Set(isForwardToAll ? 1 : 0);
    }

    public void SetState(int up, int preferredPriorityNow)
    {
        collectorsUp.Set(up);
        preferredPriority.Set(preferredPriorityNow);
    }

    public void CountFailover() => failovers.Inc();

    /// <summary>Removes every series of the group: it is no longer configured.</summary>
    public void Remove()
    {
        metrics.GroupCollectors.RemoveLabelled(name);
        metrics.GroupCollectorsUp.RemoveLabelled(name);
        metrics.GroupPreferredPriority.RemoveLabelled(name);
        metrics.GroupFailovers.RemoveLabelled(name);
        metrics.GroupForwardToAll.RemoveLabelled(name);
    }
}
