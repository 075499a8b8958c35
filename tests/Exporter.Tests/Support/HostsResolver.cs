using System.Net;
using System.Net.Sockets;
using LogCollectorExporter.Probing;

namespace LogCollectorExporter.Tests.Support;

/// <summary>
/// A resolver with the test's own host table, so that tests of names never send a DNS query off the machine.
/// A name not in the table fails as the system resolver does for an unknown host.
/// </summary>
public sealed class HostsResolver : IHostResolver
{
    private readonly Dictionary<string, IPAddress[]> hosts = new(StringComparer.OrdinalIgnoreCase);

    public IPAddress[] this[string host]
    {
        set
        {
            lock (hosts)
            {
                hosts[host] = value;
            }
        }
    }

    public Task<IPAddress[]> ResolveAsync(string host, AddressFamily family, CancellationToken cancellationToken)
    {
        lock (hosts)
        {
            if (!hosts.TryGetValue(host, out var addresses))
            {
                throw new SocketException((int)SocketError.HostNotFound);
            }

            return Task.FromResult(family == AddressFamily.Unspecified ? addresses : [.. addresses.Where(a => a.AddressFamily == family)]);
        }
    }
}
