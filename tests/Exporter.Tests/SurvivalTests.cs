using System.Diagnostics;
using System.Net;
using LogCollectorExporter.Configuration;
using LogCollectorExporter.Probing;
using LogCollectorExporter.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using static LogCollectorExporter.Tests.Support.Exposition;

namespace LogCollectorExporter.Tests;

/// <summary>Faults inside the exporter: a probe that throws or hangs, a task nobody waits for. The process survives them, and says so.</summary>
public sealed class SurvivalTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly TempDirectory directory = new();
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 11, 27, 0, 0, 0, TimeSpan.Zero));
    private readonly LogCapture log = new();

    public void Dispose() => directory.Dispose();

    public static TheoryData<Exception> ProbeFailures => new()
    {
        new InvalidOperationException("a bug in the probe"),
        new OperationCanceledException("a cancellation of the probe's own, not the scheduler's"),
        new TaskCanceledException("a timeout inside the probe"),
    };

    [Theory]
    [MemberData(nameof(ProbeFailures))]
    public async Task A_probe_that_throws_is_logged_counted_as_an_error_and_the_collector_is_probed_again_next_interval(Exception failure)
    {
        var probe = new FaultyProbe(call => call == 1 ? throw failure : Success);
        await using var exporter = await StartAsync(probe, "interval: 10s, timeout: 1s");
        await exporter.WaitForMetricsAsync(m => Probes(m, "error") == 1, Patience, "the failed probe counted as an error");

        time.Advance(TimeSpan.FromSeconds(10));

        var text = await exporter.WaitForMetricsAsync(m => Probes(m, "success") == 1, Patience, "the next probe, on schedule");
        Assert.Equal(1, Probes(text, "error"));
        Assert.Contains(log.Entries, e => e.StartsWith("Error", StringComparison.Ordinal)
            && e.Contains("Probing g/c1 failed unexpectedly", StringComparison.Ordinal) && e.Contains(failure.Message, StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, await exporter.StatusOfAsync("/-/healthy"));
    }

    [Fact]
    public async Task The_health_check_turns_503_when_the_scheduler_stalls_and_200_again_when_it_goes_on()
    {
        // A probe that hangs and ignores cancellation: every collector's loop is stuck in it, so no probe starts any more.
        var wedge = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var probe = new FaultyProbe(async _ =>
        {
            await wedge.Task;
            return Success;
        });
        await using var exporter = await StartAsync(probe, "interval: 10s, timeout: 1s", collectors: 3);
        try
        {
            await Eventually.TrueAsync(() => probe.Calls == 3, "the first probes started");
            Assert.Equal(HttpStatusCode.OK, await exporter.StatusOfAsync("/-/healthy"));

            time.Advance(TimeSpan.FromSeconds(20));
            Assert.Equal(HttpStatusCode.OK, await exporter.StatusOfAsync("/-/healthy"));
            time.Advance(TimeSpan.FromSeconds(1));

            var stalled = await exporter.Client.GetAsync("/-/healthy");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, stalled.StatusCode);
            Assert.Equal("Unhealthy: no probe has started for 21s (interval 10s).\n", await stalled.Content.ReadAsStringAsync());

            wedge.SetResult();
            await Eventually.TrueAsync(() => probe.Calls >= 6, "probing going on");
            Assert.Equal(HttpStatusCode.OK, await exporter.StatusOfAsync("/-/healthy"));
        }
        finally
        {
            wedge.TrySetResult();
        }
    }

    [Fact]
    public async Task Stopping_does_not_wait_for_a_probe_that_hangs()
    {
        var wedge = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var probe = new FaultyProbe(async _ =>
        {
            await wedge.Task;
            return Success;
        });
        var exporter = await StartAsync(probe, "interval: 10s, timeout: 1s");
        try
        {
            await Eventually.TrueAsync(() => probe.Calls == 1, "the probe started");

            var clock = Stopwatch.StartNew();
            await exporter.App.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));

            // The host's shutdown timeout is 4 s: stopping gives up on the hung probe then, well within Kubernetes' grace period.
            Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(4) + TimeSpan.FromSeconds(3));
        }
        finally
        {
            wedge.TrySetResult();
            await exporter.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_task_that_fails_unobserved_is_logged_and_the_exporter_goes_on()
    {
        await using var exporter = await StartAsync(new FaultyProbe(_ => Success), "interval: 10s, timeout: 1s");

        FailUnobserved();
        await Eventually.TrueAsync(() =>
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            return log.Contains("A background task failed and nobody was waiting for it; the exporter goes on | InvalidOperationException: nobody awaits this");
        }, "the unobserved exception logged");

        Assert.Equal(HttpStatusCode.OK, await exporter.StatusOfAsync("/-/healthy"));
    }

    // Not inlined, so that no reference to the task is left on the test's stack when the collector runs.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static void FailUnobserved() => _ = Task.Run(() => throw new InvalidOperationException("nobody awaits this"));

    private static ProbeAttempt Success => new(new ProbeOutcome(ProbeResult.Success, TimeSpan.FromMilliseconds(1), TimeSpan.Zero, IPAddress.Loopback, null));

    private static double? Probes(string metrics, string result) =>
        Value(metrics, "logcollector_probes_total", L("group", "g"), L("collector", "c1"), L("result", result));

    private Task<RunningExporter> StartAsync(ICollectorProbe probe, string probeSettings, int collectors = 1)
    {
        var config = directory.Write("collectors.yaml", Configs.Group(Enumerable.Range(1, collectors), probe: probeSettings));
        return RunningExporter.StartAsync(["--config", config], builder =>
        {
            builder.Services.AddSingleton<TimeProvider>(time);
            builder.Services.AddSingleton(probe);
            builder.Logging.AddProvider(log);
        });
    }

    /// <summary>A probe whose every call does what the test says: the first call is number 1.</summary>
    private sealed class FaultyProbe(Func<int, ValueTask<ProbeAttempt>> answer) : ICollectorProbe
    {
        private int calls;

        public FaultyProbe(Func<int, ProbeAttempt> answer)
            : this(call => ValueTask.FromResult(answer(call)))
        {
        }

        public int Calls => Volatile.Read(ref calls);

        public ValueTask<ProbeAttempt> ProbeAsync(CollectorConfig collector, ProbeSettings settings, CancellationToken cancellationToken) =>
            answer(Interlocked.Increment(ref calls));
    }
}
