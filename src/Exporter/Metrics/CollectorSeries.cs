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
    private string[] infoLabels = [];
    private Gauge.Child? info;
    private CollectorConfig described;
    private IPAddress? connectedTo;
    private State state;

    public CollectorSeries(ExporterMetrics metrics, CollectorConfig collector)
    {
        this.metrics = metrics;
        name = collector.Name;
        probes = [.. ProbeResults.All.Select(r => owned.Add(metrics.Probes.WithLabels(name, r.Label())))];
        handshake = owned.Add(metrics.HandshakeDuration.WithLabels(name));
        consecutiveFailures = owned.Add(metrics.ConsecutiveFailures.WithLabels(name));
        drops = owned.Add(metrics.ConnectionDrops.WithLabels(name));
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

        infoLabels = next;
        info = owned.Replace(info, metrics.Info.WithLabels(infoLabels));
        info.Set(1);
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
        owned.Remove();
    }

    /// <summary>The gauges of what is known of the endpoint, which go when it changes; each is absent until it has a value.</summary>
    private sealed class State
    {
        private readonly OwnedSeries owned = new();

        public State(ExporterMetrics metrics, string name)
        {
            Up = owned.Add(metrics.Up.WithLabels(name));
            LastHandshake = owned.Add(metrics.LastHandshakeDuration.WithLabels(name));
            DnsLookup = owned.Add(metrics.DnsLookupDuration.WithLabels(name));
            LastProbe = owned.Add(metrics.LastProbeTimestamp.WithLabels(name));
            LastSuccess = owned.Add(metrics.LastSuccessTimestamp.WithLabels(name));
        }

        public Gauge.Child Up { get; }

        public Gauge.Child LastHandshake { get; }

        public Gauge.Child DnsLookup { get; }

        public Gauge.Child LastProbe { get; }

        public Gauge.Child LastSuccess { get; }

        public void Remove() => owned.Remove();
    }
}
