using System.Net;
using System.Net.Sockets;
using LogCollectorExporter.Configuration;

namespace LogCollectorExporter.Probing;

/// <summary>Which of a name's addresses a probe connects to, given <c>probe.ipFamily</c> and <c>probe.sourceAddress</c>. Pure.</summary>
internal static class AddressSelection
{
    /// <summary>The family to ask the resolver for: <see cref="AddressFamily.Unspecified"/> (both) for <see cref="IpFamily.Any"/>.</summary>
    public static AddressFamily Query(IpFamily family) => family switch
    {
        IpFamily.Ip4 => AddressFamily.InterNetwork,
        IpFamily.Ip6 => AddressFamily.InterNetworkV6,
        _ => AddressFamily.Unspecified,
    };

    /// <summary>
    /// The address to connect to; null when none fits. With <see cref="IpFamily.Any"/>, IPv4 first, then IPv6;
    /// with a source address, only addresses of its family can be reached from it.
    /// </summary>
    public static IPAddress? Choose(IReadOnlyList<IPAddress> addresses, IpFamily family, IPAddress? source)
    {
        IPAddress? first6 = null;
        foreach (var address in addresses)
        {
            if (source is not null && source.AddressFamily != address.AddressFamily)
            {
                continue;
            }

            if (address.AddressFamily == AddressFamily.InterNetwork && family != IpFamily.Ip6)
            {
                return address;
            }

            if (address.AddressFamily == AddressFamily.InterNetworkV6 && family != IpFamily.Ip4)
            {
                first6 ??= address;
            }
        }

        return first6;
    }

    /// <summary>What a name lacked when <see cref="Choose"/> found nothing, for the probe's error: "no IPv6 address".</summary>
    public static string Missing(IpFamily family, IPAddress? source) => (family, source?.AddressFamily) switch
    {
        (IpFamily.Ip4, _) => "no IPv4 address",
        (IpFamily.Ip6, _) or (_, AddressFamily.InterNetworkV6) => "no IPv6 address",
        (_, null) => "no IP address",
        _ => "no IPv4 address",
    };
}
