using System.Net;
using LogCollectorExporter.Configuration;
using LogCollectorExporter.Probing;

namespace LogCollectorExporter.Tests;

/// <summary>Which of a name's addresses a probe connects to.</summary>
public sealed class AddressSelectionTests
{
    private static readonly IPAddress[] Both = [IPAddress.Parse("2001:db8::7"), IPAddress.Parse("192.0.2.7"), IPAddress.Parse("192.0.2.8")];

    [Theory]
    [InlineData(IpFamily.Ip4, null, "192.0.2.7")]
    [InlineData(IpFamily.Ip6, null, "2001:db8::7")]
    [InlineData(IpFamily.Any, null, "192.0.2.7")]
    [InlineData(IpFamily.Any, "2001:db8::1", "2001:db8::7")]
    [InlineData(IpFamily.Ip4, "2001:db8::1", null)]
    [InlineData(IpFamily.Ip6, "192.0.2.1", null)]
    public void The_family_and_the_source_address_pick_the_address(IpFamily family, string? source, string? expected)
    {
        var chosen = AddressSelection.Choose(Both, family, source is null ? null : IPAddress.Parse(source));

        Assert.Equal(expected is null ? null : IPAddress.Parse(expected), chosen);
    }

    [Theory]
    [InlineData(IpFamily.Ip4, null, "no IPv4 address")]
    [InlineData(IpFamily.Ip6, null, "no IPv6 address")]
    [InlineData(IpFamily.Any, null, "no IP address")]
    [InlineData(IpFamily.Any, "2001:db8::1", "no IPv6 address")]
    [InlineData(IpFamily.Any, "192.0.2.1", "no IPv4 address")]
    public void A_name_without_a_usable_address_says_which_family_it_lacks(IpFamily family, string? source, string expected) =>
        Assert.Equal(expected, AddressSelection.Missing(family, source is null ? null : IPAddress.Parse(source)));
}
