using System.Collections.Concurrent;
using System.Net;
using LogCollectorExporter.Configuration;
using LogCollectorExporter.Platform;

namespace LogCollectorExporter.Probing;

/// <summary>
/// Probes every target once per interval from one thread, the way the firewall does: a bare TCP handshake, no byte
/// sent, closed at once or (hold mode) held until the next probe and watched for the collector closing or resetting
/// it. Non-blocking sockets and epoll: no thread, timer or task per probe, so a probe costs little more than the
/// kernel's work, the handshake is timed from connect() to the moment epoll reports it done, and a slow or
/// blackholed collector never holds up another. A new configuration is applied on the same thread without
/// disturbing the targets it does not change; no target is ever probed more than once a second.
/// </summary>
/// <remarks>
/// The decisions (what is due, when to wake, what a configuration changes) are <see cref="ProbeLoop"/>'s; each
/// target's socket is a <see cref="HandshakeProbe"/>; this class runs the thread and dispatches what epoll, the
/// resolver and <see cref="ApplyAsync"/> bring to them. Results go to the <see cref="IProbeObserver"/> and, as spans,
/// to <see cref="ProbeTelemetry"/>.
/// </remarks>
public sealed partial class ProbeEngine(IProbeObserver observer, TimeProvider time, IHostResolver resolver, ILogger<ProbeEngine> logger)
{
    private const int MaxEvents = 256;

    private readonly ProbeLoop loop = new(time.TimestampFrequency);
    private readonly List<HandshakeProbe?> probes = [];
    private readonly ConcurrentQueue<Resolution> resolutions = new();
    private readonly ConcurrentQueue<ApplyRequest> requests = new();
    private readonly (int Id, long? Due)[] due = new (int, long?)[MaxEvents];
    private readonly CancellationTokenSource stopping = new();
    private readonly TaskCompletionSource stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Guards watch and ended between the callers of Start, ApplyAsync and StopAsync, and the end of the thread.
    private readonly Lock gate = new();
    private SocketWatch? watch;
    private bool ended;
    private (IPAddress Address, byte[] SocketAddress)? source;
    private long lastTick = time.GetUtcNow().UtcTicks;

    /// <summary>When the engine last woke up: it is alive while this keeps moving (the health check).</summary>
    public DateTimeOffset LastTick => new(Interlocked.Read(ref lastTick), TimeSpan.Zero);

    /// <summary>Starts probing <paramref name="targets"/> (unique by name): every first probe is due at once. An engine starts once.</summary>
    /// <exception cref="IOException">The engine's epoll instances or eventfd could not be created.</exception>
    public void Start(IReadOnlyList<CollectorConfig> targets, ProbeSettings settings)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("logcollector-exporter probes with Linux epoll: it runs on Linux.");
        }

        lock (gate)
        {
            if (watch is not null)
            {
                throw new InvalidOperationException("The probe engine has already been started.");
            }

            try
            {
                watch = SocketWatch.Open(MaxEvents);
            }
            catch (IOException e)
            {
                throw new IOException($"cannot start the probe engine: {e.Message}", e);
            }
        }

        // Before the thread starts, which then owns all of this.
        Adopt(loop.Apply(targets, settings, time.GetTimestamp()), settings.Close);
        new Thread(Run) { IsBackground = true, Name = "Probe engine" }.Start();
    }

    /// <summary>
    /// Takes a new configuration on the engine's thread (what it keeps, changes, adds and removes: <see cref="ProbeLoop.Apply"/>);
    /// a removed target's socket is closed and its probe never reported. The task completes once it is applied, or at
    /// once when the engine is not running (not started, or stopped).
    /// </summary>
    public Task ApplyAsync(IReadOnlyList<CollectorConfig> targets, ProbeSettings settings)
    {
        // A copy: the engine's thread reads it later, and the caller's list is the caller's.
        var request = new ApplyRequest([.. targets], settings, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        SocketWatch running;
        lock (gate)
        {
            if (watch is null || ended)
            {
                return Task.CompletedTask;
            }

            running = watch;
            requests.Enqueue(request);
        }

        running.WakeUp.Signal();
        return request.Applied.Task;
    }

    /// <summary>Stops probing and closes every socket; returns when the engine's thread has ended.</summary>
    public async Task StopAsync()
    {
        SocketWatch? running;
        lock (gate)
        {
            running = watch;
        }

        if (running is null)
        {
            return;
        }

        await stopping.CancelAsync();
        running.WakeUp.Signal();
        await stopped.Task;
    }

    private SocketWatch Watch => watch ?? throw new InvalidOperationException("The probe engine has not been started.");

    [LoggerMessage(Level = LogLevel.Error, Message = "Probing {Collector} failed unexpectedly")]
    private static partial void LogProbeFailed(ILogger logger, Exception exception, string collector);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The probe engine stopped: probing has ended and /-/healthy will report it")]
    private static partial void LogEngineFailed(ILogger logger, Exception exception);

    private void Run()
    {
        var held = Watch.Held;
        try
        {
            while (!stopping.IsCancellationRequested)
            {
                var now = time.GetTimestamp();
                Interlocked.Exchange(ref lastTick, time.GetUtcNow().UtcTicks);
                CollectHandshakes(now);
                ExpireConnects(now);
                StartDue(now);

                // Counted from after the work just done, so that its time does not make the next probe late.
                var count = held.Wait(loop.WaitMilliseconds(time.GetTimestamp()));
                var at = time.GetTimestamp();
                for (var i = 0; i < count; i++)
                {
                    Dispatch(held[i], at);
                }
            }
        }
        catch (Exception e)
        {
            LogEngineFailed(logger, e);
        }
        finally
        {
            End();
        }
    }

    private void End()
    {
        lock (gate)
        {
            ended = true;
        }

        foreach (var probe in probes)
        {
            probe?.Close(loop.Settings.Close);
        }

        Watch.Dispose();

        // No request can come after ended was set: those still waiting have nothing left to apply to.
        while (requests.TryDequeue(out var request))
        {
            request.Applied.TrySetResult();
        }

        stopped.TrySetResult();
    }

    private void Dispatch((uint Flags, ulong Data) ready, long at)
    {
        if (ready.Data == SocketWatch.WakeUpData)
        {
            Watch.WakeUp.Drain();
            ApplyRequested(at);
            while (resolutions.TryDequeue(out var resolution))
            {
                Resolved(resolution, at);
            }

            return;
        }

        if (Current(ready.Data, ProbeStage.Held) is not { } probe)
        {
            return;
        }

        try
        {
            if (probe.Watch(ready.Flags) is { } reason)
            {
                Drop(probe, reason, at);
            }
        }
        catch (Exception e)
        {
            Abort(probe, e);
        }
    }

    private void ApplyRequested(long now)
    {
        while (requests.TryDequeue(out var request))
        {
            try
            {
                var close = loop.Settings.Close;
                Adopt(loop.Apply(request.Targets, request.Settings, now), close);
                request.Applied.TrySetResult();
            }
            catch (Exception e)
            {
                // The loop may be half-changed: the engine stops rather than probe from a state nobody can vouch for.
                request.Applied.TrySetException(e);
                throw;
            }
        }
    }

    // The sockets of removed targets are closed as they were configured to close; new targets get a probe each.
    private void Adopt(TargetChanges changes, CloseMode close)
    {
        foreach (var id in changes.Removed)
        {
            probes[id]?.Close(close);
            probes[id] = null;
        }

        foreach (var id in changes.Added)
        {
            while (probes.Count <= id)
            {
                probes.Add(null);
            }

            probes[id] = new HandshakeProbe(id, loop.Target(id), time);
        }

        source = loop.Settings.SourceAddress is { } address ? (address, Native.SocketAddress(address, 0)) : null;
    }

    private void StartDue(long now)
    {
        int taken;
        do
        {
            taken = loop.TakeDue(now, due);
            for (var i = 0; i < taken; i++)
            {
                var (id, dueAt) = due[i];
                var probe = probes[id]!;
                try
                {
                    if (dueAt is { } scheduled)
                    {
                        observer.Late(time.GetElapsedTime(scheduled, now));
                    }

                    Begin(probe, now);
                }
                catch (Exception e)
                {
                    Abort(probe, e);
                }
            }
        }
        while (taken == due.Length);
    }

    private void Begin(HandshakeProbe probe, long now)
    {
        probe.Begin(now, loop.Settings.Close);
        if (probe.LiteralAddress is { } address)
        {
            Connect(probe, address, TimeSpan.Zero, now);
            return;
        }

        var (id, generation, target, settings) = (probe.Id, loop.Generation(probe.Id), loop.Target(probe.Id), loop.Settings);

        // On the thread pool: a resolver that blocks must not block the engine.
        _ = Task.Run(() => ResolveAsync(id, generation, target, settings), CancellationToken.None);
    }

    private void Connect(HandshakeProbe probe, IPAddress address, TimeSpan dnsLookup, long now)
    {
        loop.Connecting(probe.Id, now);
        switch (probe.Connect(address, dnsLookup, source, now, out var failure))
        {
            case HandshakeStart.InProgress:
                Watch.Connecting.Add(probe.Fd, Native.EpollOut, EventData(probe.Id));
                break;
            case HandshakeStart.Ended:
                Complete(probe, now);
                break;
            default:
                Finish(probe, failure, now, held: false);
                break;
        }
    }

    // Handshakes that ended (or failed) since the last look.
    private void CollectHandshakes(long at)
    {
        var connecting = Watch.Connecting;
        int count;
        do
        {
            count = loop.ConnectsInFlight == 0 ? 0 : connecting.Wait(0);
            for (var i = 0; i < count; i++)
            {
                if (Current(connecting[i].Data, ProbeStage.Connecting) is not { } probe)
                {
                    continue;
                }

                try
                {
                    connecting.Delete(probe.Fd);
                    Complete(probe, at);
                }
                catch (Exception e)
                {
                    Abort(probe, e);
                }
            }
        }
        while (count == MaxEvents);
    }

    private void Complete(HandshakeProbe probe, long at)
    {
        var outcome = probe.Complete(at, out var resetSince);
        var hold = outcome.Succeeded && loop.Settings.Mode == ProbeMode.Hold;
        if (hold && !resetSince)
        {
            Watch.Held.Add(probe.Fd, Native.EpollIn | Native.EpollRdHup, EventData(probe.Id));
        }
        else
        {
            probe.Close(loop.Settings.Close);
        }

        Finish(probe, outcome, at, held: hold && !resetSince);
        if (hold && resetSince)
        {
            Drop(probe, HandshakeProbe.ResetReason, at);
        }
    }

    private void ExpireConnects(long now)
    {
        while (loop.TryTakeExpired(now, out var id))
        {
            var probe = probes[id]!;
            try
            {
                Finish(probe, probe.TimedOut(loop.Settings.Timeout), now, held: false);
            }
            catch (Exception e)
            {
                Abort(probe, e);
            }
        }
    }

    private void Resolved(Resolution resolution, long now)
    {
        // A target removed or changed since, or the engine gave up on that probe: the answer is for nobody.
        if (Current(resolution.Id, resolution.Generation, ProbeStage.Resolving) is not { } probe)
        {
            return;
        }

        if (resolution.Fault is { } fault)
        {
            LogProbeFailed(logger, fault, loop.Target(probe.Id).Name);
        }

        try
        {
            if (resolution.Address is { } address)
            {
                Connect(probe, address, resolution.Lookup, now);
            }
            else
            {
                Finish(probe, new ProbeOutcome(resolution.Result, TimeSpan.Zero, resolution.Lookup, null, resolution.Error), now, held: false);
            }
        }
        catch (Exception e)
        {
            Abort(probe, e);
        }
    }

    private async Task ResolveAsync(int id, int generation, CollectorConfig target, ProbeSettings settings)
    {
        resolutions.Enqueue(await Resolution.ResolveAsync(resolver, id, generation, target, settings, time, stopping.Token));
        Watch.WakeUp.Signal();
    }

    // The loop first: whatever reporting does, the target is scheduled again.
    private void Finish(HandshakeProbe probe, in ProbeOutcome outcome, long at, bool held)
    {
        loop.Finished(probe.Id, at, held);
        Report(probe, outcome);
    }

    private void Report(HandshakeProbe probe, in ProbeOutcome outcome)
    {
        var finishedAt = time.GetUtcNow();
        var startedAt = finishedAt - time.GetElapsedTime(probe.BegunAt);
        var target = loop.Target(probe.Id);
        ProbeTelemetry.Record(target, outcome, startedAt, finishedAt);
        observer.Finished(target, outcome, startedAt, finishedAt);
    }

    private void Drop(HandshakeProbe probe, string reason, long at)
    {
        loop.Dropped(probe.Id, at);
        var droppedAt = time.GetUtcNow();
        var target = loop.Target(probe.Id);
        ProbeTelemetry.Record(target, new ProbeOutcome(ProbeResult.Reset, TimeSpan.Zero, null, probe.Address, reason), droppedAt, droppedAt);
        observer.Dropped(target, reason, droppedAt);
    }

    /// <summary>
    /// The one way out of a fault in a target's probe (a failed epoll call, an observer that threw): logged, its socket
    /// reset, the target idle until its next slot, and a probe that was in flight counted as an error.
    /// </summary>
    private void Abort(HandshakeProbe probe, Exception exception)
    {
        var target = loop.Target(probe.Id);
        LogProbeFailed(logger, exception, target.Name);
        probe.Close(CloseMode.Rst);
        if (!loop.Abandon(probe.Id, time.GetTimestamp()))
        {
            return;
        }

        try
        {
            Report(probe, new ProbeOutcome(ProbeResult.Error, TimeSpan.Zero, probe.DnsLookup, probe.Address, exception.Message));
        }
        catch (Exception again)
        {
            LogProbeFailed(logger, again, target.Name);
        }
    }

    // The epoll data of a probe: its target, and the generation that tells a stale event from a current one.
    private ulong EventData(int id) => (uint)id | ((ulong)(uint)loop.Generation(id) << 32);

    private HandshakeProbe? Current(ulong data, ProbeStage stage) => Current((int)(uint)data, (int)(data >> 32), stage);

    private HandshakeProbe? Current(int id, int generation, ProbeStage stage) => loop.IsCurrent(id, generation, stage) ? probes[id] : null;

    // A call of ApplyAsync, waiting for the engine's thread; Applied completes when it has taken it.
    private sealed record ApplyRequest(IReadOnlyList<CollectorConfig> Targets, ProbeSettings Settings, TaskCompletionSource Applied);
}
