using System.Net;
using LogCollectorExporter.Configuration;
using LogCollectorExporter.Platform;

namespace LogCollectorExporter.Probing;

/// <summary>How a probe ended; the names are the values of the <c>result</c> label.</summary>
public enum ProbeResult
{
    Success,

    /// <summary>The SYN was answered with RST: nothing listens on the port.</summary>
    Refused,

    /// <summary>No answer within the timeout: the SYN (or its answer) was dropped.</summary>
    Timeout,

    /// <summary>No route to the network or host.</summary>
    Unreachable,

    DnsError,

    /// <summary>Hold mode: the peer closed or reset a held connection.</summary>
    Reset,

    /// <summary>Anything else; logged.</summary>
    Error,
}

public static class ProbeResults
{
    public static readonly IReadOnlyList<ProbeResult> All = Enum.GetValues<ProbeResult>();

    /// <summary>The value of the <c>result</c> label: <c>dns_error</c>, written the way every enum is.</summary>
    public static string Label(this ProbeResult result) => EnumText.Of(result);
}

/// <summary>What one probe measured.</summary>
/// <param name="Handshake">The connect alone, SYN to completed handshake; zero unless it succeeded.</param>
/// <param name="DnsLookup">The name resolution (zero for an IP address); null when the probe did not get that far.</param>
/// <param name="Address">The address connected to, once resolved.</param>
/// <param name="Error">What went wrong, for people; null on success.</param>
public readonly record struct ProbeOutcome(ProbeResult Result, TimeSpan Handshake, TimeSpan? DnsLookup, IPAddress? Address, string? Error)
{
    public bool Succeeded => Result == ProbeResult.Success;
}
