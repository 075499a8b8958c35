namespace LogCollectorExporter.Probing;

/// <summary>
/// When each collector is to be probed: the first probe at start, then the k-th at start + phase + k·interval, where
/// the phases spread the collectors evenly over the interval. Due times are computed from the start, so lateness never
/// accumulates; a slot missed by more than an interval is skipped rather than made up in a burst. In hold mode a
/// collector whose held connection dropped is due again at once, but not more often than once a
/// <see cref="ReprobeSpacing"/>. Pure: times are <see cref="TimeProvider.GetTimestamp"/> ticks, given by the caller.
/// </summary>
public sealed class Schedule
{
    public static readonly TimeSpan ReprobeSpacing = TimeSpan.FromSeconds(1);

    private readonly Entry[] entries;
    private readonly PriorityQueue<(int Id, int Version), long> waiting = new();
    private readonly long start;
    private readonly long interval;
    private readonly long tick;
    private readonly long spacing;

    /// <param name="start">When probing starts: every first probe is due then.</param>
    /// <param name="interval">The probe interval, in ticks.</param>
    /// <param name="count">How many collectors.</param>
    /// <param name="tick">
    /// Wake-ups are rounded up to a grid of this many ticks, so that probes due close together start in one wake-up
    /// (each one costs CPU); a probe then starts up to this much late. Zero: exactly on time.
    /// </param>
    /// <param name="ticksPerSecond">The clock's frequency (<see cref="TimeProvider.TimestampFrequency"/>).</param>
    public Schedule(long start, long interval, int count, long tick, long ticksPerSecond)
    {
        this.start = start;
        this.interval = interval;
        this.tick = tick;
        spacing = (long)(ReprobeSpacing.TotalSeconds * ticksPerSecond);
        entries = new Entry[count];
        for (var id = 0; id < count; id++)
        {
            entries[id] = new Entry { Phase = interval * id / count, LastReprobe = long.MinValue / 2 };
            Enqueue(id, start, reprobe: false);
        }
    }

    public int Count => entries.Length;

    /// <summary>When to wake up next to start a probe (rounded up to the tick grid); <see cref="long.MaxValue"/> when none is waiting.</summary>
    public long NextWake
    {
        get
        {
            while (waiting.TryPeek(out var item, out var due))
            {
                if (entries[item.Id].Version == item.Version)
                {
                    return tick <= 0 || due <= start ? due : start + ((due - start + tick - 1) / tick * tick);
                }

                waiting.Dequeue();
            }

            return long.MaxValue;
        }
    }

    /// <summary>
    /// Takes up to <paramref name="into"/>.Length probes that are due at <paramref name="now"/>, earliest first; they run
    /// until <see cref="Finished"/>. Returns how many were taken. Each comes with when it was due (for the schedule lag),
    /// or null for a re-probe after a dropped connection.
    /// </summary>
    public int TakeDue(long now, Span<(int Id, long? Due)> into)
    {
        var taken = 0;
        while (taken < into.Length && waiting.TryPeek(out var item, out var due) && due <= now)
        {
            waiting.Dequeue();
            var entry = entries[item.Id];
            if (entry.Version != item.Version)
            {
                continue;
            }

            entry.Version++;
            entry.Running = true;
            into[taken++] = (item.Id, entry.Reprobe ? null : due);
            if (entry.Reprobe)
            {
                entry.LastReprobe = now;
            }
        }

        return taken;
    }

    /// <summary>The probe of a collector is over: it waits for its next slot.</summary>
    public void Finished(int id, long now)
    {
        var entry = entries[id];
        entry.Running = false;
        if (!entry.Reprobe)
        {
            entry.K = NextSlot(entry, now);
        }

        entry.Reprobe = false;
        Enqueue(id, Due(entry, entry.K), reprobe: false);
    }

    /// <summary>Hold mode: the collector dropped its held connection; probe it again at once, at most once a second.</summary>
    public void Dropped(int id, long now)
    {
        var entry = entries[id];
        if (entry.Running)
        {
            return;
        }

        var earliest = Math.Max(now, entry.LastReprobe + spacing);
        if (earliest < Due(entry, entry.K))
        {
            Enqueue(id, earliest, reprobe: true);
        }
    }

    /// <summary>When the k-th probe of a collector is due.</summary>
    public long Due(int id, long k) => Due(entries[id], k);

    private long Due(Entry entry, long k) => k == 0 ? start : start + entry.Phase + (interval * k);

    // The slot after k; when that one is already more than an interval past, the latest slot that is due.
    private long NextSlot(Entry entry, long now)
    {
        var next = entry.K + 1;
        var behind = (now - Due(entry, next)) / interval;
        return behind > 0 ? next + behind : next;
    }

    private void Enqueue(int id, long due, bool reprobe)
    {
        var entry = entries[id];
        entry.Version++;
        entry.Reprobe = reprobe;
        waiting.Enqueue((id, entry.Version), due);
    }

    private sealed class Entry
    {
        public long Phase;
        public long K;
        public long LastReprobe;
        public int Version;
        public bool Reprobe;
        public bool Running;
    }
}
