using LogCollectorExporter.Configuration;

namespace LogCollectorExporter.Probing;

/// <summary>
/// The probe engine's decisions, without a socket or a clock: the targets and what each one's socket is doing, which
/// probes start now (the schedule, the rate rule, <c>maxConcurrency</c>), which connects ran out of time, when to
/// wake up, and what a new configuration keeps, changes, adds and removes. Times are
/// <see cref="TimeProvider.GetTimestamp"/> ticks, given by the caller; targets are known by an id that the loop gives.
/// </summary>
/// <remarks>
/// <see cref="InFlight"/> counts the targets <see cref="ProbeStage.Resolving"/> or <see cref="ProbeStage.Connecting"/>,
/// <see cref="ConnectsInFlight"/> those <see cref="ProbeStage.Connecting"/>, <see cref="WithoutResult"/> those that no
/// probe has finished for yet. Every change of a stage goes through <see cref="Move"/>, which keeps the first two.
/// </remarks>
internal sealed class ProbeLoop
{
    /// <summary>Regular probes due within this much of each other start in one wake-up; none starts later than this after its due time.</summary>
    public static readonly TimeSpan Coalescing = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Finished handshakes are collected at the next wake-up, at most this much later, rather than in a wake-up of their
    /// own: on a machine where each wake-up costs more CPU than the probe, that halves the cost. The handshake's time
    /// comes from the kernel, so it does not suffer from being collected late.
    /// </summary>
    public static readonly TimeSpan Collection = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Until every target has a first result, finished handshakes are collected this soon instead: the exporter is
    /// ready (<c>/-/ready</c>) when they are, and a pod's start should not wait for a saving meant for the long run.
    /// </summary>
    public static readonly TimeSpan FirstCollection = TimeSpan.FromMilliseconds(5);

    /// <summary>The longest sleep: the engine wakes at least this often, so that the health check sees it alive.</summary>
    public static readonly TimeSpan LongestSleep = TimeSpan.FromMinutes(1);

    private readonly long frequency;
    private readonly ProbeSpacing spacing;
    private readonly TargetTable<TargetState> targets = new(config => new TargetState(config));
    private readonly PriorityQueue<(int Id, int Generation), long> deadlines = new();
    private Schedule schedule;
    private long timeout;
    private bool started;
    private int generations;

    /// <param name="ticksPerSecond">The clock's frequency (<see cref="TimeProvider.TimestampFrequency"/>).</param>
    public ProbeLoop(long ticksPerSecond)
    {
        frequency = ticksPerSecond;
        spacing = new ProbeSpacing(Ticks(ProbeSpacing.Minimum));
        schedule = NewSchedule(Settings);
        timeout = Ticks(Settings.Timeout);
    }

    /// <summary>The settings of the last <see cref="Apply"/>.</summary>
    public ProbeSettings Settings { get; private set; } = ProbeSettings.Default;

    public int InFlight { get; private set; }

    public int ConnectsInFlight { get; private set; }

    public int WithoutResult { get; private set; }

    /// <summary>The configuration of a target now: the instance the last <see cref="Apply"/> gave for its name.</summary>
    public CollectorConfig Target(int id) => targets.Get(id).Config;

    public ProbeStage Stage(int id) => targets.Get(id).Stage;

    /// <summary>The target's current probe: it changes at each start, so that what belongs to an earlier probe is told apart.</summary>
    public int Generation(int id) => targets.Get(id).Generation;

    /// <summary>Whether <paramref name="id"/> is still a target whose probe <paramref name="generation"/> is at <paramref name="stage"/>.</summary>
    public bool IsCurrent(int id, int generation, ProbeStage stage) =>
        targets.Find(id) is { } target && target.Generation == generation && target.Stage == stage;

    /// <summary>
    /// Takes the targets and settings to probe with now. The first call adds every target, their first probes due at
    /// once and measured as part of the cadence (the start). Later calls (reloads): a target whose name, address, port
    /// and probe-shaping settings (interval, timeout, mode, close, ipFamily, sourceAddress) stay is kept as it is (its
    /// schedule, its probe in flight or held connection), with the new configuration instance; any other is new, due at
    /// once; one that is no longer there is removed, and whatever its probe was doing is forgotten. When a shaping
    /// setting changed, every target counts as changed. <c>maxConcurrency</c> takes effect at once.
    /// </summary>
    public TargetChanges Apply(IReadOnlyList<CollectorConfig> next, ProbeSettings settings, long now)
    {
        var reshaped = !Settings.ProbesLike(settings);
        Settings = settings;
        timeout = Ticks(settings.Timeout);
        if (reshaped)
        {
            schedule = NewSchedule(settings);
            deadlines.Clear();
        }

        var changes = targets.Apply(next, keep: !reshaped, Forget);
        WithoutResult += changes.Added.Count;
        schedule.Add([.. changes.Added.Select(id => (id, Target(id).Name))], now, measured: !started);
        started = true;
        return changes;
    }

    /// <summary>
    /// Takes up to <paramref name="into"/>.Length probes that start now, within <c>maxConcurrency</c>; each is
    /// <see cref="ProbeStage.Resolving"/> from now, with a new <see cref="Generation"/>. Due times as <see cref="Schedule.TakeDue"/> gives them.
    /// </summary>
    public int TakeDue(long now, Span<(int Id, long? Due)> into)
    {
        var room = Math.Min(into.Length, Settings.MaxConcurrency - InFlight);
        if (room <= 0)
        {
            return 0;
        }

        var taken = schedule.TakeDue(now, into[..room]);
        foreach (var (id, _) in into[..taken])
        {
            var target = targets.Get(id);
            target.Generation = ++generations;
            Move(target, ProbeStage.Resolving);
        }

        return taken;
    }

    /// <summary>The probe's connect() is called now: its timeout runs from here, and it counts for the rate rule.</summary>
    public void Connecting(int id, long now)
    {
        var target = targets.Get(id);
        Move(target, ProbeStage.Connecting);
        spacing.Started(target.Config.Name, now);
        deadlines.Enqueue((id, target.Generation), now + timeout);
    }

    /// <summary>The probe in flight ended (any result); the target waits for its next slot.</summary>
    /// <param name="held">Hold mode: its connection is held until then.</param>
    public void Finished(int id, long now, bool held)
    {
        var target = targets.Get(id);
        if (!IsInFlight(target.Stage))
        {
            throw new InvalidOperationException($"No probe of {target.Config.Name} is in flight.");
        }

        Move(target, held ? ProbeStage.Held : ProbeStage.Idle);
        if (!target.HasResult)
        {
            target.HasResult = true;
            WithoutResult--;
        }

        schedule.Finished(id, now);
    }

    /// <summary>Hold mode: the collector dropped the held connection; the target is probed again at once, as the rate rule allows.</summary>
    public void Dropped(int id, long now)
    {
        var target = targets.Get(id);
        if (target.Stage == ProbeStage.Held)
        {
            Move(target, ProbeStage.Idle);
        }

        schedule.Dropped(id, now);
    }

    /// <summary>
    /// The target's socket had to be given up (a fault): whatever its stage, the target ends idle, waiting for its next
    /// slot. Returns whether a probe was in flight, which then counts as finished.
    /// </summary>
    public bool Abandon(int id, long now)
    {
        var target = targets.Get(id);
        if (IsInFlight(target.Stage))
        {
            Finished(id, now, held: false);
            return true;
        }

        Move(target, ProbeStage.Idle);
        return false;
    }

    /// <summary>The next target whose connect has been out longer than the timeout at <paramref name="now"/>, if any.</summary>
    public bool TryTakeExpired(long now, out int id)
    {
        while (deadlines.TryPeek(out var item, out var deadline) && deadline <= now)
        {
            deadlines.Dequeue();
            if (IsCurrent(item.Id, item.Generation, ProbeStage.Connecting))
            {
                id = item.Id;
                return true;
            }
        }

        id = -1;
        return false;
    }

    /// <summary>
    /// When to wake up next: the next probe that may start (none while <c>maxConcurrency</c> probes are in flight: one
    /// of them ending wakes the engine first), the next connect deadline, and with connects in flight, the next
    /// collection of finished handshakes.
    /// </summary>
    public long NextWake(long now)
    {
        var wake = InFlight < Settings.MaxConcurrency ? schedule.NextWake : long.MaxValue;

        // Deadlines of connects that ended already are dropped rather than woken up for.
        while (deadlines.TryPeek(out var item, out var deadline))
        {
            if (IsCurrent(item.Id, item.Generation, ProbeStage.Connecting))
            {
                wake = Math.Min(wake, deadline);
                break;
            }

            deadlines.Dequeue();
        }

        if (ConnectsInFlight > 0)
        {
            wake = Math.Min(wake, now + Ticks(WithoutResult > 0 ? FirstCollection : Collection));
        }

        return wake;
    }

    /// <summary><see cref="NextWake"/> as the epoll_wait timeout: milliseconds from <paramref name="now"/>, rounded up, at most <see cref="LongestSleep"/>.</summary>
    public int WaitMilliseconds(long now)
    {
        var ticks = Math.Clamp(NextWake(now) - now, 0, Ticks(LongestSleep));
        return (int)(((ticks * 1000) + frequency - 1) / frequency);
    }

    private static bool IsInFlight(ProbeStage stage) => stage is ProbeStage.Resolving or ProbeStage.Connecting;

    // The one place a target's stage changes, and with it the counts of probes and connects in flight.
    private void Move(TargetState target, ProbeStage to)
    {
        InFlight += (IsInFlight(to) ? 1 : 0) - (IsInFlight(target.Stage) ? 1 : 0);
        ConnectsInFlight += (to == ProbeStage.Connecting ? 1 : 0) - (target.Stage == ProbeStage.Connecting ? 1 : 0);
        target.Stage = to;
    }

    private void Forget(int id, TargetState target)
    {
        Move(target, ProbeStage.Idle);
        if (!target.HasResult)
        {
            WithoutResult--;
        }

        schedule.Remove(id);
    }

    private Schedule NewSchedule(ProbeSettings settings)
    {
        var interval = Math.Max(1, Ticks(settings.Interval));
        return new Schedule(interval, Ticks(Coalescing < settings.Interval / 10 ? Coalescing : settings.Interval / 10), spacing);
    }

    private long Ticks(TimeSpan span) => Schedule.Ticks(span, frequency);

    private sealed class TargetState(CollectorConfig config) : TableEntry(config)
    {
        public ProbeStage Stage;
        public bool HasResult;
    }
}

/// <summary>What a target's socket is doing.</summary>
internal enum ProbeStage
{
    /// <summary>Nothing: waiting for its next probe.</summary>
    Idle,

    /// <summary>A probe is resolving its name (on the thread pool).</summary>
    Resolving,

    /// <summary>A probe's SYN is out, waiting for the handshake to end or the timeout.</summary>
    Connecting,

    /// <summary>Hold mode: the last probe's connection is held until the next probe.</summary>
    Held,
}
