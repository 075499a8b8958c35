using LogCollectorExporter.Platform;
using Prometheus;

namespace LogCollectorExporter.Metrics;

/// <summary>Every metric the exporter publishes, declared once with its help text.</summary>
public sealed class ExporterMetrics
{
    internal static readonly string[] CollectorLabels = ["collector"];
    internal static readonly string[] ProbeLabels = ["collector", "result"];
    internal static readonly string[] InfoLabels = ["collector", "address", "port", "serial", "ip", "hostname", "collector_group"];
    internal static readonly string[] GroupInfoLabels = ["group", "hostname", "collector_group"];
    internal static readonly string[] MemberLabels = ["group", "collector", "priority"];
    internal static readonly string[] GroupLabels = ["group"];
    internal static readonly string[] BuildLabels = ["version", "revision", "runtime"];
    internal static readonly string[] SourceLabels = ["source"];
    internal static readonly string[] RefusalLabels = ["reason"];
    internal static readonly string[] CertificateInfoLabels = ["collector", "subject", "issuer", "serial_number", "sha256"];

    // A series absent until it is first set.
    private static readonly GaugeConfiguration Absent = new() { SuppressInitialValue = true };

    private static readonly double[] LagBuckets = [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private readonly Gauge configLastReloadSuccessTimestamp;
    private readonly Counter httpRequestsRefused;

    public ExporterMetrics(CollectorRegistry registry, IReadOnlyList<double> handshakeBuckets, BuildInfo build)
    {
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);

        // No exemplars: probes are not part of a trace, and looking for one costs time on every update.
        factory.ExemplarBehavior = new ExemplarBehavior { DefaultExemplarProvider = static (_, _) => Exemplar.None };
        HandshakeBuckets = handshakeBuckets;

        Info = factory.CreateGauge("logcollector_info",
            "Always 1: a log collector, with its address, port, serial, the IP it last connected to, its hostname and Panorama collector group; one series however many preference lists name it.",
            InfoLabels);
        Up = factory.CreateGauge("logcollector_up",
            "1 when the collector is up, 0 when down, after the failure/recovery thresholds; absent before its first probe.",
            CollectorLabels, Absent);
        HandshakeDuration = factory.CreateHistogram("logcollector_handshake_duration_seconds",
            "TCP handshake time of successful probes: the SYN to SYN/ACK round trip as the kernel timed it (DNS excluded).",
            CollectorLabels, new HistogramConfiguration { Buckets = [.. handshakeBuckets] });
        LastHandshakeDuration = factory.CreateGauge("logcollector_last_handshake_duration_seconds",
            "TCP handshake time of the last successful probe.", CollectorLabels, Absent);
        DnsLookupDuration = factory.CreateGauge("logcollector_dns_lookup_duration_seconds",
            "Time of the last name resolution of the collector's address (0 for an IP address).", CollectorLabels, Absent);
        Probes = factory.CreateCounter("logcollector_probes_total",
            "Probes by result: success, refused, timeout, unreachable, dns_error, reset (hold mode: the peer dropped a held connection), error.",
            ProbeLabels);
        ConsecutiveFailures = factory.CreateGauge("logcollector_consecutive_failures",
            "Failed probes in a row now.", CollectorLabels);
        LastProbeTimestamp = factory.CreateGauge("logcollector_last_probe_timestamp_seconds",
            "Unix time of the last finished probe.", CollectorLabels, Absent);
        LastSuccessTimestamp = factory.CreateGauge("logcollector_last_success_timestamp_seconds",
            "Unix time of the last successful probe.", CollectorLabels, Absent);
        Preferred = factory.CreateGauge("logcollector_preferred",
            "1 where the group's logs would be forwarded now (every up collector with forward-to-all), else 0; a series per collector of each group, with its priority (1 = highest).",
            MemberLabels);
        ConnectionDrops = factory.CreateCounter("logcollector_connection_drops_total",
            "Hold mode: held connections that the peer closed (FIN) or reset (RST) before the next probe.", CollectorLabels);

        // Series only for the collectors the certificate check (probe.certificates) reads: with it off, none.
        CertificateNotAfter = factory.CreateGauge("logcollector_certificate_not_after_seconds",
            "Unix time the leaf certificate the collector presented on its port expires; the last one read when a check fails.",
            CollectorLabels, Absent);
        CertificateNotBefore = factory.CreateGauge("logcollector_certificate_not_before_seconds",
            "Unix time the leaf certificate the collector presented became valid.", CollectorLabels, Absent);
        CertificateInfo = factory.CreateGauge("logcollector_certificate_info",
            "Always 1: the leaf certificate the collector presented, with its subject, issuer, serial number (hex) and SHA-256 fingerprint (hex).",
            CertificateInfoLabels, Absent);
        CertificateCheckSuccess = factory.CreateGauge("logcollector_certificate_check_success",
            "1 when the last certificate check read a certificate, else 0 (not TLS, down, timed out).", CollectorLabels, Absent);
        CertificateLastCheckTimestamp = factory.CreateGauge("logcollector_certificate_last_check_timestamp_seconds",
            "Unix time of the last certificate check.", CollectorLabels, Absent);

        GroupInfo = factory.CreateGauge("logcollector_group_info",
            "Always 1: a group (a firewall's preference list), with the firewall's hostname (firewallNamesFile) and the Panorama collector group it was imported from.",
            GroupInfoLabels);
        GroupCollectors = factory.CreateGauge("logcollector_group_collectors",
            "Collectors configured in the group's preference list.", GroupLabels);
        GroupCollectorsUp = factory.CreateGauge("logcollector_group_collectors_up",
            "Collectors of the group that are up.", GroupLabels);
        GroupPreferredPriority = factory.CreateGauge("logcollector_group_preferred_priority",
            "Priority of the collector logs go to now (the highest one with forward-to-all); 0 when none is up.", GroupLabels);
        GroupFailovers = factory.CreateCounter("logcollector_group_failovers_total",
            "Times the preferred collector changed (failover or failback); the first choice after start is not counted.", GroupLabels);
        GroupForwardToAll = factory.CreateGauge("logcollector_group_forward_to_all",
            "1 when the group forwards logs to all available collectors, else 0.", GroupLabels);

        factory.CreateGauge("logcollector_exporter_build_info", "Always 1: the exporter's version, source revision and runtime.", BuildLabels)
            .WithLabels(build.Version, build.Revision, build.Runtime).Set(1);
        ConfigLastReloadSuccessful = factory.CreateGauge("logcollector_exporter_config_last_reload_successful",
            "1 when the last configuration (re)load succeeded, 0 when it failed and the previous configuration kept running.");
        configLastReloadSuccessTimestamp = factory.CreateGauge("logcollector_exporter_config_last_reload_success_timestamp_seconds",
            "Unix time of the last successful configuration (re)load.");
        ScheduleLag = factory.CreateHistogram("logcollector_exporter_schedule_lag_seconds",
            "How late each scheduled probe started against its due time.", new HistogramConfiguration { Buckets = LagBuckets });
        SourceLastImportSuccessful = factory.CreateGauge("logcollector_exporter_source_last_import_successful",
            "1 when the last import of the Panorama source (a panorama: entry: its URL or file) succeeded, 0 when it failed and the last good import was kept.",
            SourceLabels);
        SourceLastImportSuccessTimestamp = factory.CreateGauge("logcollector_exporter_source_last_import_success_timestamp_seconds",
            "Unix time of the last successful import of the Panorama source; absent before the first.", SourceLabels, Absent);
        WebConfigLastReloadSuccessful = factory.CreateGauge("logcollector_exporter_web_config_last_reload_successful",
            "1 when the web configuration (--web.config.file and the certificate, key and CA files it names) was last read without error, 0 when a change was refused and the previous one kept serving.");
        WebConfigLastReloadSuccessful.Set(1);
        httpRequestsRefused = factory.CreateCounter("logcollector_exporter_http_requests_refused_total",
            "HTTP requests refused by the web configuration, by reason: no_credentials, bad_credentials (a wrong password or an unknown user), throttled (too many new passwords to check at once), no_client_certificate.",
            RefusalLabels);
        foreach (var reason in EnumText.All<Refusal>())
        {
            httpRequestsRefused.WithLabels(reason);
        }
    }

    public void ReloadSucceeded(DateTimeOffset at)
    {
        ConfigLastReloadSuccessful.Set(1);
        configLastReloadSuccessTimestamp.Set(UnixSeconds(at));
    }

    public void Refused(Refusal reason) => httpRequestsRefused.WithLabels(EnumText.Of(reason)).Inc();

    /// <summary>Unix time in seconds, to the millisecond, as Prometheus timestamps are written.</summary>
    public static double UnixSeconds(DateTimeOffset at) => at.ToUnixTimeMilliseconds() / 1000.0;

    /// <summary>The handshake histogram's buckets, fixed for the life of the process.</summary>
    public IReadOnlyList<double> HandshakeBuckets { get; }

    public Gauge Info { get; }

    public Gauge Up { get; }

    public Histogram HandshakeDuration { get; }

    public Gauge LastHandshakeDuration { get; }

    public Gauge DnsLookupDuration { get; }

    public Counter Probes { get; }

    public Gauge ConsecutiveFailures { get; }

    public Gauge LastProbeTimestamp { get; }

    public Gauge LastSuccessTimestamp { get; }

    public Gauge Preferred { get; }

    public Counter ConnectionDrops { get; }

    public Gauge CertificateNotAfter { get; }

    public Gauge CertificateNotBefore { get; }

    public Gauge CertificateInfo { get; }

    public Gauge CertificateCheckSuccess { get; }

    public Gauge CertificateLastCheckTimestamp { get; }

    public Gauge GroupInfo { get; }

    public Gauge GroupCollectors { get; }

    public Gauge GroupCollectorsUp { get; }

    public Gauge GroupPreferredPriority { get; }

    public Counter GroupFailovers { get; }

    public Gauge GroupForwardToAll { get; }

    public Gauge ConfigLastReloadSuccessful { get; }

    public Histogram ScheduleLag { get; }

    public Gauge SourceLastImportSuccessful { get; }

    public Gauge SourceLastImportSuccessTimestamp { get; }

    public Gauge WebConfigLastReloadSuccessful { get; }
}
