using System.Net;
using LogCollectorExporter.Platform;

namespace LogCollectorExporter.Tests;

/// <summary>The sockaddr the probe hands to connect() and bind(), byte for byte as Linux lays it out.</summary>
public sealed class NativeTests
{
    [Fact]
    public void An_IPv4_address_is_a_sockaddr_in()
    {
        // sa_family AF_INET (2, host order), sin_port 3978 (network order), sin_addr, eight bytes of zero padding.
        byte[] expected = [2, 0, 0x0F, 0x8A, 127, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0];
        Assert.Equal(expected, Native.SocketAddress(IPAddress.Parse("127.0.0.1"), 3978));
    }

    [Fact]
    public void An_IPv6_address_is_a_sockaddr_in6_with_its_scope_id()
    {
        // sa_family AF_INET6 (10), sin6_port 3978, sin6_flowinfo 0, sin6_addr fe80::1, sin6_scope_id 3 (host order).
        byte[] expected =
        [
            10, 0, 0x0F, 0x8A, 0, 0, 0, 0,
            0xFE, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
            3, 0, 0, 0,
        ];
        Assert.Equal(expected, Native.SocketAddress(IPAddress.Parse("fe80::1%3"), 3978));
    }

    [Fact]
    public void A_source_address_is_bound_with_port_zero()
    {
        byte[] expected = [10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0];
        Assert.Equal(expected, Native.SocketAddress(IPAddress.IPv6Loopback, 0));
    }
}
