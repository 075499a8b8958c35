using LogCollectorExporter.Configuration;
using LogCollectorExporter.Probing;

namespace LogCollectorExporter.Preference;

/// <summary>
/// Hears of every change of the fleet: what is configured, what each probe found, where each group's logs go. Called
/// under the fleet's lock, one call at a time, on the probe engine's thread or a reload's; must return quickly.
/// </summary>
public interface IFleetObserver
{
    /// <summary>A collector is new, or its description changed.</summary>
    /// <param name="newEndpoint">Its address or port changed (or it is new): what was known of it no longer holds.</param>
    void CollectorConfigured(CollectorConfig collector, bool newEndpoint);

    void CollectorRemoved(CollectorConfig collector);

    /// <summary>A probe of the collector finished; <paramref name="view"/> is the collector after it.</summary>
    void CollectorProbed(CollectorView view, in ProbeOutcome outcome, DateTimeOffset at);

    /// <summary>Hold mode: the collector closed or reset its held connection.</summary>
    void CollectorDropped(CollectorConfig collector);

    /// <summary>A group is new, or its collectors, their order or its policy changed.</summary>
    void GroupConfigured(GroupConfig group);

    void GroupRemoved(GroupConfig group);

    /// <summary>A group's collectors up, or where its logs go, may have changed.</summary>
    /// <param name="failover">Its logs moved from one collector to another (a failover or a failback).</param>
    void GroupUpdated(GroupView view, bool failover);
}
