namespace LogCollectorExporter.Probing;

/// <summary>
/// When each target is to be probed. Targets come in batches (those of the start, then the new or changed ones of
/// each reload): a batch's first probes are due at once, then the k-th probe of a target at
/// base + phase + k·interval, where the phases spread the batch evenly over the interval. Due times are counted from
/// the batch, so lateness never accumulates; a slot missed by more than an interval is skipped rather than made up
/// in a burst. In hold mode a target whose held connection dropped is due again at once. Whatever made a probe due,
/// it starts no sooner than <see cref="ProbeSpacing"/> allows its name: a second after its last start, or for a probe
/// of the regular cadence, a second less the coalescing tick (a cadence held to the full second would drift by every
/// wake-up's latency when the interval is one second). Pure: times are <see cref="TimeProvider.GetTimestamp"/> ticks,
/// given by the caller; targets are ids the caller chooses.
/// </summary>
/// <param name="interval">The probe interval, in ticks.</param>
/// <param name="tick">
/// Wake-ups for regular probes are rounded up to a grid of this many ticks, so that probes due close together start in
/// one wake-up (each one costs CPU); such a probe then starts up to this much late, and may start this much less than a
/// second after the last start of its name. Zero: exactly on time.
/// </param>
/// <param name="spacing">The rate rule, shared with the schedules before and after this one.</param>
internal sealed class Schedule(long interval, long tick, ProbeSpacing spacing)
{
    private readonly List<Entry?> entries = [];
    // By time, then by when enqueued: probes due together start in the order they were given.
    private readonly PriorityQueue<(int Id, long Stamp), (long At, long Stamp)> waiting = new();
    private long stamps;

    /// <summary>A duration as ticks of a clock of <paramref name="frequency"/>, clamped so that centuries do not overflow due times.</summary>
    public static long Ticks(TimeSpan span, long frequency) => (long)Math.Min(span.TotalSeconds * frequency, long.MaxValue / 4);

    /// <summary>When to wake up next to start a probe; <see cref="long.MaxValue"/> when none is waiting.</summary>
    public long NextWake
    {
        get
        {
            while (waiting.TryPeek(out var item, out var at))
            {
                if (Waiting(item) is { } entry)
                {
                    // First probes and re-probes are wanted at once; only the regular cadence is coalesced.
                    return tick <= 0 || !Regular(entry) ? at.At : (at.At + tick - 1) / tick * tick;
                }

                waiting.Dequeue();
            }

            return long.MaxValue;
        }
    }

    /// <summary>Adds targets probed together: each first probe due at <paramref name="now"/>, the next ones spread over the interval.</summary>
    /// <param name="batch">The targets' ids (unused ones) and names, in the order their phases follow.</param>
    /// <param name="now">When the batch comes.</param>
    /// <param name="measured">
    /// Whether the lateness of the first probes is measured (<see cref="TakeDue"/> gives their due time): at the
    /// start, yes; after a reload, a first probe is not part of any cadence yet.
    /// </param>
    public void Add(IReadOnlyList<(int Id, string Name)> batch, long now, bool measured)
    {
        for (var i = 0; i < batch.Count; i++)
        {
            var (id, name) = batch[i];
            while (entries.Count <= id)
            {
                entries.Add(null);
            }

            var entry = entries[id] = new Entry(name)
            {
                Base = now,
                Phase = (long)((Int128)interval * i / batch.Count),
                MeasuredFirst = measured,
            };
            Enqueue(id, entry, now);
        }
    }

    /// <summary>The target is no longer probed; a probe of it that is running is forgotten.</summary>
    public void Remove(int id)
    {
        if (id < entries.Count)
        {
            entries[id] = null;
        }
    }

    /// <summary>
    /// Takes up to <paramref name="into"/>.Length probes that may start at <paramref name="now"/>, earliest first; they
    /// run until <see cref="Finished"/>. Returns how many were taken. Each comes with when it was due, for the schedule
    /// lag, or null when its lateness is not measured (a re-probe after a drop, a first probe after a reload).
    /// </summary>
    public int TakeDue(long now, Span<(int Id, long? Due)> into)
    {
        var taken = 0;
        while (taken < into.Length && waiting.TryPeek(out var item, out var at) && at.At <= now)
        {
            waiting.Dequeue();
            if (Waiting(item) is not { } entry)
            {
                continue;
            }

            // Every probe starts here, so the rate rule is checked here, whatever put the probe in the queue.
            var earliest = Earliest(entry);
            if (now < earliest)
            {
                waiting.Enqueue(item, (earliest, item.Stamp));
                continue;
            }

            entry.Running = true;
            spacing.Started(entry.Name, now);
            into[taken++] = (item.Id, entry.Reprobe || (entry.K == 0 && !entry.MeasuredFirst) ? null : Due(entry, entry.K));
        }

        return taken;
    }

    /// <summary>The probe of a target is over: it waits for its next slot.</summary>
    public void Finished(int id, long now)
    {
        if (Get(id) is not { } entry)
        {
            return;
        }

        entry.Running = false;
        if (!entry.Reprobe || entry.ReprobeTakesSlot)
        {
            entry.K = NextSlot(entry, now);
        }

        entry.Reprobe = false;
        entry.ReprobeTakesSlot = false;
        Enqueue(id, entry, Due(entry, entry.K));
    }

    /// <summary>
    /// Hold mode: the collector dropped its held connection. It is probed again at once, as the rate rule allows; when
    /// that is less than a second before its next regular probe, the re-probe is that probe (which it would otherwise
    /// push back), and when it is after it, the regular probe is all there is.
    /// </summary>
    public void Dropped(int id, long now)
    {
        if (Get(id) is not { Running: false } entry)
        {
            return;
        }

        var earliest = Math.Max(now, spacing.Earliest(entry.Name));
        var next = Due(entry, entry.K);
        if (earliest < next)
        {
            entry.Reprobe = true;
            entry.ReprobeTakesSlot = earliest > next - spacing.MinimumTicks;
            Enqueue(id, entry, earliest);
        }
    }

    // When the k-th probe of a target is due (k = 0: its first).
    private long Due(Entry entry, long k) => k == 0 ? entry.Base : entry.Base + entry.Phase + (interval * k);

    // The slot after k; when that one is already more than an interval past, the latest slot that is due.
    private long NextSlot(Entry entry, long now)
    {
        var next = entry.K + 1;
        var behind = (now - Due(entry, next)) / interval;
        return behind > 0 ? next + behind : next;
    }

    // A probe of the regular cadence: not a first probe, not a re-probe.
    private static bool Regular(Entry entry) => entry.K > 0 && !entry.Reprobe;

    private long Earliest(Entry entry) => spacing.Earliest(entry.Name, Regular(entry) ? tick : 0);

    private void Enqueue(int id, Entry entry, long due)
    {
        entry.Stamp = ++stamps;
        waiting.Enqueue((id, entry.Stamp), (Math.Max(due, Earliest(entry)), entry.Stamp));
    }

    private Entry? Get(int id) => id < entries.Count ? entries[id] : null;

    // The entry an item of the queue stands for, unless it was enqueued again, started or removed since.
    private Entry? Waiting((int Id, long Stamp) item) => Get(item.Id) is { Running: false } entry && entry.Stamp == item.Stamp ? entry : null;

    private sealed class Entry(string name)
    {
        public readonly string Name = name;
        public long Base;
        public long Phase;
        public long K;
        public long Stamp;
        public bool MeasuredFirst;
        public bool Reprobe;
        public bool ReprobeTakesSlot;
        public bool Running;
    }
}
