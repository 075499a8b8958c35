using System.Diagnostics;
using LogCollectorExporter.Configuration;
using LogCollectorExporter.Metrics;
using LogCollectorExporter.Preference;

namespace LogCollectorExporter.Probing;

/// <summary>
/// Probes every collector on its own fixed cadence: the first probe right after start, then the k-th at
/// start + phase + k·interval, where the phases spread the collectors over the interval. Each collector has its
/// own loop, so a slow or blackholed one never delays another; at most <c>maxConcurrency</c> probes run at once.
/// </summary>
public sealed partial class ProbeScheduler(Fleet fleet, ICollectorProbe probe, TimeProvider time, ExporterMetrics metrics, ILogger<ProbeScheduler> logger)
{
    /// <summary>Hold mode: a collector that dropped its connection is probed again at once, but not more often than this.</summary>
    public static readonly TimeSpan ReprobeSpacing = TimeSpan.FromSeconds(1);

    private CancellationTokenSource? stopping;
    private Task running = Task.CompletedTask;
    private long lastTick;

    /// <summary>When a probe last started, or the scheduler started: it is alive while this keeps moving.</summary>
    public DateTimeOffset LastTick => new(Interlocked.Read(ref lastTick), TimeSpan.Zero);

    /// <summary>Starts probing the fleet's collectors with the fleet's probe settings.</summary>
    public void Start()
    {
        if (stopping is not null)
        {
            throw new InvalidOperationException("The scheduler is already running.");
        }

        var settings = fleet.Probe;
        var collectors = fleet.Groups.SelectMany(g => g.Collectors).ToArray();
        var start = time.GetUtcNow();
        Tick(start);
        stopping = new CancellationTokenSource();
        var gate = new SemaphoreSlim(settings.MaxConcurrency, settings.MaxConcurrency);
        var loops = new Task[collectors.Length];
        for (var i = 0; i < collectors.Length; i++)
        {
            var phase = settings.Interval * i / collectors.Length;
            var (collector, cadence, token) = (collectors[i], new Cadence(start, phase, settings.Interval), stopping.Token);

            // On the thread pool, away from the caller's context: Start must not run first probes inline.
            loops[i] = Task.Run(() => RunAsync(collector, cadence, settings, gate, token), CancellationToken.None);
        }

        running = Task.WhenAll(loops);
    }

    /// <summary>Stops every loop and closes held connections; returns when no probe is running any more.</summary>
    public async Task StopAsync()
    {
        // Taken at once: a second caller (a stop after one the host gave up waiting for) finds nothing to stop.
        if (stopping is not { } cancel)
        {
            return;
        }

        stopping = null;
        await cancel.CancelAsync();
        await running;
        cancel.Dispose();
    }

    private async Task RunAsync(CollectorMonitor collector, Cadence cadence, ProbeSettings settings, SemaphoreSlim gate, CancellationToken stop)
    {
        // Probe spans are roots, not children of whatever started the scheduler (a reload request, say).
        Activity.Current = null;
        HeldConnection? held = null;
        var lastReprobe = DateTimeOffset.MinValue;
        long k = 0;
        try
        {
            while (true)
            {
                var due = cadence.Due(k);
                if (held is not null && await WaitForDropAsync(held, due, stop) is { } reason)
                {
                    held.Dispose();
                    held = null;
                    RecordDrop(collector, reason);
                    var earliest = lastReprobe + ReprobeSpacing;
                    if (earliest < due)
                    {
                        await DelayUntilAsync(earliest, stop);
                        lastReprobe = time.GetUtcNow();
                        held = await ProbeOnceAsync(collector, settings, gate, due: null, stop);
                        continue;
                    }
                }

                await DelayUntilAsync(due, stop);
                held?.Dispose();
                held = await ProbeOnceAsync(collector, settings, gate, due, stop);
                k = cadence.Next(k, time.GetUtcNow());
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Stopped.
        }
        finally
        {
            held?.Dispose();
        }
    }

    private async Task<HeldConnection?> ProbeOnceAsync(CollectorMonitor collector, ProbeSettings settings, SemaphoreSlim gate, DateTimeOffset? due, CancellationToken stop)
    {
        await gate.WaitAsync(stop);
        try
        {
            var started = time.GetUtcNow();
            Tick(started);
            if (due is { } scheduled)
            {
                metrics.ScheduleLag.Observe(Math.Max(0, (started - scheduled).TotalSeconds));
            }

            using var span = ProbeTelemetry.StartProbe(collector);
            ProbeAttempt attempt;
            try
            {
                attempt = await probe.ProbeAsync(collector.Config, settings, stop);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stop.IsCancellationRequested)
            {
                // A bug in a probe must not stop the collector's schedule: it is counted and logged as an error,
                // even a cancellation of its own (only stopping the scheduler ends the loop).
                LogProbeFailed(logger, e, collector.Group.Config.Name, collector.Config.Name);
                attempt = new ProbeAttempt(new ProbeOutcome(ProbeResult.Error, TimeSpan.Zero, null, null, e.Message));
            }

            if (span is not null)
            {
                ProbeTelemetry.Finish(span, attempt.Outcome);
            }

            collector.Group.Record(collector, attempt.Outcome, time.GetUtcNow());
            return attempt.Held;
        }
        finally
        {
            gate.Release();
        }
    }

    private void RecordDrop(CollectorMonitor collector, string reason)
    {
        using var span = ProbeTelemetry.StartProbe(collector);
        if (span is not null)
        {
            ProbeTelemetry.Finish(span, new ProbeOutcome(ProbeResult.Reset, TimeSpan.Zero, null, null, reason));
        }

        collector.Group.RecordDrop(collector, reason, time.GetUtcNow());
    }

    private async Task<string?> WaitForDropAsync(HeldConnection held, DateTimeOffset due, CancellationToken stop)
    {
        var wait = due - time.GetUtcNow();
        if (wait <= TimeSpan.Zero)
        {
            return held.Dropped.IsCompleted ? await held.Dropped : null;
        }

        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var delay = Task.Delay(wait, time, cancel.Token);
        if (await Task.WhenAny(delay, held.Dropped) == held.Dropped && await held.Dropped is { } reason)
        {
            await cancel.CancelAsync();
            return reason;
        }

        await delay;
        return null;
    }

    private async Task DelayUntilAsync(DateTimeOffset when, CancellationToken stop)
    {
        var wait = when - time.GetUtcNow();
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, time, stop);
        }

        stop.ThrowIfCancellationRequested();
    }

    private void Tick(DateTimeOffset at) => Interlocked.Exchange(ref lastTick, at.UtcTicks);

    [LoggerMessage(Level = LogLevel.Error, Message = "Probing {Group}/{Collector} failed unexpectedly")]
    private static partial void LogProbeFailed(ILogger logger, Exception exception, string group, string collector);

    /// <summary>When the k-th probe of a collector is due; computed from the start, so lateness never accumulates.</summary>
    internal readonly record struct Cadence(DateTimeOffset Start, TimeSpan Phase, TimeSpan Interval)
    {
        public DateTimeOffset Due(long k) => k == 0 ? Start : Start + Phase + (Interval * k);

        /// <summary>The next slot after k; slots missed entirely (more than an interval late) are skipped, not made up in a burst.</summary>
        public long Next(long k, DateTimeOffset now)
        {
            var next = k + 1;
            var behind = (now - Due(next)).Ticks / Interval.Ticks;
            return behind > 0 ? next + behind : next;
        }
    }
}
