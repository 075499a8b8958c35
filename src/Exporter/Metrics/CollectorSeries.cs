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
    private readonly Counter.Child[] probes;
    private readonly Histogram.Child handshake;
    private readonly Gauge.Child consecutiveFailures;
    private readonly Counter.Child drops;
    private string[] infoLabels = [];
    private CollectorConfig described;
    private IPAddress? connectedTo;
    private State state;

    public CollectorSeries(ExporterMetrics metrics, CollectorConfig collector)
    {
        this.metrics = metrics;
        name = collector.Name;
        probes = [.. ProbeResults.All.Select(r => metrics.Probes.WithLabels(name, r.Label()))];
        handshake = metrics.HandshakeDuration.WithLabels(name);
        consecutiveFailures = metrics.ConsecutiveFailures.WithLabels(name);
        drops = metrics.ConnectionDrops.WithLabels(name);
        state = new State(metrics, name);
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
        string[] next =
        [
            name, collector.Address, collector.Port.ToString(CultureInfo.InvariantCulture), collector.Serial, connectedTo?.ToString() ?? "",
            collector.Hostname, collector.CollectorGroup,
        ];
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

    /// <summary>The collector has another endpoint: what was measured of the old one goes, its counters go on.</summary>
    public void Forget()
    {
        state.Remove();
        consecutiveFailures.Set(0);
        state = new State(metrics, name);
    }

    public void RecordProbe(CollectorView collector, in ProbeOutcome outcome, DateTimeOffset finishedAt)
    {
        probes[(int)outcome.Result].Inc();
        if (outcome.Address is { } address && !address.Equals(connectedTo))
        {
            connectedTo = address;
            Describe(described);
        }

        state.LastProbe.Set(ExporterMetrics.UnixSeconds(finishedAt));
        if (outcome.DnsLookup is { } dns)
        {
            state.DnsLookup.Set(dns.TotalSeconds);
        }

        if (outcome.Succeeded)
        {
            handshake.Observe(outcome.Handshake.TotalSeconds);
            state.LastHandshake.Set(outcome.Handshake.TotalSeconds);
            state.LastSuccess.Set(ExporterMetrics.UnixSeconds(finishedAt));
        }

        consecutiveFailures.Set(collector.ConsecutiveFailures);
        if (collector.State != CollectorState.Unknown)
        {
            state.Up.Set(collector.State == CollectorState.Up ? 1 : 0);
        }
    }

    public void RecordDrop()
    {
        probes[(int)ProbeResult.Reset].Inc();
        drops.Inc();
    }

    /// <summary>Removes every series of the collector: it is no longer configured.</summary>
    public void Remove()
    {
        state.Remove();
        foreach (var result in ProbeResults.All)
        {
            metrics.Probes.RemoveLabelled(name, result.Label());
        }

        metrics.HandshakeDuration.RemoveLabelled(name);
        metrics.ConsecutiveFailures.RemoveLabelled(name);
        metrics.ConnectionDrops.RemoveLabelled(name);
        metrics.Info.RemoveLabelled(infoLabels);
    }

    /// <summary>The gauges of what is known of the endpoint; each is absent until it has a value.</summary>
    private sealed class State(ExporterMetrics metrics, string name)
    {
        public readonly Gauge.Child Up = metrics.Up.WithLabels(name);
        public readonly Gauge.Child LastHandshake = metrics.LastHandshakeDuration.WithLabels(name);
        public readonly Gauge.Child DnsLookup = metrics.DnsLookupDuration.WithLabels(name);
        public readonly Gauge.Child LastProbe = metrics.LastProbeTimestamp.WithLabels(name);
        public readonly Gauge.Child LastSuccess = metrics.LastSuccessTimestamp.WithLabels(name);

        public void Remove()
        {
            metrics.Up.RemoveLabelled(name);
            metrics.LastHandshakeDuration.RemoveLabelled(name);
            metrics.DnsLookupDuration.RemoveLabelled(name);
            metrics.LastProbeTimestamp.RemoveLabelled(name);
            metrics.LastSuccessTimestamp.RemoveLabelled(name);
        }
    }
}
