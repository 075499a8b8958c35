using System.Diagnostics;
using System.Net;
using LogCollectorExporter.Configuration;
using LogCollectorExporter.Probing;
using LogCollectorExporter.Tests.Support;

namespace LogCollectorExporter.Tests;

/// <summary>The probe against real loopback peers: up, refused, blackholed, and resetting.</summary>
public sealed class HandshakeProbeTests
{
    private readonly HandshakeProbe probe = new(TimeProvider.System, new SystemHostResolver());

    [Fact]
    public async Task An_up_collector_gets_a_handshake_and_not_a_single_byte()
    {
        using var peer = Peer.Up();

        var attempt = await probe.ProbeAsync(Collector(peer.Port), Settings(), CancellationToken.None);
        await Eventually.TrueAsync(() => peer.Endings().Count == 1, "the connection ended");
        await peer.DrainAsync();

        Assert.Equal(ProbeResult.Success, attempt.Outcome.Result);
        Assert.InRange(attempt.Outcome.Handshake, TimeSpan.FromTicks(1), TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.Zero, attempt.Outcome.DnsLookup);
        Assert.Equal(IPAddress.Loopback, attempt.Outcome.Address);
        Assert.Null(attempt.Held);
        Assert.Equal(1, peer.Accepted);
        Assert.Equal(0, peer.BytesReceived);
        Assert.Equal(["fin"], peer.Endings());
    }

    [Fact]
    public async Task Close_rst_ends_the_connection_with_a_reset()
    {
        using var peer = Peer.Up();

        var attempt = await probe.ProbeAsync(Collector(peer.Port), Settings() with { Close = CloseMode.Rst }, CancellationToken.None);
        await Eventually.TrueAsync(() => peer.Endings().Count == 1, "the connection ended");

        Assert.Equal(ProbeResult.Success, attempt.Outcome.Result);
        Assert.Equal(["rst"], peer.Endings());
        Assert.Equal(0, peer.BytesReceived);
    }

    [Fact]
    public async Task A_port_nobody_listens_on_is_refused()
    {
        using var peer = Peer.Refused();

        var attempt = await probe.ProbeAsync(Collector(peer.Port), Settings(), CancellationToken.None);

        Assert.Equal(ProbeResult.Refused, attempt.Outcome.Result);
        Assert.Contains($"127.0.0.1:{peer.Port}", attempt.Outcome.Error, StringComparison.Ordinal);
        Assert.Equal(TimeSpan.Zero, attempt.Outcome.Handshake);
    }

    [Fact]
    public async Task A_blackholed_collector_times_out_after_the_timeout()
    {
        using var peer = Peer.Blackholed();
        var timeout = TimeSpan.FromMilliseconds(750);

        var clock = Stopwatch.StartNew();
        var attempt = await probe.ProbeAsync(Collector(peer.Port), Settings() with { Timeout = timeout }, CancellationToken.None);
        clock.Stop();

        Assert.Equal(ProbeResult.Timeout, attempt.Outcome.Result);
        Assert.Equal($"127.0.0.1:{peer.Port}: no answer to the SYN within 750ms", attempt.Outcome.Error);
        Assert.InRange(clock.Elapsed, timeout, timeout + TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task A_name_is_resolved_and_timed_apart_from_the_handshake()
    {
        using var peer = Peer.Up();

        // localhost is answered from /etc/hosts: no query leaves the machine.
        var attempt = await probe.ProbeAsync(Collector(peer.Port, "localhost"), Settings(), CancellationToken.None);

        Assert.Equal(ProbeResult.Success, attempt.Outcome.Result);
        Assert.Equal(IPAddress.Loopback, attempt.Outcome.Address);
        Assert.NotNull(attempt.Outcome.DnsLookup);
        Assert.True(attempt.Outcome.DnsLookup > TimeSpan.Zero);
    }

    [Fact]
    public async Task A_name_that_does_not_resolve_is_a_dns_error()
    {
        var resolver = new HostsResolver();
        var probeWithHosts = new HandshakeProbe(TimeProvider.System, resolver);

        var attempt = await probeWithHosts.ProbeAsync(Collector(3978, "lc-gone.example"), Settings(), CancellationToken.None);

        Assert.Equal(ProbeResult.DnsError, attempt.Outcome.Result);
        Assert.StartsWith("lc-gone.example: ", attempt.Outcome.Error, StringComparison.Ordinal);
        Assert.Null(attempt.Outcome.Address);
        Assert.NotNull(attempt.Outcome.DnsLookup);
    }

    [Fact]
    public async Task A_resolver_that_never_answers_is_a_dns_error_at_the_timeout()
    {
        var probeWithSilentResolver = new HandshakeProbe(TimeProvider.System, new SilentResolver());

        var clock = Stopwatch.StartNew();
        var attempt = await probeWithSilentResolver.ProbeAsync(Collector(3978, "lc.example"), Settings() with { Timeout = TimeSpan.FromMilliseconds(500) }, CancellationToken.None);
        clock.Stop();

        Assert.Equal(ProbeResult.DnsError, attempt.Outcome.Result);
        Assert.Equal("lc.example: name resolution took longer than 500ms", attempt.Outcome.Error);
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(3));
    }

    [Theory]
    [InlineData(IpFamily.Ip4, "127.0.0.7")]
    [InlineData(IpFamily.Any, "127.0.0.7")]
    [InlineData(IpFamily.Ip6, "::1")]
    public async Task The_address_family_picks_among_the_resolved_addresses(IpFamily family, string expected)
    {
        var resolver = new HostsResolver { ["lc.example"] = [IPAddress.IPv6Loopback, IPAddress.Parse("127.0.0.7")] };
        var probeWithHosts = new HandshakeProbe(TimeProvider.System, resolver);

        var attempt = await probeWithHosts.ProbeAsync(Collector(1, "lc.example"), Settings() with { IpFamily = family }, CancellationToken.None);

        Assert.Equal(IPAddress.Parse(expected), attempt.Outcome.Address);
        Assert.Equal(ProbeResult.Refused, attempt.Outcome.Result);
    }

    [Fact]
    public async Task A_name_without_an_address_of_the_family_is_a_dns_error()
    {
        var resolver = new HostsResolver { ["lc.example"] = [IPAddress.Loopback] };
        var probeWithHosts = new HandshakeProbe(TimeProvider.System, resolver);

        var attempt = await probeWithHosts.ProbeAsync(Collector(3978, "lc.example"), Settings() with { IpFamily = IpFamily.Ip6 }, CancellationToken.None);

        Assert.Equal(ProbeResult.DnsError, attempt.Outcome.Result);
        Assert.Equal("lc.example: no IPv6 address", attempt.Outcome.Error);
    }

    [Fact]
    public async Task The_source_address_is_bound_before_connecting()
    {
        using var peer = Peer.Up();
        var source = IPAddress.Parse("127.0.0.5");

        var attempt = await probe.ProbeAsync(Collector(peer.Port), Settings() with { SourceAddress = source }, CancellationToken.None);

        Assert.Equal(ProbeResult.Success, attempt.Outcome.Result);
        Assert.Equal(source, peer.LastRemoteAddress);
    }

    [Fact]
    public async Task Hold_mode_keeps_the_connection_open_and_closes_it_with_FIN()
    {
        using var peer = Peer.Up();

        var attempt = await probe.ProbeAsync(Collector(peer.Port), Settings() with { Mode = ProbeMode.Hold }, CancellationToken.None);
        await Task.Delay(200);
        Assert.Empty(peer.Endings());
        Assert.False(attempt.Held!.Dropped.IsCompleted);

        attempt.Held.Dispose();
        await Eventually.TrueAsync(() => peer.Endings().Count == 1, "the connection ended");

        Assert.Equal(["fin"], peer.Endings());
        Assert.Null(await attempt.Held.Dropped);
        Assert.Equal(0, peer.BytesReceived);
    }

    [Fact]
    public async Task Hold_mode_notices_the_collector_resetting_the_connection()
    {
        using var peer = Peer.Up();
        var attempt = await probe.ProbeAsync(Collector(peer.Port), Settings() with { Mode = ProbeMode.Hold }, CancellationToken.None);
        await Eventually.TrueAsync(() => peer.Accepted == 1, "the connection accepted");

        peer.ResetConnections();

        Assert.Equal("the collector reset the held connection (RST)", await attempt.Held!.Dropped.WaitAsync(TimeSpan.FromSeconds(5)));
        attempt.Held.Dispose();
    }

    [Fact]
    public async Task Hold_mode_notices_the_collector_closing_the_connection()
    {
        using var peer = Peer.Up();
        var attempt = await probe.ProbeAsync(Collector(peer.Port), Settings() with { Mode = ProbeMode.Hold }, CancellationToken.None);
        await Eventually.TrueAsync(() => peer.Accepted == 1, "the connection accepted");

        peer.CloseConnections();

        Assert.Equal("the collector closed the held connection (FIN)", await attempt.Held!.Dropped.WaitAsync(TimeSpan.FromSeconds(5)));
        attempt.Held.Dispose();
    }

    [Fact]
    public async Task A_cancelled_probe_throws_rather_than_reporting_a_timeout()
    {
        using var peer = Peer.Blackholed();
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await probe.ProbeAsync(Collector(peer.Port), Settings(), cancel.Token));
    }

    /// <summary>A resolver that never answers and ignores cancellation, as a wedged system resolver would.</summary>
    private sealed class SilentResolver : IHostResolver
    {
        public Task<IPAddress[]> ResolveAsync(string host, System.Net.Sockets.AddressFamily family, CancellationToken cancellationToken) =>
            new TaskCompletionSource<IPAddress[]>().Task;
    }

    private static CollectorConfig Collector(int port, string address = "127.0.0.1") => new("c1", address, port, "", 1);

    private static ProbeSettings Settings() => ProbeSettings.Default with { Timeout = TimeSpan.FromSeconds(2) };
}
