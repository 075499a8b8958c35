using System.Net;

namespace LogCollectorExporter.Configuration;

public enum ProbeMode
{
    /// <summary>Connect, then close at once.</summary>
    Handshake,

    /// <summary>Keep the connection until the next probe, as the firewall does, and notice a peer FIN/RST at once.</summary>
    Hold,
}

public enum CloseMode
{
    Fin,

    /// <summary>SO_LINGER 0: the close sends RST and leaves no TIME_WAIT behind.</summary>
    Rst,
}

public enum IpFamily
{
    Ip4,
    Ip6,

    /// <summary>IPv4 first, then IPv6.</summary>
    Any,
}

public enum Failback
{
    /// <summary>Logs go back to a higher-priority collector as soon as it is up again.</summary>
    Immediate,

    /// <summary>Logs stay on the current collector while it is up.</summary>
    Sticky,
}

/// <summary>A validated configuration: nothing that reaches the probing code can be invalid.</summary>
/// <param name="Probe">How every collector is probed.</param>
/// <param name="Collectors">Every collector once, however many groups list it: the catalogue's first, in its order, then the others in the order groups name them.</param>
/// <param name="Groups">The preference lists; their collectors are instances of <paramref name="Collectors"/>.</param>
/// <param name="Origin">Where it was read from.</param>
public sealed record ExporterConfig(
    ProbeSettings Probe,
    IReadOnlyList<CollectorConfig> Collectors,
    IReadOnlyList<GroupConfig> Groups,
    ConfigOrigin Origin)
{
    /// <summary>What each <c>panorama:</c> source imported into it, in order.</summary>
    public IReadOnlyList<PanoramaImported> Panorama { get; init; } = [];
}

public sealed record ProbeSettings(
    TimeSpan Interval,
    TimeSpan Timeout,
    ProbeMode Mode,
    CloseMode Close,
    IpFamily IpFamily,
    IPAddress? SourceAddress,
    int FailureThreshold,
    int RecoveryThreshold,
    int MaxConcurrency,
    IReadOnlyList<double> Buckets)
{
    /// <summary>The shortest interval: no collector is ever probed more than once a second.</summary>
    public static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(1);

    public static readonly IReadOnlyList<double> DefaultBuckets =
        [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

    public static ProbeSettings Default { get; } = new(
        TimeSpan.FromSeconds(60),
        TimeSpan.FromSeconds(5),
        ProbeMode.Handshake,
        CloseMode.Fin,
        IpFamily.Ip4,
        SourceAddress: null,
        FailureThreshold: 1,
        RecoveryThreshold: 1,
        MaxConcurrency: 256,
        DefaultBuckets);

    /// <summary>
    /// Whether <paramref name="other"/> probes a collector the same way: the settings that shape each probe and its
    /// schedule. Thresholds, concurrency and buckets are not among them.
    /// </summary>
    public bool ProbesLike(ProbeSettings other) =>
        Interval == other.Interval && Timeout == other.Timeout && Mode == other.Mode && Close == other.Close
        && IpFamily == other.IpFamily && Equals(SourceAddress, other.SourceAddress);

    /// <summary><c>probe.certificates:</c>, reading the certificate each collector serves.</summary>
    public CertificateCheckSettings Certificates { get; init; } = CertificateCheckSettings.Default;
}

/// <summary>
/// <c>probe.certificates:</c>. Off by default: unlike the probe, the check sends data (a TLS ClientHello), and the
/// collector may log each handshake it refuses.
/// </summary>
/// <param name="Interval">Each collector is checked at most once per interval, the checks spread over it.</param>
/// <param name="Timeout">Shorter than <paramref name="Interval"/>.</param>
public sealed record CertificateCheckSettings(bool Enabled, TimeSpan Interval, TimeSpan Timeout)
{
    /// <summary>The shortest interval: a collector sees at most one ClientHello a minute from the exporter.</summary>
    public static readonly TimeSpan MinInterval = TimeSpan.FromMinutes(1);

    public static CertificateCheckSettings Default { get; } = new(Enabled: false, TimeSpan.FromHours(1), TimeSpan.FromSeconds(5));
}

/// <summary>One preference list: a firewall's, or a collector group's.</summary>
/// <param name="Collectors">Highest priority first: a collector's priority is its place here (1 = highest).</param>
public sealed record GroupConfig(
    string Name,
    bool ForwardToAll,
    Failback Failback,
    string? PreferenceListFile,
    IReadOnlyList<CollectorConfig> Collectors)
{
    /// <summary>The firewall's name, from <c>firewallNamesFile</c>; "" when it has none.</summary>
    public string Hostname { get; init; } = "";

    /// <summary>The Panorama collector group whose preference lists it was imported from; "" for a group of the file.</summary>
    public string CollectorGroup { get; init; } = "";
}

/// <summary>A log collector, named uniquely in the whole configuration: the same name in two groups is the same collector.</summary>
public sealed record CollectorConfig(string Name, string Address, int Port, string Serial)
{
    public const int DefaultPort = 3978;

    /// <summary>Its hostname, as the catalogue or Panorama gives it; "" when neither does. Names it for people, not for probes.</summary>
    public string Hostname { get; init; } = "";

    /// <summary>The Panorama collector group it is a member of; "" when it is not imported.</summary>
    public string CollectorGroup { get; init; } = "";

    /// <summary>The address when it is an IP literal; null when it is a name to resolve.</summary>
    public IPAddress? IpAddress { get; } = IPAddress.TryParse(Address, out var ip) ? ip : null;

    /// <summary>address:port, with an IPv6 address in brackets.</summary>
    public string Endpoint => IpAddress is { AddressFamily: System.Net.Sockets.AddressFamily.InterNetworkV6 } ? $"[{Address}]:{Port}" : $"{Address}:{Port}";

    /// <summary>What the log says of it beside its name: its hostname, when it has one, and its endpoint.</summary>
    public string Description => Hostname.Length > 0 ? $"{Hostname}, {Endpoint}" : Endpoint;

    /// <summary>Whether <paramref name="other"/> is reached at the same address and port.</summary>
    public bool SameEndpoint(CollectorConfig other) => Address == other.Address && Port == other.Port;
}

/// <summary>Where a configuration came from, and the fingerprint of the files it was read from.</summary>
/// <param name="LiveSources">The labels of its live Panorama sources.</param>
/// <param name="LiveFingerprint">The fingerprint of the imports of those it was built from.</param>
public sealed record ConfigOrigin(string Description, string? ConfigFile, IReadOnlyList<string> Files, string Fingerprint, IReadOnlyList<string> LiveSources, string LiveFingerprint);
