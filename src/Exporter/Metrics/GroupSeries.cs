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
    private readonly Gauge.Child collectors;
    private readonly Gauge.Child collectorsUp;
    private readonly Gauge.Child preferredPriority;
    private readonly Counter.Child failovers;
    private readonly Gauge.Child forwardToAll;
    private string[][] memberLabels = [];
    private string[] infoLabels = [];
    private Gauge.Child[] preferred = [];

    public GroupSeries(ExporterMetrics metrics, GroupConfig group)
    {
        this.metrics = metrics;
        name = group.Name;
        collectors = metrics.GroupCollectors.WithLabels(name);
        collectorsUp = metrics.GroupCollectorsUp.WithLabels(name);
        preferredPriority = metrics.GroupPreferredPriority.WithLabels(name);
        failovers = metrics.GroupFailovers.WithLabels(name);
        forwardToAll = metrics.GroupForwardToAll.WithLabels(name);
        Describe(group);
    }

    /// <summary>Publishes what the group is: its names, its size, its policy, and a <c>logcollector_preferred</c> series per member.</summary>
    public void Describe(GroupConfig group)
    {
        string[] info = [name, group.Hostname, group.CollectorGroup];
        if (!info.SequenceEqual(infoLabels))
        {
            if (infoLabels.Length > 0)
            {
                metrics.GroupInfo.RemoveLabelled(infoLabels);
            }

            infoLabels = info;
            metrics.GroupInfo.WithLabels(infoLabels).Set(1);
        }

        collectors.Set(group.Collectors.Count);
        forwardToAll.Set(group.ForwardToAll ? 1 : 0);
        string[][] next = [.. group.Collectors.Select((c, i) => new[] { name, c.Name, (i + 1).ToString(CultureInfo.InvariantCulture) })];
        foreach (var stale in memberLabels.Where(old => !next.Any(n => n.SequenceEqual(old))))
        {
            metrics.Preferred.RemoveLabelled(stale);
        }

        memberLabels = next;
        preferred = [.. next.Select(labels => metrics.Preferred.WithLabels(labels))];
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
    public void Remove()
    {
        metrics.GroupInfo.RemoveLabelled(infoLabels);
        metrics.GroupCollectors.RemoveLabelled(name);
        metrics.GroupCollectorsUp.RemoveLabelled(name);
        metrics.GroupPreferredPriority.RemoveLabelled(name);
        metrics.GroupFailovers.RemoveLabelled(name);
        metrics.GroupForwardToAll.RemoveLabelled(name);
        foreach (var labels in memberLabels)
        {
            metrics.Preferred.RemoveLabelled(labels);
        }
    }
}
