using System.Diagnostics;
using System.Net;
using LogCollectorExporter.Configuration;
using LogCollectorExporter.Probing;
using LogCollectorExporter.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace LogCollectorExporter.Tests;

/// <summary>The probe engine against real loopback peers: up, refused, blackholed, resetting, talking.</summary>
public sealed class EngineTests(ITestOutputHelper output)
{
    [Fact]
    public async Task An_up_collector_gets_a_handshake_and_not_a_single_byte()
    {
        using var peer = Peer.Up();
        await using var engine = EngineHarness.Start(Configs.Group([peer.Port], probe: "interval: 60s"));

        await engine.WaitForProbesAsync("c1", ProbeResult.Success, 1);
        await Eventually.TrueAsync(() => peer.Endings().Count == 1, "the connection ended");
        await peer.DrainAsync();

        var c1 = engine.Last("c1").Outcome;
        output.WriteLine($"handshake {c1.Handshake.TotalMicroseconds} µs");
        Assert.InRange(c1.Handshake, TimeSpan.FromTicks(1), TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.Zero, c1.DnsLookup);
        Assert.Equal(IPAddress.Loopback, c1.Address);
        Assert.Equal(1, peer.Accepted);
        Assert.Equal(0, peer.BytesReceived);
        Assert.Equal(["fin"], peer.Endings());
    }

    [Fact]
    public async Task Close_rst_ends_the_connection_with_a_reset()
    {
        using var peer = Peer.Up();
        await using var engine = EngineHarness.Start(Configs.Group([peer.Port], probe: "interval: 60s, close: rst"));

        await engine.WaitForProbesAsync("c1", ProbeResult.Success, 1);
        await Eventually.TrueAsync(() => peer.Endings().Count == 1, "the connection ended");

        Assert.Equal(["rst"], peer.Endings());
        Assert.Equal(0, peer.BytesReceived);
    }

    [Fact]
    public async Task A_port_nobody_listens_on_is_refused()
    {
        using var peer = Peer.Refused();
        await using var engine = EngineHarness.Start(Configs.Group([peer.Port], probe: "interval: 60s"));

        await engine.WaitForProbesAsync("c1", ProbeResult.Refused, 1);

        Assert.Equal($"127.0.0.1:{peer.Port}: Connection refused", engine.Last("c1").Outcome.Error);
        Assert.Equal(TimeSpan.Zero, engine.Last("c1").Outcome.Handshake);
    }

    [Fact]
    public async Task A_blackholed_collector_times_out_after_the_timeout()
    {
        using var peer = Peer.Blackholed();
        var clock = Stopwatch.StartNew();
        await using var engine = EngineHarness.Start(Configs.Group([peer.Port], probe: "interval: 60s, timeout: 750ms"));

        await engine.WaitForProbesAsync("c1", ProbeResult.Timeout, 1);
        clock.Stop();

        var probe = engine.Last("c1");
        Assert.Equal($"127.0.0.1:{peer.Port}: no answer to the SYN within 750ms", probe.Outcome.Error);
        Assert.InRange(probe.FinishedAt - probe.StartedAt, TimeSpan.FromMilliseconds(750), clock.Elapsed);
    }

    [Fact]
    public async Task A_blackholed_collector_does_not_delay_another()
    {
        using var up = Peer.Up();
        using var blackholed = Peer.Blackholed();
        await using var engine = EngineHarness.Start(Configs.Group([blackholed.Port, up.Port], probe: "interval: 1s, timeout: 900ms"));

        await engine.WaitForProbesAsync("c2", ProbeResult.Success, 4);

        // c1's probes each hang until their timeout, and c2's (half an interval later) start and end meanwhile.
        var lags = engine.Recorder.Lags;
        output.WriteLine($"mean schedule lag {lags.Average(l => l.TotalMilliseconds):F1} ms over {lags.Count} probes");
        var hanging = engine.Recorder.Of("c1").Where(p => p.Result == ProbeResult.Timeout).ToArray();
        Assert.True(hanging.Length >= 2, $"{hanging.Length} timeouts of c1");
        Assert.Contains(engine.Recorder.Of("c2"), p => hanging.Any(h => h.StartedAt < p.StartedAt && p.FinishedAt < h.FinishedAt));
    }

    [Fact]
    public async Task A_name_is_resolved_and_timed_apart_from_the_handshake()
    {
        using var peer = Peer.Up();

        // localhost is answered from /etc/hosts by the system resolver: no query leaves the machine.
        await using var engine = EngineHarness.Start(
            $"probe: {{interval: 60s}}\ngroups:\n  - name: g\n    collectors: [{{name: c1, address: localhost, port: {peer.Port}}}]\n",
            new SystemHostResolver());

        await engine.WaitForProbesAsync("c1", ProbeResult.Success, 1);

        Assert.Equal(IPAddress.Loopback, engine.Last("c1").Outcome.Address);
        Assert.True(engine.Last("c1").Outcome.DnsLookup > TimeSpan.Zero);
    }

    [Fact]
    public async Task A_name_that_does_not_resolve_is_a_dns_error()
    {
        await using var engine = EngineHarness.Start(
            "probe: {interval: 60s}\ngroups:\n  - name: g\n    collectors: [{name: c1, address: lc-gone.example}]\n", new HostsResolver());

        await engine.WaitForProbesAsync("c1", ProbeResult.DnsError, 1);

        Assert.StartsWith("lc-gone.example: ", engine.Last("c1").Outcome.Error, StringComparison.Ordinal);
        Assert.Null(engine.Last("c1").Outcome.Address);
        Assert.NotNull(engine.Last("c1").Outcome.DnsLookup);
    }

    [Fact]
    public async Task A_resolver_that_never_answers_is_a_dns_error()
    {
        await using var engine = EngineHarness.Start(
            "probe: {interval: 60s, timeout: 500ms}\ngroups:\n  - name: g\n    collectors: [{name: c1, address: lc.example}]\n", new SilentResolver());

        await engine.WaitForProbesAsync("c1", ProbeResult.DnsError, 1);

        Assert.Equal("lc.example: name resolution took longer than 500ms", engine.Last("c1").Outcome.Error);
    }

    [Fact]
    public async Task A_resolver_that_never_answers_is_given_up_on_at_the_timeout_and_not_before()
    {
        // An hour, so that only the probe's clock, never the wall clock, can end the wait within the test.
        var time = new FakeTimeProvider();
        var settings = ProbeSettings.Default with { Timeout = TimeSpan.FromHours(1) };
        var resolving = Resolution.ResolveAsync(
            new SilentResolver(), 0, 1, new CollectorConfig("c1", "lc.example", 3978, ""), settings, time, CancellationToken.None);

        time.Advance(TimeSpan.FromHours(1) - TimeSpan.FromMilliseconds(1));
        Assert.False(resolving.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(1));
        var resolution = await resolving.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal(ProbeResult.DnsError, resolution.Result);
        Assert.Equal("lc.example: name resolution took longer than 1h", resolution.Error);
        Assert.Equal(TimeSpan.FromHours(1), resolution.Lookup);
    }

    [Theory]
    [InlineData("ip4", "127.0.0.7")]
    [InlineData("any", "127.0.0.7")]
    [InlineData("ip6", "::1")]
    public async Task The_address_family_picks_among_the_resolved_addresses(string family, string expected)
    {
        var resolver = new HostsResolver { ["lc.example"] = [IPAddress.IPv6Loopback, IPAddress.Parse("127.0.0.7")] };
        using var refused = Peer.Refused();
        await using var engine = EngineHarness.Start(
            $"probe: {{interval: 60s, ipFamily: {family}}}\ngroups:\n  - name: g\n    collectors: [{{name: c1, address: lc.example, port: {refused.Port}}}]\n",
            resolver);

        await Eventually.TrueAsync(() => engine.Recorder.LastProbe("c1") is not null, "probed");

        Assert.Equal(IPAddress.Parse(expected), engine.Last("c1").Outcome.Address);
    }

    [Fact]
    public async Task A_name_without_an_address_of_the_family_is_a_dns_error()
    {
        var resolver = new HostsResolver { ["lc.example"] = [IPAddress.Loopback] };
        await using var engine = EngineHarness.Start(
            "probe: {interval: 60s, ipFamily: ip6}\ngroups:\n  - name: g\n    collectors: [{name: c1, address: lc.example}]\n", resolver);

        await engine.WaitForProbesAsync("c1", ProbeResult.DnsError, 1);

        Assert.Equal("lc.example: no IPv6 address", engine.Last("c1").Outcome.Error);
    }

    [Fact]
    public async Task The_source_address_is_bound_before_connecting()
    {
        using var peer = Peer.Up();
        await using var engine = EngineHarness.Start(Configs.Group([peer.Port], probe: "interval: 60s, sourceAddress: 127.0.0.5"));

        await engine.WaitForProbesAsync("c1", ProbeResult.Success, 1);
        await Eventually.TrueAsync(() => peer.Accepted == 1, "the connection accepted");

        Assert.Equal(IPAddress.Parse("127.0.0.5"), peer.LastRemoteAddress);
    }

    [Fact]
    public async Task Hold_mode_keeps_the_connection_until_the_next_probe_and_closes_it_with_FIN()
    {
        using var peer = Peer.Up();
        await using var engine = EngineHarness.Start(Configs.Group([peer.Port], probe: "interval: 1s, timeout: 500ms, mode: hold"));

        await engine.WaitForProbesAsync("c1", ProbeResult.Success, 1);
        await Eventually.TrueAsync(() => peer.OpenConnections == 1, "the connection held");
        Assert.Empty(peer.Endings());

        await engine.WaitForProbesAsync("c1", ProbeResult.Success, 3);
        await Eventually.TrueAsync(() => peer.Endings().Count >= 2, "two connections closed");

        Assert.All(peer.Endings(), ending => Assert.Equal("fin", ending));
        Assert.Equal(0, engine.Probes("c1", ProbeResult.Reset));
        Assert.Equal(0, peer.BytesReceived);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Hold_mode_notices_a_dropped_connection_and_probes_again_at_once(bool reset)
    {
        using var peer = Peer.Up();
        await using var engine = EngineHarness.Start(Configs.Group([peer.Port], probe: "interval: 60s, mode: hold"));
        await engine.WaitForProbesAsync("c1", ProbeResult.Success, 1);
        await Eventually.TrueAsync(() => peer.OpenConnections == 1, "the connection held");

        if (reset)
        {
            peer.ResetConnections();
        }
        else
        {
            peer.CloseConnections();
        }

        // Long before the next scheduled probe, a minute away.
        await engine.WaitForProbesAsync("c1", ProbeResult.Success, 2);
        Assert.Equal([ProbeResult.Success, ProbeResult.Reset, ProbeResult.Success], engine.Recorder.Of("c1").Select(p => p.Result));
        Assert.True(engine.Recorder.Of("c1")[1].Dropped);
        await Eventually.TrueAsync(() => peer.Accepted == 2, "the second connection accepted");
    }

    [Fact]
    public async Task Hold_mode_reads_and_ignores_what_a_collector_sends()
    {
        using var peer = Peer.Up();
        await using var engine = EngineHarness.Start(Configs.Group([peer.Port], probe: "interval: 60s, mode: hold"));
        await engine.WaitForProbesAsync("c1", ProbeResult.Success, 1);
        await Eventually.TrueAsync(() => peer.OpenConnections == 1, "the connection held");

        peer.SendToConnections(64 * 1024);
        await Task.Delay(500);

        Assert.Equal(0, engine.Probes("c1", ProbeResult.Reset));
        Assert.Equal(1, peer.OpenConnections);
        Assert.Equal(0, peer.BytesReceived);
    }

    [Fact]
    public async Task Stopping_closes_held_connections_and_probes_in_flight()
    {
        using var peer = Peer.Up();
        using var blackholed = Peer.Blackholed();
        var engine = EngineHarness.Start(Configs.Group([peer.Port, blackholed.Port], probe: "interval: 60s, timeout: 30s, mode: hold"));
        await engine.WaitForProbesAsync("c1", ProbeResult.Success, 1);
        await Eventually.TrueAsync(() => peer.OpenConnections == 1, "the connection held");

        var clock = Stopwatch.StartNew();
        await engine.DisposeAsync();

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"stopping took {clock.Elapsed}");
        await Eventually.TrueAsync(() => peer.Endings().Count == 1, "the held connection closed");
        Assert.Equal(["fin"], peer.Endings());
        Assert.Empty(engine.Recorder.Of("c2"));
    }

    /// <summary>A resolver that never answers and ignores cancellation, as a wedged system resolver would.</summary>
    private sealed class SilentResolver : IHostResolver
    {
        public Task<IPAddress[]> ResolveAsync(string host, System.Net.Sockets.AddressFamily family, CancellationToken cancellationToken) =>
            new TaskCompletionSource<IPAddress[]>().Task;
    }
}
