using LogCollectorExporter.Configuration;
using LogCollectorExporter.Probing;

namespace LogCollectorExporter.Certificates;

/// <summary>
/// When each collector's certificate is checked: the probes' <see cref="Schedule"/> (a batch's first checks due at once,
/// the next ones spread over the interval), under a rate rule of one check per endpoint per interval
/// (<see cref="ProbeSpacing"/> with the interval as its minimum): whatever a reload does (a collector removed and added
/// back, a new interval), no collector sees two ClientHellos less than an interval apart. A reload keeps the schedule of
/// a collector whose name, address and port stay. Pure: times are <see cref="TimeProvider.GetTimestamp"/> ticks.
/// </summary>
internal sealed class CertificateSchedule(long ticksPerSecond)
{
    private readonly TargetTable<Target> targets = new(collector => new Target(collector));
    private readonly ProbeSpacing spacing = new(0);
    private Schedule? schedule;
    private TimeSpan interval;
    private int generations;

    public int Running { get; private set; }

    /// <summary>When the next check is due; <see cref="long.MaxValue"/> when none is.</summary>
    public long NextWake => schedule?.NextWake ?? long.MaxValue;

    /// <summary>
    /// Takes the collectors to check from now: none when the check is off. A new or changed one (another address or
    /// port) is due at once, as the rate rule allows.
    /// </summary>
    /// <returns>The collectors no longer checked as they were: removed, changed, or all of them when the check is turned off.</returns>
    public IReadOnlyList<CollectorConfig> Apply(IReadOnlyList<CollectorConfig> collectors, CertificateCheckSettings settings, long now)
    {
        var removed = new List<CollectorConfig>();
        var changes = targets.Apply(settings.Enabled ? collectors : [], keep: true, (id, target) =>
        {
            removed.Add(target.Config);
            Running -= target.Running ? 1 : 0;
            schedule?.Remove(id);
        });

        if (settings.Enabled && (schedule is null || settings.Interval != interval))
        {
            // A new interval: the last check of each endpoint still holds its next one back, by the new interval.
            interval = settings.Interval;
            spacing.MinimumTicks = Ticks(interval);
            schedule = new Schedule(Ticks(interval), 0, spacing);
            schedule.Add([.. targets.Ids.Except(changes.Added).Order().Select(Endpoint)], now, measured: false);
        }

        schedule?.Add([.. changes.Added.Select(Endpoint)], now, measured: false);
        return removed;
    }

    /// <summary>Takes up to <paramref name="room"/> checks due at <paramref name="now"/>: each collector, with the generation that its result must come back with.</summary>
    public List<(int Id, int Generation, CollectorConfig Collector)> TakeDue(long now, int room)
    {
        var taken = new List<(int, int, CollectorConfig)>();
        if (schedule is null || room <= 0)
        {
            return taken;
        }

        Span<(int Id, long? Due)> due = stackalloc (int, long?)[room];
        var count = schedule.TakeDue(now, due);
        foreach (var (id, _) in due[..count])
        {
            var target = targets.Get(id);
            target.Generation = ++generations;
            target.Running = true;
            Running++;
            taken.Add((id, target.Generation, target.Config));
        }

        return taken;
    }

    /// <summary>A check ended; returns the collector as configured now, or null when the check no longer counts (removed or changed since it started).</summary>
    public CollectorConfig? Finished(int id, int generation, long now)
    {
        if (targets.Find(id) is not { } target || target.Generation != generation || !target.Running)
        {
            return null;
        }

        target.Running = false;
        Running--;
        schedule!.Finished(id, now);
        return target.Config;
    }

    private (int Id, string Endpoint) Endpoint(int id) => (id, targets.Get(id).Config.Endpoint);

    private long Ticks(TimeSpan span) => Schedule.Ticks(span, ticksPerSecond);

    private sealed class Target(CollectorConfig config) : TableEntry(config)
    {
        public bool Running;
    }
}
