using System.Diagnostics;
using LogCollectorExporter.Probing;
using LogCollectorExporter.Tests.Support;
using Xunit.Abstractions;

namespace LogCollectorExporter.Tests;

/// <summary>
/// Reloads (<see cref="ProbeEngine.ApplyAsync"/>) against real loopback peers: what they leave alone, what they probe at
/// once, what they close, and the rate rule, counted where the SYNs arrive.
/// </summary>
public sealed class EngineReloadTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_reload_with_the_same_targets_sends_no_SYN_and_keeps_the_held_connection()
    {
        using var peer = Peer.Up();
        using var witness = Peer.Up();
        const string Probe = "interval: 60s, mode: hold";
        await using var engine = EngineHarness.Start(Configs.Group(Probe, [Configs.Collector("c1", peer.Port, "0001")]));
        await engine.WaitForProbesAsync("c1", ProbeResult.Success, 1);
        await Eventually.TrueAsync(() => peer.OpenConnections == 1, "the connection held");

        // A second on, so that the rate rule could not hide a probe the reload asked for by mistake.
        var rateRuleOver = engine.Last("c1").StartedAt + ProbeSpacing.Minimum - DateTimeOffset.UtcNow;
        await Task.Delay(rateRuleOver > TimeSpan.Zero ? rateRuleOver : TimeSpan.Zero);
        await engine.ApplyAsync(Configs.Group(Probe, [Configs.Collector("c1", peer.Port, "0002")]));

        // A later reload adds a witness: by the time it has been probed, a probe of c1 from the first reload would have been.
        await engine.ApplyAsync(Configs.Group(Probe, [Configs.Collector("c1", peer.Port, "0002"), Configs.Collector("c2", witness.Port)]));
        await engine.WaitForProbesAsync("c2", ProbeResult.Success, 1);
        await Eventually.TrueAsync(() => witness.Accepted == 1, "the witness's connection accepted");

        Assert.Equal(1, peer.Accepted);
        Assert.Equal(1, peer.OpenConnections);
        Assert.Empty(peer.Endings());
        Assert.Single(engine.Recorder.Of("c1"));

        // The engine holds the new configuration of c1: its next report carries the new serial.
        peer.CloseConnections();
        await Eventually.TrueAsync(() => engine.Recorder.Of("c1").Any(r => r.Dropped), "the drop reported");
        Assert.Equal("0002", engine.Recorder.Of("c1").First(r => r.Dropped).Target.Serial);
    }

    [Fact]
    public async Task A_new_target_is_probed_at_once_and_its_first_probe_is_not_counted_late()
    {
        using var first = Peer.Up();
        using var second = Peer.Up();
        await using var engine = EngineHarness.Start(Configs.Group([first.Port], probe: "interval: 60s"));
        await engine.WaitForProbesAsync("c1", ProbeResult.Success, 1);

        await engine.ApplyAsync(Configs.Group([first.Port, second.Port], probe: "interval: 60s"));

        // Within the patience of the wait, far sooner than the 60 s interval.
        await engine.WaitForProbesAsync("c2", ProbeResult.Success, 1);
        await Eventually.TrueAsync(() => second.Accepted == 1, "the new target's connection accepted");
        Assert.Equal(1, first.Accepted);
        Assert.Single(engine.Recorder.Lags);
    }

    [Fact]
    public async Task A_changed_endpoint_is_probed_at_once_on_the_new_endpoint_and_the_old_connection_is_closed()
    {
        using var before = Peer.Up();
        using var after = Peer.Up();
        await using var engine = EngineHarness.Start(Configs.Group([before.Port], probe: "interval: 60s, mode: hold"));
        await engine.WaitForProbesAsync("c1", ProbeResult.Success, 1);
        await Eventually.TrueAsync(() => before.OpenConnections == 1, "the connection held");

        await engine.ApplyAsync(Configs.Group([after.Port], probe: "interval: 60s, mode: hold"));

        await engine.WaitForProbesAsync("c1", ProbeResult.Success, 2);
        await Eventually.TrueAsync(() => after.OpenConnections == 1, "the new connection held");
        await Eventually.TrueAsync(() => before.Endings().Count == 1, "the old connection closed");
        Assert.Equal(["fin"], before.Endings());
        Assert.Equal(1, before.Accepted);
        Assert.Equal(after.Port, engine.Last("c1").Target.Port);
        Assert.Equal([ProbeResult.Success, ProbeResult.Success], engine.Recorder.Of("c1").Select(r => r.Result));
    }

    [Fact]
    public async Task A_removed_target_has_its_held_connection_closed_and_is_never_reported_again()
    {
        using var kept = Peer.Up();
        using var removed = Peer.Up();
        using var witness = Peer.Up();
        const string Probe = "interval: 60s, mode: hold";
        await using var engine = EngineHarness.Start(Configs.Group([kept.Port, removed.Port], probe: Probe));
        await Eventually.TrueAsync(() => kept.OpenConnections == 1 && removed.OpenConnections == 1, "both connections held");

        // The collectors see the handshake before the engine collects it: the first probe is reported before the reload.
        await engine.WaitForProbesAsync("c2", ProbeResult.Success, 1);
        await engine.ApplyAsync(Configs.Group([kept.Port], probe: Probe));
        await Eventually.TrueAsync(() => removed.Endings().Count == 1, "the removed target's connection closed");
        Assert.Equal(["fin"], removed.Endings());

        // Closed by the exporter, not dropped by the collector: no reset, no re-probe. A witness added later is probed first.
        await engine.ApplyAsync(Configs.Group(Probe, [Configs.Collector("c1", kept.Port), Configs.Collector("c3", witness.Port)]));
        await engine.WaitForProbesAsync("c3", ProbeResult.Success, 1);
        Assert.Single(engine.Recorder.Of("c2"));
        Assert.Equal(1, removed.Accepted);
        Assert.Equal(1, kept.OpenConnections);
    }

    [Fact]
    public async Task A_removed_target_whose_connect_is_in_flight_is_never_reported()
    {
        using var up = Peer.Up();
        using var blackholed = await Peer.BlackholedAsync();
        using var witness = await Peer.BlackholedAsync();
        const string Probe = "interval: 60s, timeout: 2s";
        await using var engine = EngineHarness.Start(Configs.Group([up.Port, blackholed.Port], probe: Probe));
        await engine.WaitForProbesAsync("c1", ProbeResult.Success, 1);

        // c2's SYN goes unanswered for 2 s; the reload removes it meanwhile.
        await engine.ApplyAsync(Configs.Group([up.Port], probe: Probe));
        Assert.Empty(engine.Recorder.Of("c2"));

        // The witness's connect starts later with the same timeout: when it has timed out, c2's would have too.
        await engine.ApplyAsync(Configs.Group(Probe, [Configs.Collector("c1", up.Port), Configs.Collector("c3", witness.Port)]));
        await engine.WaitForProbesAsync("c3", ProbeResult.Timeout, 1);
        Assert.Empty(engine.Recorder.Of("c2"));
    }

    [Fact]
    public async Task A_storm_of_reloads_never_starts_more_than_one_connect_a_second_per_name()
    {
        using var c1First = Peer.Up();
        using var c1Second = Peer.Up();
        using var c2 = Peer.Up();
        string[] yaml =
        [
            Configs.Group("interval: 60s", [Configs.Collector("c1", c1First.Port), Configs.Collector("c2", c2.Port)]),
            Configs.Group("interval: 60s", [Configs.Collector("c1", c1Second.Port), Configs.Collector("c2", c2.Port)]),
            Configs.Group("interval: 60s", [Configs.Collector("c1", c1First.Port)]),
            Configs.Group("interval: 60s, timeout: 2s", [Configs.Collector("c1", c1First.Port), Configs.Collector("c2", c2.Port)]),
            Configs.Group("interval: 60s, mode: hold", [Configs.Collector("c2", c2.Port), Configs.Collector("c1", c1Second.Port)]),
        ];
        var configurations = yaml.Select(Configs.FromYaml).ToArray();
        var clock = Stopwatch.StartNew();
        var engine = EngineHarness.Start(yaml[0]);
        var reloads = 0;
        try
        {
            // Ten reloads at a time, one batch every few milliseconds, for three seconds: each would probe every target
            // it changes at once, but for the rate rule.
            while (clock.Elapsed < TimeSpan.FromSeconds(3))
            {
                await Task.WhenAll(Enumerable.Range(reloads, 10).Select(i => configurations[i % configurations.Length])
                    .Select(config => engine.Engine.ApplyAsync(config.Collectors, config.Probe)));
                reloads += 10;
                await Task.Delay(5);
            }
        }
        finally
        {
            await engine.DisposeAsync();
        }

        var seconds = clock.Elapsed.TotalSeconds;
        await Eventually.TrueAsync(() => c1First.Held + c1Second.Held + c2.Held == 0, "every connection ended");
        var (c1Connects, c2Connects) = (c1First.Accepted + c1Second.Accepted, c2.Accepted);
        output.WriteLine($"{reloads} reloads in {seconds:F2} s: c1 connected {c1Connects} times, c2 {c2Connects} times");

        // Connects a second apart or more: at most one more than the whole seconds the engine ran.
        Assert.True(reloads >= 100, $"only {reloads} reloads");
        Assert.InRange(c1Connects, 2, (int)seconds + 1);
        Assert.InRange(c2Connects, 2, (int)seconds + 1);
    }

    [Fact]
    public async Task A_hold_mode_peer_that_drops_every_connection_at_once_is_probed_at_most_once_a_second()
    {
        using var dropper = Peer.ResetAfterAccept(TimeSpan.Zero);
        var clock = Stopwatch.StartNew();
        var engine = EngineHarness.Start(Configs.Group([dropper.Port], probe: "interval: 60s, mode: hold"));
        try
        {
            await Eventually.TrueAsync(() => engine.Recorder.Of("c1").Count(r => r.Dropped) >= 3, "three drops reported");
        }
        finally
        {
            await engine.DisposeAsync();
        }

        var seconds = clock.Elapsed.TotalSeconds;
        var connects = dropper.Accepted;
        output.WriteLine($"{connects} connects in {seconds:F2} s");
        Assert.InRange(connects, 3, (int)seconds + 1);
        Assert.All(engine.Recorder.Of("c1").Where(r => r.Dropped), r => Assert.Equal(HandshakeProbe.ResetReason, r.Outcome.Error));
    }
}
