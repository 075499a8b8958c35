using System.Globalization;
using System.Net;
using LogCollectorExporter.Platform;
using YamlDotNet.RepresentationModel;

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
/// <param name="Collectors">Every collector once, however many groups list it: the catalogue's first, in its order, then the others in the order groups name them.</param>
/// <param name="Groups">The preference lists; their collectors are instances of <paramref name="Collectors"/>.</param>
public sealed record ExporterConfig(
    ProbeSettings Probe,
    IReadOnlyList<CollectorConfig> Collectors,
    IReadOnlyList<GroupConfig> Groups,
    ConfigOrigin Origin)
{
    public IReadOnlyList<PanoramaImportResult> Panorama { get; init; } = [];
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

    /// <summary>Whether <paramref name="other"/> probes the same way: the settings that shape each probe and its schedule.</summary>
    public bool ProbesLike(ProbeSettings other) =>
        Interval == other.Interval && Timeout == other.Timeout && Mode == other.Mode && Close == other.Close
        && IpFamily == other.IpFamily && Equals(SourceAddress, other.SourceAddress);

    /// <summary><c>probe.certificates:</c>, reading the certificate each collector serves.</summary>
    public CertificateCheckSettings Certificates { get; init; } = CertificateCheckSettings.Default;

    internal static IReadOnlyList<string> Keys => field ??= Section.KeysOf(s => Read(s));

    /// <summary><c>probe:</c>, a setting a line (its key, default, conversion and rule), then the rules across them.</summary>
    internal static ProbeSettings Read(Section s)
    {
        var interval = s.Duration("interval", Default.Interval);
        var timeout = s.Duration("timeout", Default.Timeout);
        var mode = s.Enum("mode", Default.Mode);
        var close = s.Enum("close", Default.Close);
        var family = s.Enum("ipFamily", Default.IpFamily);
        var source = s.IpAddress("sourceAddress");
        var failureThreshold = s.WholeNumber("failureThreshold", Default.FailureThreshold, 1);
        var recoveryThreshold = s.WholeNumber("recoveryThreshold", Default.RecoveryThreshold, 1);
        var maxConcurrency = s.WholeNumber("maxConcurrency", Default.MaxConcurrency, 1, 100_000);
        var buckets = ReadBuckets(s);
        var certificates = CertificateCheckSettings.Read(s.Nested("certificates", CertificateCheckSettings.Keys));
        s.Schedule(interval, timeout, MinInterval, "no collector is probed more than once a second");
        if (source is not null && !Setting.InFamily(source, family))
        {
            s.Error("sourceAddress", $"is not an address of probe.ipFamily {EnumText.Of(family)}");
        }

        return new(interval, timeout, mode, close, family, source, failureThreshold, recoveryThreshold, maxConcurrency, buckets) { Certificates = certificates };
    }

    /// <summary>A list of bounds, or one comma-separated value, as an environment variable or command-line override gives it: "0.001,0.01,0.1".</summary>
    private static IReadOnlyList<double> ReadBuckets(Section s)
    {
        var written = s.Node("buckets") is YamlScalarNode
            ? (s.Text("buckets")?.Split(',', StringSplitOptions.TrimEntries) ?? []).Select(text => ("buckets", text))
            : s.Items("buckets").Select(item => (item.Path[(s.Path.Length + 1)..], (item.Item as YamlScalarNode)?.Value ?? ""));
        var buckets = new List<double>();
        foreach (var (key, text) in written)
        {
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var bound) || !double.IsFinite(bound) || bound <= 0)
            {
                s.Error(key, $"\"{text}\" is not allowed; a bucket is a positive number of seconds", quote: false);
                return Default.Buckets;
            }

            if (buckets.Count > 0 && bound <= buckets[^1])
            {
                s.Error(key, $"\"{text}\" is not allowed; buckets must be strictly increasing, and the one before it is {buckets[^1].ToString(CultureInfo.InvariantCulture)}", quote: false);
                return Default.Buckets;
            }

            buckets.Add(bound);
        }

        return buckets.Count == 0 ? Default.Buckets : buckets;
    }
}

/// <summary>
/// <c>probe.certificates:</c>. Off by default: unlike the probe, the check sends data (a TLS ClientHello), and the
/// collector may log each handshake it refuses.
/// </summary>
/// <param name="Interval">Each collector is checked at most once per interval, the checks spread over it.</param>
/// <param name="Timeout">Shorter than <paramref name="Interval"/>.</param>
public sealed record CertificateCheckSettings(bool Enabled, TimeSpan Interval, TimeSpan Timeout)
{
    public static readonly TimeSpan MinInterval = TimeSpan.FromMinutes(1);

    public static CertificateCheckSettings Default { get; } = new(Enabled: false, TimeSpan.FromHours(1), TimeSpan.FromSeconds(5));

    internal static IReadOnlyList<string> Keys => field ??= Section.KeysOf(s => Read(s));

    internal static CertificateCheckSettings Read(Section s)
    {
        var enabled = s.TrueOrFalse("enabled") ?? Default.Enabled;
        var interval = s.Duration("interval", Default.Interval);
        var timeout = s.Duration("timeout", Default.Timeout);
        s.Schedule(interval, timeout, MinInterval, "a collector may log each handshake the check makes");
        return new(enabled, interval, timeout);
    }
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

    internal static IReadOnlyList<string> Keys => field ??= Section.KeysOf(s => Read(s));

    /// <summary>
    /// A group of <c>groups:</c> without its collectors, its name "" when it has none (said); for ConfigReader, its
    /// <c>forwardToAll</c> as written (a preference list file must agree with it) and its collectors.
    /// </summary>
    internal static (GroupConfig Group, bool? ForwardToAll, IReadOnlyList<(string Path, YamlNode Item)> Collectors) Read(Section s)
    {
        var name = s.Value<string?>("name", null, text => Setting.IsGroupName(text) ? (text, null) : (null, "is not allowed; use letters, digits and _ . : -"));
        if (name is null && !s.Failed("name"))
        {
            s.Error("name", "is required");
        }

        var forwardToAll = s.TrueOrFalse("forwardToAll");
        var failback = s.Enum("failback", Failback.Immediate);
        var listFile = s.FileName("preferenceListFile");
        return (new GroupConfig(name ?? "", forwardToAll ?? false, failback, listFile, []), forwardToAll, [.. s.Items("collectors")]);
    }
}

/// <summary>A log collector, named uniquely in the whole configuration: the same name in two groups is the same collector.</summary>
public sealed record CollectorConfig(string Name, string Address, int Port, string Serial)
{
    public const int DefaultPort = 3978;

    /// <summary>Its hostname, as the catalogue or Panorama gives it; "" when neither does. Names it for people, not for probes.</summary>
    public string Hostname { get; init; } = "";

    /// <summary>The Panorama collector group it is a member of; "" when it is not imported.</summary>
    public string CollectorGroup { get; init; } = "";

    public IPAddress? IpAddress { get; } = IPAddress.TryParse(Address, out var ip) ? ip : null;

    public string Endpoint => IpAddress is { AddressFamily: System.Net.Sockets.AddressFamily.InterNetworkV6 } ? $"[{Address}]:{Port}" : $"{Address}:{Port}";

    /// <summary>What the log says of it beside its name.</summary>
    public string Description => Hostname.Length > 0 ? $"{Hostname}, {Endpoint}" : Endpoint;

    public bool SameEndpoint(CollectorConfig other) => Address == other.Address && Port == other.Port;

    internal static IReadOnlyList<string> Keys => field ??= Section.KeysOf(s => Read(s, IpFamily.Any, inCatalogue: false));

    /// <summary>
    /// A collector written as a mapping, in the catalogue or a group; null when its address is not one, or not one
    /// <paramref name="family"/> reaches (said). With no address, a name and a serial give a collector with the address
    /// "", which only the catalogue takes (the name of the collector of that serial that panorama: imports).
    /// </summary>
    internal static CollectorConfig? Read(Section s, IpFamily family, bool inCatalogue)
    {
        var name = s.Text("name");
        var address = s.Value<string?>("address", null, text => Setting.IsHostOrAddress(text) ? (text, null) : (null, "is not allowed; use an IPv4 or IPv6 address or a DNS name"));
        var port = s.WholeNumber("port", DefaultPort, 1, 65535);
        var serial = s.Text("serial") ?? "";
        var hostname = s.Text("hostname") ?? "";
        if (address is null && !s.Failed("address") && !(inCatalogue && serial.Length > 0 && name is not null))
        {
            var otherwise = inCatalogue ? "; or, with no address, a name and a serial name the collector of that serial that panorama: imports" : "";
            s.Error("address", $"is required: an IPv4 or IPv6 address or a DNS name{otherwise}");
        }
        else if (Setting.IpAddress(address) is { } ip && !Setting.InFamily(ip, family))
        {
            s.Error("address", $"is not an {(family == IpFamily.Ip4 ? "IPv4" : "IPv6")} address, and probe.ipFamily is {EnumText.Of(family)}");
        }

        return s.Failed("address") ? null : new CollectorConfig(name ?? address!, address ?? "", address is null ? DefaultPort : port, serial) { Hostname = hostname };
    }
}

/// <summary>Where a configuration came from, and the fingerprint of the files it was read from.</summary>
/// <param name="LiveSources">The labels of its live Panorama sources.</param>
/// <param name="LiveFingerprint">The fingerprint of the imports of those it was built from.</param>
public sealed record ConfigOrigin(string Description, string? ConfigFile, IReadOnlyList<string> Files, string Fingerprint, IReadOnlyList<string> LiveSources, string LiveFingerprint);
