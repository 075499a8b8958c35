using System.Net;
using LogCollectorExporter.Configuration;
using LogCollectorExporter.Probing;

namespace LogCollectorExporter.Preference;

/// <summary>
/// What the exporter knows about one collector, shared by every group that lists it. Changed only by the fleet, under
/// its lock; readers take <see cref="View"/> and <see cref="Recent"/>, which need no lock.
/// </summary>
public sealed class CollectorTracker
{
    private CollectorView view;

    internal CollectorTracker(CollectorConfig config) =>
        view = new CollectorView(config, CollectorState.Unknown, 0, null, null, null, null, null, null, null, 0);

    /// <summary>What is known of the collector now, as of its last probe.</summary>
    public CollectorView View => Volatile.Read(ref view);

    public CollectorConfig Config => View.Config;

    public RecentProbes Recent { get; } = new();

    /// <summary>The groups that list the collector.</summary>
    internal List<GroupTracker> Memberships { get; } = [];

    internal CollectorHealth Health { get; } = new();

    /// <summary>Counts a probe; returns whether the collector went up or down.</summary>
    internal bool Record(in ProbeOutcome outcome, DateTimeOffset at, ProbeSettings settings)
    {
        var changed = Health.Observe(outcome.Succeeded, settings.FailureThreshold, settings.RecoveryThreshold);
        Recent.Add(new RecentProbe(at, outcome.Result, outcome.Succeeded ? outcome.Handshake.TotalSeconds : null));
        var last = View;
        Publish(last with
        {
            State = Health.State,
            ConsecutiveFailures = Health.ConsecutiveFailures,
            LastResult = outcome.Result,
            LastError = outcome.Error,
            LastProbeAt = at,
            LastSuccessAt = outcome.Succeeded ? at : last.LastSuccessAt,
            LastHandshake = outcome.Succeeded ? outcome.Handshake : last.LastHandshake,
            LastDnsLookup = outcome.DnsLookup ?? last.LastDnsLookup,
            ResolvedAddress = outcome.Address ?? last.ResolvedAddress,
        });
        return changed;
    }

    internal void RecordDrop(string reason, DateTimeOffset at)
    {
        Recent.Add(new RecentProbe(at, ProbeResult.Reset, null));
        var last = View;
        Publish(last with { LastResult = ProbeResult.Reset, LastError = reason, ConnectionDrops = last.ConnectionDrops + 1 });
    }

    /// <summary>Takes a new description of the same endpoint (its serial may have changed).</summary>
    internal void Describe(CollectorConfig config) => Publish(View with { Config = config });

    private void Publish(CollectorView next) => Volatile.Write(ref view, next);
}

/// <summary>One collector as of its last probe: an immutable view, safe to read from any thread.</summary>
/// <param name="State">Up, down, or unknown before its first probe (after the thresholds).</param>
/// <param name="ConsecutiveFailures">Failed probes in a row now.</param>
/// <param name="LastResult">How the last probe ended (a dropped held connection counts as <c>reset</c>).</param>
/// <param name="LastError">What went wrong last, for people.</param>
/// <param name="LastProbeAt">When the last probe finished.</param>
/// <param name="LastSuccessAt">When the last successful probe finished.</param>
/// <param name="LastHandshake">The handshake time of the last successful probe.</param>
/// <param name="LastDnsLookup">The last name resolution's time (zero for an IP address).</param>
/// <param name="ResolvedAddress">The address last connected to.</param>
/// <param name="ConnectionDrops">Hold mode: held connections the collector closed or reset.</param>
public sealed record CollectorView(
    CollectorConfig Config,
    CollectorState State,
    int ConsecutiveFailures,
    ProbeResult? LastResult,
    string? LastError,
    DateTimeOffset? LastProbeAt,
    DateTimeOffset? LastSuccessAt,
    TimeSpan? LastHandshake,
    TimeSpan? LastDnsLookup,
    IPAddress? ResolvedAddress,
    long ConnectionDrops);
