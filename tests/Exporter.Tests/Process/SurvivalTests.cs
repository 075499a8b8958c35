using System.Diagnostics;
using System.Net;
using LogCollectorExporter.Probing;
using LogCollectorExporter.Tests.Support;
using static LogCollectorExporter.Tests.Support.Exposition;

namespace LogCollectorExporter.Tests;

/// <summary>Faults inside the exporter: a resolver that throws or hangs, a stalled engine, a task nobody waits for. The process survives them, and says so.</summary>
public sealed class SurvivalTests : IDisposable
{
    private readonly TempDirectory directory = new();
    private readonly LogCapture log = new();

    public void Dispose() => directory.Dispose();

    public static TheoryData<Exception> ResolverFailures => new()
    {
        new InvalidOperationException("a bug in the resolver"),
        new OperationCanceledException("a cancellation of the resolver's own, not the probe's timeout"),
        new TaskCanceledException("a timeout inside the resolver"),
    };

    [Theory]
    [MemberData(nameof(ResolverFailures))]
    public async Task A_resolver_that_throws_is_logged_counted_as_an_error_and_the_collector_is_probed_again_next_interval(Exception failure)
    {
        using var peer = Peer.Up();
        var resolver = new FaultyResolver(call => call == 1 ? throw failure : Task.FromResult(new[] { IPAddress.Loopback }));
        await using var exporter = await StartAsync(resolver, peer.Port, "interval: 1s, timeout: 500ms");
        await exporter.WaitForMetricsAsync(m => Probes(m, "error") == 1, Eventually.Patience, "the failed probe counted as an error");

        var text = await exporter.WaitForMetricsAsync(m => Probes(m, "success") >= 1, Eventually.Patience, "the next probe, on schedule");

        Assert.Equal(1, Probes(text, "error"));
        Assert.Contains(log.Entries, e => e.StartsWith("Error", StringComparison.Ordinal)
            && e.Contains("Probing c1 failed unexpectedly", StringComparison.Ordinal) && e.Contains(failure.Message, StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.OK, await exporter.StatusOfAsync("/-/healthy"));
    }

    [Fact]
    public async Task The_health_check_turns_503_when_the_probe_engine_stalls_and_200_again_when_it_goes_on()
    {
        using var peer = Peer.Up();
        await using var exporter = await StartAsync(new FaultyResolver(_ => Task.FromResult(new[] { IPAddress.Loopback })), peer.Port, "interval: 1s, timeout: 500ms");
        await exporter.WaitForMetricsAsync(m => Probes(m, "success") >= 1, Eventually.Patience, "probing");
        Assert.Equal(HttpStatusCode.OK, await exporter.StatusOfAsync("/-/healthy"));

        // The engine's thread blocks in its next report, and stops ticking.
        var stalling = exporter.App.Services.GetRequiredService<StallingObserver>();
        stalling.Stall();
        try
        {
            HttpResponseMessage? stalled = null;
            await Eventually.TrueAsync(async () => (stalled = await exporter.Client.GetAsync("/-/healthy")).StatusCode == HttpStatusCode.ServiceUnavailable,
                "the health check reporting the stall");
            Assert.StartsWith("Unhealthy: the probe engine has not run for ", await stalled!.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        finally
        {
            stalling.Release();
        }

        await Eventually.TrueAsync(async () => (await exporter.Client.GetAsync("/-/healthy")).StatusCode == HttpStatusCode.OK, "healthy again");
    }

    [Fact]
    public async Task Stopping_does_not_wait_for_a_resolver_that_never_answers()
    {
        var resolver = new FaultyResolver(_ => new TaskCompletionSource<IPAddress[]>().Task);
        var exporter = await StartAsync(resolver, 3978, "interval: 10s, timeout: 5s");
        try
        {
            await Eventually.TrueAsync(() => resolver.Calls == 1, "the resolver called");

            var clock = Stopwatch.StartNew();
            await exporter.App.StopAsync().WaitAsync(TimeSpan.FromSeconds(30));

            Assert.InRange(clock.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(4) + TimeSpan.FromSeconds(3));
        }
        finally
        {
            await exporter.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_task_that_fails_unobserved_is_logged_and_the_exporter_goes_on()
    {
        using var peer = Peer.Up();
        await using var exporter = await StartAsync(new FaultyResolver(_ => Task.FromResult(new[] { IPAddress.Loopback })), peer.Port, "interval: 10s, timeout: 1s");

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

    private static double? Probes(string metrics, string result) =>
        Value(metrics, "logcollector_probes_total", L("collector", "c1"), L("result", result));

    private Task<RunningExporter> StartAsync(IHostResolver resolver, int port, string probeSettings)
    {
        var config = directory.Write("collectors.yaml", $"probe: {{{probeSettings}}}\ngroups:\n  - name: g\n    collectors: [{{name: c1, address: lc.example, port: {port}}}]\n");
        return RunningExporter.StartAsync(["--config", config], builder =>
        {
            builder.Services.AddSingleton(resolver);
            builder.Services.AddSingleton(services => new StallingObserver(ActivatorUtilities.CreateInstance<ProbeReports>(services)));
            builder.Services.AddSingleton<IProbeObserver>(services => services.GetRequiredService<StallingObserver>());
            builder.Logging.AddProvider(log);
        });
    }

    /// <summary>The exporter's own reports, which a test can hold up: the engine's thread then waits in its next one.</summary>
    private sealed class StallingObserver(IProbeObserver reports) : IProbeObserver, IDisposable
    {
        private readonly ManualResetEventSlim open = new(initialState: true);

        public void Stall() => open.Reset();

        public void Release() => open.Set();

        public void Finished(LogCollectorExporter.Configuration.CollectorConfig target, in ProbeOutcome outcome, DateTimeOffset startedAt, DateTimeOffset finishedAt)
        {
            open.Wait();
            reports.Finished(target, outcome, startedAt, finishedAt);
        }

        public void Dropped(LogCollectorExporter.Configuration.CollectorConfig target, string reason, DateTimeOffset at)
        {
            open.Wait();
            reports.Dropped(target, reason, at);
        }

        public void Late(TimeSpan lag) => reports.Late(lag);

        public void Dispose() => open.Dispose();
    }

    /// <summary>A resolver whose every call does what the test says: the first call is number 1.</summary>
    private sealed class FaultyResolver(Func<int, Task<IPAddress[]>> answer) : IHostResolver
    {
        private int calls;

        public int Calls => Volatile.Read(ref calls);

        public Task<IPAddress[]> ResolveAsync(string host, System.Net.Sockets.AddressFamily family, CancellationToken cancellationToken) =>
            answer(Interlocked.Increment(ref calls));
    }
}
