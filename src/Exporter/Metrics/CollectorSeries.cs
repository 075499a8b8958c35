using System.Globalization;
using LogCollectorExporter.Configuration;
using LogCollectorExporter.Preference;
using LogCollectorExporter.Probing;
using Prometheus;

namespace LogCollectorExporter.Metrics;

/// <summary>The series of one collector, looked up once and kept, so a probe updates them without label lookups.</summary>
public sealed class CollectorSeries
{
    private readonly ExporterMetrics metrics;
    private readonly string[] labels;
    private readonly Counter.Child[] probes;
    private readonly Histogram.Child handshake;
    private readonly Gauge.Child consecutiveFailures;
    private readonly Gauge.Child preferred;
    private readonly Counter.Child drops;
    private readonly Gauge.Child up;
    private readonly Gauge.Child lastHandshake;
    private readonly Gauge.Child dnsLookup;
    private readonly Gauge.Child lastProbe;
    private readonly Gauge.Child lastSuccess;
    private string[] infoLabels = [];

    public CollectorSeries(ExporterMetrics metrics, string group, CollectorConfig collector)
    {
        this.metrics = metrics;
        labels = [group, collector.Name];
        probes = [.. ProbeResults.All.Select(r => metrics.Probes.WithLabels(group, collector.Name, r.Label()))];
        handshake = metrics.HandshakeDuration.WithLabels(labels);
        consecutiveFailures = metrics.ConsecutiveFailures.WithLabels(labels);
        preferred = metrics.Preferred.WithLabels(labels);
        drops = metrics.ConnectionDrops.WithLabels(labels);

        // These are configured to stay unpublished until first set: no series before there is a value.
        up = metrics.Up.WithLabels(labels);
        lastHandshake = metrics.LastHandshakeDuration.WithLabels(labels);
        dnsLookup = metrics.DnsLookupDuration.WithLabels(labels);
        lastProbe = metrics.LastProbeTimestamp.WithLabels(labels);
        lastSuccess = metrics.LastSuccessTimestamp.WithLabels(labels);
        Describe(collector);
    }

    /// <summary>Publishes <c>logcollector_info</c>, replacing the old series when the address, port, priority or serial changed.</summary>
    public void Describe(CollectorConfig collector)
    {
        string[] next = [labels[0], labels[1], collector.Address, collector.Port.ToString(CultureInfo.InvariantCulture),
            collector.Priority.ToString(CultureInfo.InvariantCulture), collector.Serial];
        if (next.SequenceEqual(infoLabels))
        {
            return;
        }

        if (infoLabels.Length > 0)
        {
            metrics.Info.RemoveLabelled(infoLabels);
        }

        infoLabels = next;
        metrics.Info.WithLabels(infoLabels).Set(1);
    }

    public void RecordProbe(in ProbeOutcome outcome, DateTimeOffset finishedAt)
    {
        probes[(int)outcome.Result].Inc();
        lastProbe.Set(finishedAt.ToUnixTimeMilliseconds() / 1000.0);
        if (outcome.DnsLookup is { } dns)
        {
            dnsLookup.Set(dns.TotalSeconds);
        }

        if (outcome.Succeeded)
        {
            handshake.Observe(outcome.Handshake.TotalSeconds);
            lastHandshake.Set(outcome.Handshake.TotalSeconds);
            lastSuccess.Set(finishedAt.ToUnixTimeMilliseconds() / 1000.0);
        }
    }

    public void RecordDrop()
    {
        probes[(int)ProbeResult.Reset].Inc();
        drops.Inc();
    }

    public void SetHealth(CollectorState state, int failuresInARow)
    {
        consecutiveFailures.Set(failuresInARow);
        if (state != CollectorState.Unknown)
        {
            up.Set(state == CollectorState.Up ? 1 : 0);
        }
    }

    public void SetPreferred(bool isPreferred) => preferred.Set(isPreferred ? 1 : 0);

    /// <summary>Removes every series of the collector: it is no longer configured.</summary>
    public void Remove()
    {
        foreach (var result in ProbeResults.All)
        {
            metrics.Probes.RemoveLabelled(labels[0], labels[1], result.Label());
        }

        metrics.Info.RemoveLabelled(infoLabels);
        metrics.Up.RemoveLabelled(labels);
        metrics.HandshakeDuration.RemoveLabelled(labels);
        metrics.LastHandshakeDuration.RemoveLabelled(labels);
        metrics.DnsLookupDuration.RemoveLabelled(labels);
        metrics.ConsecutiveFailures.RemoveLabelled(labels);
        metrics.LastProbeTimestamp.RemoveLabelled(labels);
        metrics.LastSuccessTimestamp.RemoveLabelled(labels);
        metrics.Preferred.RemoveLabelled(labels);
        metrics.ConnectionDrops.RemoveLabelled(labels);
    }
}
