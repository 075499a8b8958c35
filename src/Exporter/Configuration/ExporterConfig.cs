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
public sealed record ExporterConfig(
    ProbeSettings Probe,
    IReadOnlyList<GroupConfig> Groups,
    ConfigOrigin Origin)
{
    public int CollectorCount => Groups.Sum(g => g.Collectors.Count);

    /// <summary>Every collector once, by name, in the order the groups list them: what is probed (the first definition of a name wins).</summary>
    public IReadOnlyList<CollectorConfig> Collectors { get; } = [.. Groups.SelectMany(g => g.Collectors).DistinctBy(c => c.Name, StringComparer.Ordinal)];
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
}

/// <summary>One preference list: a firewall's, or a collector group's.</summary>
public sealed record GroupConfig(
    string Name,
    bool ForwardToAll,
    Failback Failback,
    string? PreferenceListFile,
    IReadOnlyList<CollectorConfig> Collectors);

/// <summary>A log collector; its priority is its place in the group's list (1 = highest).</summary>
public sealed record CollectorConfig(string Name, string Address, int Port, string Serial, int Priority)
{
    public const int DefaultPort = 3978;

    /// <summary>The address when it is an IP literal; null when it is a name to resolve.</summary>
    public IPAddress? IpAddress { get; } = IPAddress.TryParse(Address, out var ip) ? ip : null;

    /// <summary>address:port, with an IPv6 address in brackets.</summary>
    public string Endpoint => IpAddress is { AddressFamily: System.Net.Sockets.AddressFamily.InterNetworkV6 } ? $"[{Address}]:{Port}" : $"{Address}:{Port}";
}

/// <summary>Where a configuration came from, and the fingerprint of the files it was read from.</summary>
public sealed record ConfigOrigin(string Description, string? ConfigFile, IReadOnlyList<string> Files, string Fingerprint);
