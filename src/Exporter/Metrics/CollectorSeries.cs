using System.Globalization;
using System.Net;
using LogCollectorExporter.Configuration;
using LogCollectorExporter.Preference;
using LogCollectorExporter.Probing;
using Prometheus;

namespace LogCollectorExporter.Metrics;

/// <summary>The series of one collector, looked up once and kept, so a probe updates them without label lookups.</summary>
public sealed class CollectorSeries
{
    private readonly ExporterMetrics metrics;
    private readonly string name;
    private readonly OwnedSeries owned = new();
    private readonly Counter.Child[] probes;
    private readonly Histogram.Child handshake;
    private readonly Gauge.Child consecutiveFailures;
    private readonly Counter.Child drops;

    // What is known of the endpoint, which goes when it changes: each is absent until it has a value.
    private readonly Gauge.Child up;
    private readonly Gauge.Child lastHandshake;
    private readonly Gauge.Child dnsLookup;
    private readonly Gauge.Child lastProbe;
    private readonly Gauge.Child lastSuccess;
    private CollectorConfig described;
    private IPAddress? connectedTo;

    public CollectorSeries(ExporterMetrics metrics, CollectorConfig collector)
    {
        this.metrics = metrics;
        name = collector.Name;
        probes = [.. ProbeResults.All.Select(r => owned.Add(metrics.Probes.WithLabels(name, r.Label())))];
        handshake = owned.Add(metrics.HandshakeDuration.WithLabels(name));
        consecutiveFailures = owned.Add(metrics.ConsecutiveFailures.WithLabels(name));
        drops = owned.Add(metrics.ConnectionDrops.WithLabels(name));
        up = owned.Add(metrics.Up.WithLabels(name));
        lastHandshake = owned.Add(metrics.LastHandshakeDuration.WithLabels(name));
        dnsLookup = owned.Add(metrics.DnsLookupDuration.WithLabels(name));
        lastProbe = owned.Add(metrics.LastProbeTimestamp.WithLabels(name));
        lastSuccess = owned.Add(metrics.LastSuccessTimestamp.WithLabels(name));
        described = collector;
        connectedTo = collector.IpAddress;
        Describe(collector);
    }

    /// <summary>
    /// Publishes <c>logcollector_info</c>, replacing the old series when a label changed. Its <c>ip</c> is the address
    /// the last probe connected to: an address's own, or what a name resolved to (until then, "").
    /// </summary>
    public void Describe(CollectorConfig collector)
    {
        if (!collector.SameEndpoint(described))
        {
            connectedTo = collector.IpAddress;
        }

        described = collector;
        owned.Info(metrics.Info, name, collector.Address, collector.Port.ToString(CultureInfo.InvariantCulture), collector.Serial,
            connectedTo?.ToString() ?? "", collector.Hostname, collector.CollectorGroup);
    }

    /// <summary>The collector has another endpoint: what was measured of the old one goes (until measured anew), its counters go on.</summary>
    public void Forget()
    {
        foreach (var gauge in (Gauge.Child[])[up, lastHandshake, dnsLookup, lastProbe, lastSuccess])
        {
            gauge.Unpublish();
        }

        consecutiveFailures.Set(0);
    }

    public void RecordProbe(CollectorView collector, in ProbeOutcome outcome, DateTimeOffset finishedAt)
    {
        probes[(int)outcome.Result].Inc();
        if (outcome.Address is { } address && !address.Equals(connectedTo))
        {
            connectedTo = address;
            Describe(described);
        }

        lastProbe.Set(ExporterMetrics.UnixSeconds(finishedAt));
        if (outcome.DnsLookup is { } dns)
        {
            dnsLookup.Set(dns.TotalSeconds);
        }

        if (outcome.Succeeded)
        {
            handshake.Observe(outcome.Handshake.TotalSeconds);
            lastHandshake.Set(outcome.Handshake.TotalSeconds);
            lastSuccess.Set(ExporterMetrics.UnixSeconds(finishedAt));
        }

        consecutiveFailures.Set(collector.ConsecutiveFailures);
        if (collector.State != CollectorState.Unknown)
        {
            up.Set(collector.State == CollectorState.Up ? 1 : 0);
        }
    }

    public void RecordDrop()
    {
        probes[(int)ProbeResult.Reset].Inc();
        drops.Inc();
    }

    /// <summary>Removes every series of the collector: it is no longer configured.</summary>
    public void Remove() => owned.Remove();
}
