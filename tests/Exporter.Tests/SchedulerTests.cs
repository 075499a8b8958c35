using System.Threading.Channels;
using LogCollectorExporter.Configuration;
using LogCollectorExporter.Metrics;
using LogCollectorExporter.Preference;
using LogCollectorExporter.Probing;
using LogCollectorExporter.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Prometheus;
using static LogCollectorExporter.Tests.Support.Exposition;

namespace LogCollectorExporter.Tests;

/// <summary>The scheduler under a fake clock: every due time is checked exactly, with no sleeping.</summary>
public sealed class SchedulerTests : IAsyncDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 11, 27, 0, 0, 0, TimeSpan.Zero));
    private readonly CollectorRegistry registry = Prometheus.Metrics.NewCustomRegistry();
    private readonly DateTimeOffset start;
    private ProbeScheduler? scheduler;
    private Fleet? fleet;

    public SchedulerTests()
    {
        start = time.GetUtcNow();
    }

    public async ValueTask DisposeAsync()
    {
        if (scheduler is not null)
        {
            await scheduler.StopAsync();
        }
    }

    [Fact]
    public async Task Every_collector_is_probed_right_after_start()
    {
        var probe = new ScriptedProbe(time);
        Start(probe, Configs.Group([1, 2, 3, 4, 5]));

        var calls = await probe.NextAsync(5);

        Assert.Equal(["c1", "c2", "c3", "c4", "c5"], calls.Select(c => c.Collector).Order());
        Assert.All(calls, c => Assert.Equal(start, c.At));
    }

    [Fact]
    public async Task The_cadence_does_not_drift_over_a_thousand_intervals_of_slow_probes()
    {
        // Each probe takes 37 ms of (fake) time; a scheduler that waited an interval after each probe would be 37 s late by the end.
        var probe = new ScriptedProbe(time) { Duration = TimeSpan.FromMilliseconds(37) };
        Start(probe, Configs.Group([1], probe: "interval: 60s"));
        Assert.Equal(start, (await probe.NextAsync()).At);

        for (var k = 1; k <= 1000; k++)
        {
            var due = start + (TimeSpan.FromSeconds(60) * k);
            time.Advance(due - time.GetUtcNow());
            Assert.Equal(due, (await probe.NextAsync()).At);
        }

        var text = await ExportAsync();
        Assert.Equal(1001, Value(text, "logcollector_exporter_schedule_lag_seconds_count"));
        Assert.Equal(0, Value(text, "logcollector_exporter_schedule_lag_seconds_sum"));
        Assert.Equal(1001, Value(text, "logcollector_probes_total", L("group", "g"), L("collector", "c1"), L("result", "success")));
    }

    [Fact]
    public async Task Probes_of_different_collectors_are_spread_over_the_interval()
    {
        var probe = new ScriptedProbe(time);
        Start(probe, Configs.Group([1, 2, 3, 4], probe: "interval: 60s"));
        await probe.NextAsync(4);

        // After the first round, collector i is due at start + i/4 of the interval + k intervals.
        foreach (var (collector, seconds) in new[] { ("c1", 60), ("c2", 75), ("c3", 90), ("c4", 105), ("c1", 120), ("c2", 135) })
        {
            var due = start + TimeSpan.FromSeconds(seconds);
            time.Advance(due - time.GetUtcNow());
            Assert.Equal((collector, due), await probe.NextAsync());
        }

        Assert.False(probe.HasPendingCalls);
    }

    [Fact]
    public async Task A_probe_that_hangs_until_its_timeout_does_not_delay_another_collector()
    {
        var probe = new ScriptedProbe(time) { Hanging = { "c1" } };
        Start(probe, Configs.Group([1, 2], probe: "interval: 10s, timeout: 9s"));
        await probe.NextAsync(2);

        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(("c1", start + TimeSpan.FromSeconds(10)), await probe.NextAsync());

        // c1 hangs from 10 s to 19 s; c2 is due at 15 s and starts then.
        time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(("c2", start + TimeSpan.FromSeconds(15)), await probe.NextAsync());

        var text = await ExportAsync();
        Assert.Equal(0, Value(text, "logcollector_exporter_schedule_lag_seconds_sum"));
    }

    [Fact]
    public async Task A_probe_late_for_want_of_a_concurrency_slot_is_measured_as_schedule_lag()
    {
        var probe = new ScriptedProbe(time) { Hanging = { "c1", "c2" } };
        Start(probe, Configs.Group([1, 2], probe: "interval: 10s, timeout: 9s, maxConcurrency: 1"));
        var (first, at) = await probe.NextAsync();
        Assert.Equal(start, at);

        // The first holds the only slot until its timeout at 9 s, so the other's first probe, due at 0 s, starts 9 s late.
        time.Advance(TimeSpan.FromSeconds(9));
        var second = await probe.NextAsync();
        Assert.NotEqual(first, second.Collector);
        Assert.Equal(start + TimeSpan.FromSeconds(9), second.At);

        var text = await ExportAsync();
        Assert.Equal(9, Value(text, "logcollector_exporter_schedule_lag_seconds_sum"));
        Assert.Equal(2, Value(text, "logcollector_exporter_schedule_lag_seconds_bucket", L("le", "10")));
        Assert.Equal(1, Value(text, "logcollector_exporter_schedule_lag_seconds_bucket", L("le", "5")));
    }

    [Theory]
    [InlineData(0, 0, 1)]
    [InlineData(0, 9_999, 1)]
    [InlineData(1, 14_000, 2)]
    [InlineData(1, 25_000, 2)]
    [InlineData(1, 25_001, 2)]
    [InlineData(1, 35_000, 3)]
    [InlineData(1, 47_000, 4)]
    public void Slots_missed_entirely_are_skipped_not_made_up_in_a_burst(long k, int nowMs, long next)
    {
        // Interval 10 s, phase 5 s: slot 1 is due at 15 s, slot 2 at 25 s, slot 3 at 35 s... The next probe is the
        // slot after k, or when that one is already past, the latest slot that is due: one late probe, never a burst.
        var cadence = new ProbeScheduler.Cadence(start, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10));

        Assert.Equal(next, cadence.Next(k, start + TimeSpan.FromMilliseconds(nowMs)));
    }

    [Fact]
    public async Task The_scheduler_ticks_with_every_probe_for_the_health_check()
    {
        var probe = new ScriptedProbe(time);
        Start(probe, Configs.Group([1], probe: "interval: 60s"));
        await probe.NextAsync();
        Assert.Equal(start, scheduler!.LastTick);

        time.Advance(TimeSpan.FromSeconds(60));
        await probe.NextAsync();

        Assert.Equal(start + TimeSpan.FromSeconds(60), scheduler.LastTick);
    }

    [Fact]
    public async Task A_collector_that_drops_held_connections_is_probed_again_at_most_once_a_second()
    {
        using var peer = Peer.ResetAfterAccept(TimeSpan.FromMilliseconds(50));
        Start(new HandshakeProbe(time, new HostsResolver()), Configs.Group([peer.Port], probe: "interval: 60s, mode: hold"));

        // At start: a probe, its drop, an immediate probe again, its drop; the next must wait a second.
        await WaitForAsync(text => Value(text, "logcollector_probes_total", L("group", "g"), L("collector", "c1"), L("result", "reset")) == 2);
        await Task.Delay(300);
        var text = await ExportAsync();
        Assert.Equal(2, Value(text, "logcollector_probes_total", L("group", "g"), L("collector", "c1"), L("result", "success")));
        Assert.Equal(2, Value(text, "logcollector_connection_drops_total", L("group", "g"), L("collector", "c1")));

        time.Advance(TimeSpan.FromSeconds(1));
        await WaitForAsync(text => Value(text, "logcollector_probes_total", L("group", "g"), L("collector", "c1"), L("result", "success")) == 3);
        Assert.Equal(3, peer.Accepted);
    }

    private void Start(ICollectorProbe probe, string yaml)
    {
        var config = Configs.FromYaml(yaml);
        var metrics = new ExporterMetrics(registry, config.Probe.Buckets, BuildInfo.Current);
        fleet = new Fleet(metrics, NullLogger<GroupMonitor>.Instance, config);
        scheduler = new ProbeScheduler(fleet, probe, time, metrics, NullLogger<ProbeScheduler>.Instance);
        scheduler.Start();
    }

    private Task<string> ExportAsync() => registry.ExportTextAsync();

    private Task WaitForAsync(Func<string, bool> condition) =>
        Eventually.TrueAsync(async () => condition(await ExportAsync()), "the expected metrics");

    /// <summary>
    /// A probe whose time is the fake clock's: it answers at once (optionally after <see cref="Duration"/> of fake time),
    /// or for the collectors in <see cref="Hanging"/>, only when the timeout has passed. It reports when each probe started.
    /// </summary>
    private sealed class ScriptedProbe(FakeTimeProvider time) : ICollectorProbe
    {
        private readonly Channel<(string Collector, DateTimeOffset At)> calls = Channel.CreateUnbounded<(string, DateTimeOffset)>();

        public TimeSpan Duration { get; init; }

        public HashSet<string> Hanging { get; } = [];

        public bool HasPendingCalls => calls.Reader.TryPeek(out _);

        public async ValueTask<ProbeAttempt> ProbeAsync(CollectorConfig collector, ProbeSettings settings, CancellationToken cancellationToken)
        {
            var startedAt = time.GetUtcNow();
            if (Duration > TimeSpan.Zero)
            {
                time.Advance(Duration);
            }

            calls.Writer.TryWrite((collector.Name, startedAt));
            if (Hanging.Contains(collector.Name))
            {
                await Task.Delay(settings.Timeout, time, cancellationToken);
                return new ProbeAttempt(new ProbeOutcome(ProbeResult.Timeout, TimeSpan.Zero, TimeSpan.Zero, null, "timeout"));
            }

            return new ProbeAttempt(new ProbeOutcome(ProbeResult.Success, Duration, TimeSpan.Zero, null, null));
        }

        public async Task<(string Collector, DateTimeOffset At)> NextAsync() =>
            await calls.Reader.ReadAsync().AsTask().WaitAsync(Wait);

        public async Task<List<(string Collector, DateTimeOffset At)>> NextAsync(int count)
        {
            var list = new List<(string, DateTimeOffset)>();
            for (var i = 0; i < count; i++)
            {
                list.Add(await NextAsync());
            }

            return list;
        }
    }
}
