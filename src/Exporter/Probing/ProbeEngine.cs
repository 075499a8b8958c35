using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using LogCollectorExporter.Configuration;
using Microsoft.Win32.SafeHandles;

namespace LogCollectorExporter.Probing;

/// <summary>
/// Probes every collector of the fleet from one thread, the way the firewall does: a bare TCP handshake, no byte
/// sent, closed at once or (hold mode) held until the next probe and watched for the collector closing or resetting
/// it. Non-blocking sockets and epoll: no thread, timer or task per probe, so a probe costs little more than the
/// kernel's work, the handshake is timed from connect() to the moment epoll reports it done, and a slow or
/// blackholed collector never holds up another.
/// </summary>
public sealed partial class ProbeEngine
{
    /// <summary>Probes due within this much of each other start in one wake-up; none starts later than this after its due time.</summary>
    public static readonly TimeSpan Coalescing = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Finished handshakes are collected at the next wake-up, at most this much later, rather than in a wake-up of their
    /// own: on a machine where each wake-up costs more CPU than the probe, that halves the cost. The handshake's time
    /// comes from the kernel, so it does not suffer from being collected late.
    /// </summary>
    public static readonly TimeSpan Collection = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Until every collector has a first result, finished handshakes are collected this soon instead: the exporter is
    /// ready (<c>/-/ready</c>) when they are, and a pod's start should not wait for a saving meant for the long run.
    /// </summary>
    public static readonly TimeSpan FirstCollection = TimeSpan.FromMilliseconds(5);

    private readonly IProbeObserver observer;
    private readonly TimeProvider time;
    private readonly IHostResolver resolver;
    private readonly ILogger<ProbeEngine> logger;
    private Run? running;
    private long lastTick;

    public ProbeEngine(IProbeObserver observer, TimeProvider time, IHostResolver resolver, ILogger<ProbeEngine> logger)
    {
        this.observer = observer;
        this.time = time;
        this.resolver = resolver;
        this.logger = logger;
        lastTick = time.GetUtcNow().UtcTicks;
    }

    /// <summary>When the engine last woke up: it is alive while this keeps moving.</summary>
    public DateTimeOffset LastTick => new(Interlocked.Read(ref lastTick), TimeSpan.Zero);

    /// <summary>Starts probing the fleet's collectors with the fleet's probe settings; every first probe runs at once.</summary>
    public void Start(IReadOnlyList<CollectorConfig> targets, ProbeSettings settings)
    {
        if (running is not null)
        {
            throw new InvalidOperationException("The probe engine is already running.");
        }

        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("logcollector-exporter probes with Linux epoll: it runs on Linux.");
        }

        running = new Run(this, targets, settings);
    }

    /// <summary>Takes a new set of targets and settings.</summary>
    public async Task ApplyAsync(IReadOnlyList<CollectorConfig> targets, ProbeSettings settings)
    {
        var wasRunning = running is not null;
        await StopAsync();
        if (wasRunning)
        {
            Start(targets, settings);
        }
    }

    /// <summary>Stops probing and closes every socket; returns when the engine's thread has ended.</summary>
    public async Task StopAsync()
    {
        if (running is { } run)
        {
            running = null;
            await run.StopAsync();
        }
    }

    private static ProbeResult Classify(int errno) => errno switch
    {
        Native.EConnRefused or Native.EConnReset => ProbeResult.Refused,
        Native.ETimedOut => ProbeResult.Timeout,
        Native.ENetUnreach or Native.EHostUnreach or Native.EHostDown or Native.ENetDown => ProbeResult.Unreachable,
        _ => ProbeResult.Error,
    };

    [LoggerMessage(Level = LogLevel.Error, Message = "Probing {Collector} failed unexpectedly")]
    private static partial void LogProbeFailed(ILogger logger, Exception exception, string collector);

    [LoggerMessage(Level = LogLevel.Critical, Message = "The probe engine stopped: probing has ended and /-/healthy will report it")]
    private static partial void LogEngineFailed(ILogger logger, Exception exception);

    private enum SlotState
    {
        Idle,
        Resolving,
        Connecting,
        Held,
    }

    /// <summary>One start of the engine: its thread, epoll instance, sockets and schedule, for one configuration.</summary>
    private sealed class Run
    {
        private const int MaxEvents = 256;
        private const string ResetReason = "the collector reset the held connection (RST)";
        private const ulong WakeUp = ulong.MaxValue;

        private readonly ProbeEngine engine;
        private readonly ProbeSettings settings;
        private readonly Slot[] slots;
        private readonly Schedule schedule;
        private readonly PriorityQueue<(int Id, int Generation), long> deadlines = new();
        private readonly ConcurrentQueue<Resolution> resolutions = new();
        private readonly (int Id, long? Due)[] due = new (int, long?)[MaxEvents];
        private readonly byte[]? sourceAddress;
        private readonly long timeoutTicks;
        private readonly long collectionTicks;
        private readonly long firstCollectionTicks;
        private readonly int epoll;
        private readonly int connecting;
        private readonly EventFdHandle wakeUp;
        private readonly Thread thread;
        private readonly TaskCompletionSource stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly CancellationTokenSource stopping = new();
        private int inFlight;
        private int connectsInFlight;
        private int withoutResult;

        public Run(ProbeEngine engine, IReadOnlyList<CollectorConfig> targets, ProbeSettings settings)
        {
            this.engine = engine;
            this.settings = settings;
            slots = [.. targets.Select((c, id) => new Slot(id, c))];
            withoutResult = slots.Length;
            var time = engine.time;
            schedule = new Schedule(time.GetTimestamp(), Ticks(settings.Interval), slots.Length,
                Ticks(Coalescing < settings.Interval / 10 ? Coalescing : settings.Interval / 10), time.TimestampFrequency);
            timeoutTicks = Ticks(settings.Timeout);
            collectionTicks = Ticks(Collection);
            firstCollectionTicks = Ticks(FirstCollection);
            sourceAddress = settings.SourceAddress is { } source ? Native.SocketAddress(source, 0) : null;
            // Two epoll instances: the engine sleeps on the first (its wake-up eventfd, held connections); connects in
            // flight sit in the second, which it only looks at when it is awake anyway.
            epoll = Native.EpollCreate(Native.EpollCloexec);
            connecting = Native.EpollCreate(Native.EpollCloexec);
            var eventFd = Native.EventFd(0, Native.EfdNonBlock | Native.EfdCloexec);
            if (epoll < 0 || connecting < 0 || eventFd < 0)
            {
                throw new IOException($"cannot create the probe engine's epoll instance: {Native.Describe(Native.LastError)}");
            }

            wakeUp = new EventFdHandle(eventFd);
            Native.Control(epoll, Native.EpollCtlAdd, eventFd, Native.EpollIn, WakeUp);
            thread = new Thread(Loop) { IsBackground = true, Name = "Probe engine" };
            thread.Start();
        }

        public async Task StopAsync()
        {
            await stopping.CancelAsync();
            Wake();
            await stopped.Task;
        }

        private unsafe void Loop()
        {
            var events = (byte*)NativeMemory.Alloc((nuint)(MaxEvents * Native.EpollEventSize));
            try
            {
                while (!stopping.IsCancellationRequested)
                {
                    var now = engine.time.GetTimestamp();
                    Interlocked.Exchange(ref engine.lastTick, engine.time.GetUtcNow().UtcTicks);
                    Collect(events, now);
                    ExpireTimeouts(now);
                    StartDue(now);
                    var count = Native.EpollWait(epoll, events, MaxEvents, WaitMilliseconds(now));
                    if (count < 0)
                    {
                        var errno = Native.LastError;
                        if (errno == Native.EIntr)
                        {
                            continue;
                        }

                        throw new IOException($"epoll_wait failed: {Native.Describe(errno)}");
                    }

                    var at = engine.time.GetTimestamp();
                    for (var i = 0; i < count; i++)
                    {
                        var (flags, data) = Native.ReadEvent(events, i);
                        Dispatch(flags, data, at);
                    }
                }
            }
            catch (Exception e)
            {
                LogEngineFailed(engine.logger, e);
            }
            finally
            {
                foreach (var slot in slots)
                {
                    CloseSocket(slot, settings.Close);
                }

                NativeMemory.Free(events);
                Native.Close(epoll);
                Native.Close(connecting);
                wakeUp.Dispose();
                stopped.TrySetResult();
            }
        }

        private int WaitMilliseconds(long now)
        {
            var wake = schedule.NextWake;
            if (deadlines.TryPeek(out _, out var deadline))
            {
                wake = Math.Min(wake, deadline);
            }

            if (connectsInFlight > 0)
            {
                wake = Math.Min(wake, now + (withoutResult > 0 ? firstCollectionTicks : collectionTicks));
            }

            // Come back at least once a minute, so that the health check sees the engine alive.
            var frequency = engine.time.TimestampFrequency;
            return wake == long.MaxValue ? 60_000 : (int)Math.Clamp(((wake - now) * 1000 + frequency - 1) / frequency, 0, 60_000);
        }

        private void StartDue(long now)
        {
            while (inFlight < settings.MaxConcurrency)
            {
                var taken = schedule.TakeDue(now, due.AsSpan(0, Math.Min(due.Length, settings.MaxConcurrency - inFlight)));
                for (var i = 0; i < taken; i++)
                {
                    var (id, dueAt) = due[i];
                    if (dueAt is { } scheduled)
                    {
                        engine.observer.Late(TimeSpan.FromSeconds(Math.Max(0, now - scheduled) / (double)engine.time.TimestampFrequency));
                    }

                    Begin(slots[id]);
                }

                if (taken < due.Length)
                {
                    return;
                }
            }
        }

        private void Begin(Slot slot)
        {
            // Hold mode: the connection held since the last probe is closed before a new one opens, as the firewall does.
            CloseSocket(slot, settings.Close);
            slot.Generation++;
            slot.Dns = null;
            inFlight++;
            try
            {
                if (slot.LiteralAddress is { } address)
                {
                    slot.Dns = TimeSpan.Zero;
                    Connect(slot, slot.Collector.IpAddress!, address);
                }
                else
                {
                    slot.State = SlotState.Resolving;
                    var (id, generation, collector) = (slot.Id, slot.Generation, slot.Collector);

                    // On the thread pool: a resolver that blocks must not block the engine.
                    _ = Task.Run(() => ResolveAsync(id, generation, collector), CancellationToken.None);
                }
            }
            catch (Exception e)
            {
                LogProbeFailed(engine.logger, e, slot.Collector.Name);
                CloseSocket(slot, CloseMode.Rst);
                Finish(slot, new ProbeOutcome(ProbeResult.Error, TimeSpan.Zero, slot.Dns, slot.Address, e.Message), engine.time.GetTimestamp());
            }
        }

        private void Connect(Slot slot, IPAddress address, byte[] socketAddress)
        {
            slot.Address = address;
            var fd = Native.Socket(address.AddressFamily == AddressFamily.InterNetworkV6 ? 10 : 2, Native.SockStream | Native.SockNonBlock | Native.SockCloexec, 0);
            if (fd < 0)
            {
                Fail(slot, ProbeResult.Error, Native.LastError);
                return;
            }

            slot.Fd = fd;
            if (sourceAddress is not null
                && (Native.SetInt(fd, Native.IpProtoIp, Native.IpBindAddressNoPort, 1) != 0 || Native.BindTo(fd, sourceAddress) != 0))
            {
                var errno = Native.LastError;
                CloseSocket(slot, CloseMode.Fin);
                Fail(slot, ProbeResult.Error, errno, $"cannot use source address {settings.SourceAddress}: ");
                return;
            }

            slot.Started = engine.time.GetTimestamp();
            if (Native.ConnectTo(fd, socketAddress) == 0)
            {
                Succeed(slot, engine.time.GetTimestamp());
                return;
            }

            var error = Native.LastError;
            if (error != Native.EInProgress)
            {
                CloseSocket(slot, CloseMode.Fin);
                Fail(slot, Classify(error), error);
                return;
            }

            slot.State = SlotState.Connecting;
            connectsInFlight++;
            deadlines.Enqueue((slot.Id, slot.Generation), slot.Started + timeoutTicks);
            Native.Control(connecting, Native.EpollCtlAdd, fd, Native.EpollOut, slot.EventData);
        }

        // Handshakes that finished (or failed) since the last look.
        private unsafe void Collect(byte* events, long at)
        {
            int count;
            do
            {
                count = connectsInFlight == 0 ? 0 : Native.EpollWait(connecting, events, MaxEvents, 0);
                for (var i = 0; i < count; i++)
                {
                    var (_, data) = Native.ReadEvent(events, i);
                    var slot = slots[(int)(uint)data];
                    if (slot.Generation != (int)(data >> 32) || slot.State != SlotState.Connecting)
                    {
                        continue;
                    }

                    try
                    {
                        Native.Control(connecting, Native.EpollCtlDelete, slot.Fd, 0, 0);
                        connectsInFlight--;
                        var error = Native.PendingError(slot.Fd);
                        if (error is 0 or Native.EConnReset)
                        {
                            // A reset, rather than a refusal, comes on an established connection: the handshake completed,
                            // and the collector dropped the connection before this look.
                            Succeed(slot, at, error == Native.EConnReset);
                        }
                        else
                        {
                            CloseSocket(slot, CloseMode.Fin);
                            Fail(slot, Classify(error), error);
                        }
                    }
                    catch (Exception e)
                    {
                        LogProbeFailed(engine.logger, e, slot.Collector.Name);
                    }
                }
            }
            while (count == MaxEvents);
        }

        private void Dispatch(uint flags, ulong data, long at)
        {
            if (data == WakeUp)
            {
                wakeUp.Drain();
                while (resolutions.TryDequeue(out var resolution))
                {
                    Resolved(resolution);
                }

                return;
            }

            var slot = slots[(int)(uint)data];
            if (slot.Generation != (int)(data >> 32))
            {
                return;
            }

            try
            {
                if (slot.State == SlotState.Held)
                {
                    Watch(slot, flags, at);
                }
            }
            catch (Exception e)
            {
                LogProbeFailed(engine.logger, e, slot.Collector.Name);
            }
        }

        private void Succeed(Slot slot, long at, bool resetSince = false)
        {
            // The kernel timed the round trip to the microsecond. When the SYN had to be sent again, the handshake took from
            // connect() to when it completed, which the kernel also knows (to the millisecond).
            var (roundTrip, since) = Native.HandshakeTiming(slot.Fd);
            var handshake = roundTrip ?? engine.time.GetElapsedTime(slot.Started, at) - (since ?? TimeSpan.Zero);
            if (handshake < TimeSpan.Zero)
            {
                handshake = TimeSpan.Zero;
            }

            var outcome = new ProbeOutcome(ProbeResult.Success, handshake, slot.Dns, slot.Address, null);
            if (settings.Mode == ProbeMode.Hold && !resetSince)
            {
                slot.State = SlotState.Held;
                Native.Control(epoll, Native.EpollCtlAdd, slot.Fd, Native.EpollIn | Native.EpollRdHup, slot.EventData);
            }
            else
            {
                // A collector may have spoken before this look; bytes left unread would turn the FIN into a RST.
                Discard(slot.Fd);
                CloseSocket(slot, settings.Close);
            }

            Finish(slot, outcome, at);
            if (settings.Mode == ProbeMode.Hold && resetSince)
            {
                Drop(slot, ResetReason, at);
            }
        }

        private void Fail(Slot slot, ProbeResult result, int errno, string prefix = "")
        {
            var endpoint = slot.Address is null ? slot.Collector.Endpoint : new IPEndPoint(slot.Address, slot.Collector.Port).ToString();
            Finish(slot, new ProbeOutcome(result, TimeSpan.Zero, slot.Dns, slot.Address, $"{endpoint}: {prefix}{Native.Describe(errno)}"),
                engine.time.GetTimestamp());
        }

        private void Finish(Slot slot, in ProbeOutcome outcome, long at)
        {
            inFlight--;
            if (!slot.HasResult)
            {
                slot.HasResult = true;
                withoutResult--;
            }

            if (slot.State != SlotState.Held)
            {
                slot.State = SlotState.Idle;
            }

            var finishedAt = engine.time.GetUtcNow();
            var startedAt = finishedAt - engine.time.GetElapsedTime(slot.Started, at);
            ProbeTelemetry.Record(slot.Collector, outcome, startedAt, finishedAt);
            engine.observer.Finished(slot.Collector, outcome, startedAt, finishedAt);
            schedule.Finished(slot.Id, at);
        }

        // A held connection became readable or failed: the collector closed it (FIN), reset it (RST), or sent data.
        private unsafe void Watch(Slot slot, uint flags, long at)
        {
            string? reason = null;
            if ((flags & Native.EpollErr) != 0)
            {
                var error = Native.PendingError(slot.Fd);
                reason = error == Native.EConnReset ? ResetReason : $"the held connection failed: {Native.Describe(error)}";
            }
            else
            {
                // Bytes a collector sends are read and thrown away, so its data can never fill the socket; nothing looks at them.
                var scratch = stackalloc byte[4096];
                while (reason is null)
                {
                    var read = Native.Receive(slot.Fd, scratch, 4096, Native.MsgDontWait);
                    if (read > 0)
                    {
                        continue;
                    }

                    var errno = read == 0 ? 0 : Native.LastError;
                    if (errno == Native.EAgain)
                    {
                        return;
                    }

                    reason = read == 0 ? "the collector closed the held connection (FIN)"
                        : errno == Native.EConnReset ? ResetReason
                        : $"the held connection failed: {Native.Describe(errno)}";
                }
            }

            CloseSocket(slot, CloseMode.Fin);
            Drop(slot, reason, at);
        }

        private void Drop(Slot slot, string reason, long at)
        {
            var droppedAt = engine.time.GetUtcNow();
            ProbeTelemetry.Record(slot.Collector, new ProbeOutcome(ProbeResult.Reset, TimeSpan.Zero, null, slot.Address, reason), droppedAt, droppedAt);
            engine.observer.Dropped(slot.Collector, reason, droppedAt);
            schedule.Dropped(slot.Id, at);
        }

        // Reads and throws away what a collector sent; nothing looks at it.
        private static unsafe void Discard(int fd)
        {
            var scratch = stackalloc byte[4096];
            while (Native.Receive(fd, scratch, 4096, Native.MsgDontWait) > 0)
            {
            }
        }

        private void ExpireTimeouts(long now)
        {
            while (deadlines.TryPeek(out var item, out var deadline) && deadline <= now)
            {
                deadlines.Dequeue();
                var slot = slots[item.Id];
                if (slot.Generation == item.Generation && slot.State == SlotState.Connecting)
                {
                    connectsInFlight--;
                    CloseSocket(slot, CloseMode.Fin);
                    var endpoint = new IPEndPoint(slot.Address!, slot.Collector.Port);
                    Finish(slot, new ProbeOutcome(ProbeResult.Timeout, TimeSpan.Zero, slot.Dns, slot.Address,
                        $"{endpoint}: no answer to the SYN within {Duration.Format(settings.Timeout)}"), now);
                }
            }
        }

        private void Resolved(Resolution resolution)
        {
            var slot = slots[resolution.Id];
            if (slot.Generation != resolution.Generation || slot.State != SlotState.Resolving)
            {
                return;
            }

            slot.Dns = resolution.Duration;
            if (resolution.Address is not { } address)
            {
                Finish(slot, new ProbeOutcome(resolution.Result, TimeSpan.Zero, slot.Dns, null, resolution.Error), engine.time.GetTimestamp());
                return;
            }

            Connect(slot, address, Native.SocketAddress(address, slot.Collector.Port));
        }

        private async Task ResolveAsync(int id, int generation, CollectorConfig collector)
        {
            var time = engine.time;
            var started = time.GetTimestamp();
            IPAddress? chosen = null;
            string? error = null;
            var result = ProbeResult.DnsError;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping.Token);
            timeout.CancelAfter(settings.Timeout);
            try
            {
                var family = settings.IpFamily switch
                {
                    IpFamily.Ip4 => AddressFamily.InterNetwork,
                    IpFamily.Ip6 => AddressFamily.InterNetworkV6,
                    _ => AddressFamily.Unspecified,
                };

                // WaitAsync: a resolver that ignores cancellation cannot hold the probe past its timeout.
                chosen = Choose(await engine.resolver.ResolveAsync(collector.Address, family, timeout.Token).WaitAsync(timeout.Token));
                error = chosen is null ? $"{collector.Address}: no {DescribeFamily()} address" : null;
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                error = $"{collector.Address}: name resolution took longer than {Duration.Format(settings.Timeout)}";
            }
            catch (SocketException e)
            {
                error = $"{collector.Address}: {e.Message}";
            }
            catch (Exception e)
            {
                // A fault in the resolver must not leave the collector waiting for an answer forever: counted and logged.
                LogProbeFailed(engine.logger, e, collector.Name);
                (result, error) = (ProbeResult.Error, $"{collector.Address}: {e.Message}");
            }

            resolutions.Enqueue(new Resolution(id, generation, chosen, time.GetElapsedTime(started), result, error));
            Wake();
        }

        // With ipFamily any, IPv4 first, then IPv6; with a source address, only addresses of its family can be reached.
        private IPAddress? Choose(IPAddress[] addresses)
        {
            IPAddress? first6 = null;
            foreach (var address in addresses)
            {
                if (settings.SourceAddress is { } source && source.AddressFamily != address.AddressFamily)
                {
                    continue;
                }

                if (address.AddressFamily == AddressFamily.InterNetwork && settings.IpFamily != IpFamily.Ip6)
                {
                    return address;
                }

                if (address.AddressFamily == AddressFamily.InterNetworkV6 && settings.IpFamily != IpFamily.Ip4)
                {
                    first6 ??= address;
                }
            }

            return first6;
        }

        private string DescribeFamily() => settings.IpFamily switch
        {
            IpFamily.Ip4 => "IPv4",
            IpFamily.Ip6 => "IPv6",
            _ => settings.SourceAddress is { AddressFamily: AddressFamily.InterNetworkV6 } ? "IPv6" : settings.SourceAddress is null ? "IP" : "IPv4",
        };

        private void CloseSocket(Slot slot, CloseMode close)
        {
            if (slot.Fd < 0)
            {
                return;
            }

            // Closing a socket with nothing unread sends FIN; with SO_LINGER 0 it sends RST and leaves no TIME_WAIT.
            if (close == CloseMode.Rst)
            {
                Native.SetAbortiveClose(slot.Fd);
            }

            Native.Close(slot.Fd);
            slot.Fd = -1;
            slot.State = SlotState.Idle;
        }

        private void Wake() => wakeUp.Signal();

        private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * engine.time.TimestampFrequency);
    }

    /// <summary>What the engine knows of one collector's probe in progress, or its held connection.</summary>
    private sealed class Slot(int id, CollectorConfig collector)
    {
        public readonly int Id = id;
        public readonly CollectorConfig Collector = collector;

        /// <summary>The sockaddr of an IP literal, built once; null for a name, resolved at each probe.</summary>
        public readonly byte[]? LiteralAddress = collector.IpAddress is { } ip ? Native.SocketAddress(ip, collector.Port) : null;

        public int Fd = -1;
        public SlotState State;
        public int Generation;
        public long Started;
        public TimeSpan? Dns;
        public IPAddress? Address;

        /// <summary>Whether a probe of this run has finished for the collector (until all have, results are collected sooner).</summary>
        public bool HasResult;

        /// <summary>The epoll data of this probe: the slot, and the generation that tells a stale event from a current one.</summary>
        public ulong EventData => (uint)Id | ((ulong)(uint)Generation << 32);
    }

    private sealed record Resolution(int Id, int Generation, IPAddress? Address, TimeSpan Duration, ProbeResult Result, string? Error);

    /// <summary>The eventfd that wakes the engine's thread; a SafeHandle, so it cannot be closed while another thread writes to it.</summary>
    private sealed unsafe class EventFdHandle : SafeHandleZeroOrMinusOneIsInvalid
    {
        public EventFdHandle(int fd)
            : base(ownsHandle: true)
        {
            SetHandle(fd);
        }

        public void Signal()
        {
            var added = false;
            try
            {
                DangerousAddRef(ref added);
                var one = 1UL;
                Native.Write((int)handle, (byte*)&one, sizeof(ulong));
            }
            catch (ObjectDisposedException)
            {
                // The engine has stopped: nothing to wake.
            }
            finally
            {
                if (added)
                {
                    DangerousRelease();
                }
            }
        }

        public void Drain()
        {
            ulong value;
            Native.Read((int)handle, (byte*)&value, sizeof(ulong));
        }

        protected override bool ReleaseHandle() => Native.Close((int)handle) == 0;
    }
}
