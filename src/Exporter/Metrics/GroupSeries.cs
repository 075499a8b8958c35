using System.Globalization;
using LogCollectorExporter.Configuration;
using LogCollectorExporter.Preference;
using Prometheus;

namespace LogCollectorExporter.Metrics;

/// <summary>The series of one group and of its members (<c>logcollector_preferred</c>), looked up once and kept.</summary>
public sealed class GroupSeries
{
    private readonly ExporterMetrics metrics;
    private readonly string name;
    private readonly OwnedSeries owned = new();
    private readonly Gauge.Child collectors;
    private readonly Gauge.Child collectorsUp;
    private readonly Gauge.Child preferredPriority;
    private readonly Counter.Child failovers;
    private readonly Gauge.Child forwardToAll;
    private Gauge.Child[] preferred = [];

    public GroupSeries(ExporterMetrics metrics, GroupConfig group)
    {
        this.metrics = metrics;
        name = group.Name;
        collectors = owned.Add(metrics.GroupCollectors.WithLabels(name));
        collectorsUp = owned.Add(metrics.GroupCollectorsUp.WithLabels(name));
        preferredPriority = owned.Add(metrics.GroupPreferredPriority.WithLabels(name));
        failovers = owned.Add(metrics.GroupFailovers.WithLabels(name));
        forwardToAll = owned.Add(metrics.GroupForwardToAll.WithLabels(name));
        Describe(group);
    }

    /// <summary>Publishes what the group is: its names, its size, its policy, and a <c>logcollector_preferred</c> series per member.</summary>
    public void Describe(GroupConfig group)
    {
        owned.Info(metrics.GroupInfo, name, group.Hostname, group.CollectorGroup);
        collectors.Set(group.Collectors.Count);
        forwardToAll.Set(group.ForwardToAll ? 1 : 0);
        // A member that stays keeps its series (the same labels give the same one); one that left or moved loses it.
        preferred = owned.Replace(preferred, [.. group.Collectors.Select((c, i) => metrics.Preferred.WithLabels(name, c.Name, (i + 1).ToString(CultureInfo.InvariantCulture)))]);
    }

    public void Update(GroupView group, bool failover)
    {
        collectorsUp.Set(group.CollectorsUp);
        preferredPriority.Set(group.PreferredPriority);
        for (var i = 0; i < preferred.Length; i++)
        {
            preferred[i].Set(group.Preferred.Contains(i) ? 1 : 0);
        }

        if (failover)
        {
            failovers.Inc();
        }
    }

    /// <summary>Removes every series of the group and its members: it is no longer configured.</summary>
    public void Remove() => owned.Remove();
}
