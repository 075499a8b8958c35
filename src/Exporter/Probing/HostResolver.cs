using System.Net;
using System.Net.Sockets;

namespace LogCollectorExporter.Probing;

/// <summary>Turns a collector's DNS name into addresses.</summary>
public interface IHostResolver
{
    Task<IPAddress[]> ResolveAsync(string host, AddressFamily family, CancellationToken cancellationToken);
}

/// <summary>The system resolver (getaddrinfo: /etc/hosts, then DNS).</summary>
public sealed class SystemHostResolver : IHostResolver
{
    public Task<IPAddress[]> ResolveAsync(string host, AddressFamily family, CancellationToken cancellationToken) =>
        Dns.GetHostAddressesAsync(host, family, cancellationToken);
}
