using LogCollectorExporter.Probing;
using Microsoft.Extensions.Time.Testing;

namespace LogCollectorExporter.Tests;

/// <summary>The schedule under a fake clock: every due time is checked exactly.</summary>
public sealed class ScheduleTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(60);
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 11, 27, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Every_collector_is_due_right_after_start()
    {
        var schedule = New(5);

        var taken = Take(schedule, 10);

        Assert.Equal([0, 1, 2, 3, 4], taken.Select(t => t.Id).Order());
        Assert.All(taken, t => Assert.Equal(Now, t.Due));
    }

    [Fact]
    public void The_cadence_does_not_drift_over_a_thousand_intervals_of_slow_probes()
    {
        // Each probe takes 37 ms; a schedule that counted the next interval from the end of a probe would be 37 s late by the end.
        var start = Now;
        var schedule = New(1);
        for (var k = 0; k <= 1000; k++)
        {
            var due = start + Ticks(Interval * k);
            Assert.Equal(due, schedule.NextWake);
            time.Advance(TimeSpan.FromTicks(Elapsed(due - Now)));
            Assert.Equal([(0, (long?)due)], Take(schedule, 10));
            time.Advance(TimeSpan.FromMilliseconds(37));
            schedule.Finished(0, Now);
        }
    }

    [Fact]
    public void Collectors_are_spread_over_the_interval_after_the_first_round()
    {
        var start = Now;
        var schedule = New(4);
        foreach (var (id, _) in Take(schedule, 10))
        {
            schedule.Finished(id, Now);
        }

        // Collector i is due at start + i/4 of the interval + k intervals.
        foreach (var (id, seconds) in new[] { (0, 60), (1, 75), (2, 90), (3, 105), (0, 120), (1, 135) })
        {
            var due = start + Ticks(TimeSpan.FromSeconds(seconds));
            Assert.Equal(due, schedule.NextWake);
            time.Advance(TimeSpan.FromTicks(Elapsed(due - Now)));
            Assert.Equal([(id, (long?)due)], Take(schedule, 10));
            schedule.Finished(id, Now);
        }
    }

    [Fact]
    public void A_probe_still_running_until_its_timeout_does_not_delay_another_collector()
    {
        var start = Now;
        var schedule = New(2, interval: TimeSpan.FromSeconds(10));
        Take(schedule, 10);
        schedule.Finished(1, Now);

        // Collector 0's first probe hangs until its 9 s timeout; collector 1 is due at 15 s and is not held up by it.
        time.Advance(TimeSpan.FromSeconds(9));
        Assert.Empty(Take(schedule, 10));
        time.Advance(TimeSpan.FromSeconds(6));
        Assert.Equal([(1, (long?)(start + Ticks(TimeSpan.FromSeconds(15))))], Take(schedule, 10));
    }

    [Fact]
    public void A_probe_that_waits_for_a_free_slot_keeps_its_due_time_so_its_lag_is_measured()
    {
        var start = Now;
        var schedule = New(2, interval: TimeSpan.FromSeconds(10));

        // One probe at a time: the second first probe, due at start, only gets to start when the first one ends, 9 s later.
        Assert.Single(Take(schedule, 1));
        time.Advance(TimeSpan.FromSeconds(9));
        schedule.Finished(0, Now);

        var (_, due) = Assert.Single(Take(schedule, 1));
        Assert.Equal(start, due);
        Assert.Equal(TimeSpan.FromSeconds(9), TimeSpan.FromTicks(Elapsed(Now - due!.Value)));
    }

    [Theory]
    [InlineData(9_000, 10)]
    [InlineData(14_000, 10)]
    [InlineData(25_001, 20)]
    [InlineData(35_000, 30)]
    [InlineData(47_000, 40)]
    public void Slots_missed_entirely_are_skipped_not_made_up_in_a_burst(int finishedAtMs, int nextDueSeconds)
    {
        // Interval 10 s. When a probe ends after its next slot, the next probe is the latest slot that is due (probed at
        // once, late), never one probe per missed slot.
        var start = Now;
        var schedule = New(1, interval: TimeSpan.FromSeconds(10));
        Take(schedule, 10);
        time.Advance(TimeSpan.FromMilliseconds(finishedAtMs));

        schedule.Finished(0, Now);

        Assert.Equal(start + Ticks(TimeSpan.FromSeconds(nextDueSeconds)), schedule.NextWake);
    }

    [Fact]
    public void A_dropped_connection_is_probed_again_at_once_but_at_most_once_a_second()
    {
        var start = Now;
        var schedule = New(1);
        Take(schedule, 10);
        schedule.Finished(0, Now);

        schedule.Dropped(0, Now);
        Assert.Equal([(0, (long?)null)], Take(schedule, 10));
        schedule.Finished(0, Now);

        // Dropped again at once: the next probe waits for a second after the last re-probe.
        time.Advance(TimeSpan.FromMilliseconds(300));
        schedule.Dropped(0, Now);
        Assert.Empty(Take(schedule, 10));
        Assert.Equal(start + Ticks(TimeSpan.FromSeconds(1)), schedule.NextWake);
        time.Advance(TimeSpan.FromMilliseconds(700));
        Assert.Equal([(0, (long?)null)], Take(schedule, 10));
        schedule.Finished(0, Now);

        // Re-probes do not move the regular cadence.
        Assert.Equal(start + Ticks(Interval), schedule.NextWake);
    }

    [Fact]
    public void A_drop_when_the_next_re_probe_would_come_after_the_regular_probe_waits_for_that_probe()
    {
        var schedule = New(1, interval: TimeSpan.FromSeconds(10));
        Take(schedule, 10);
        schedule.Finished(0, Now);
        time.Advance(TimeSpan.FromMilliseconds(9_500));
        schedule.Dropped(0, Now);
        Assert.Equal([(0, (long?)null)], Take(schedule, 10));
        schedule.Finished(0, Now);
        time.Advance(TimeSpan.FromMilliseconds(200));

        // Dropped again at 9.7 s: a re-probe could come at 10.5 s at the earliest, after the regular one at 10 s.
        schedule.Dropped(0, Now);

        Assert.Equal(schedule.Due(0, 1), schedule.NextWake);
        time.Advance(TimeSpan.FromMilliseconds(300));
        Assert.Equal([(0, (long?)schedule.Due(0, 1))], Take(schedule, 10));
    }

    [Fact]
    public void Wake_ups_are_coalesced_on_a_grid_of_the_tick()
    {
        // 1,000 collectors over 10 s: one due every 10 ms; with a 50 ms tick, five start in each wake-up, none more than 50 ms late.
        var start = Now;
        var tick = Ticks(TimeSpan.FromMilliseconds(50));
        var schedule = new Schedule(start, Ticks(TimeSpan.FromSeconds(10)), 1000, tick, time.TimestampFrequency);
        foreach (var (id, _) in Take(schedule, 1000))
        {
            schedule.Finished(id, Now);
        }

        var wake = schedule.NextWake;
        Assert.Equal(start + Ticks(TimeSpan.FromSeconds(10)), wake);
        time.Advance(TimeSpan.FromTicks(Elapsed(wake - Now)));
        Assert.Single(Take(schedule, 1000));

        wake = schedule.NextWake;
        Assert.Equal(start + Ticks(TimeSpan.FromSeconds(10)) + tick, wake);
        time.Advance(TimeSpan.FromTicks(Elapsed(wake - Now)));
        var taken = Take(schedule, 1000);
        Assert.Equal(5, taken.Count);
        Assert.All(taken, t => Assert.InRange(Now - t.Due!.Value, 0, tick - 1));
    }

    private long Now => time.GetTimestamp();

    private List<(int Id, long? Due)> Take(Schedule schedule, int max)
    {
        var into = new (int, long?)[max];
        return [.. into.AsSpan(0, schedule.TakeDue(Now, into)).ToArray()];
    }

    private Schedule New(int count, TimeSpan? interval = null) => new(Now, Ticks(interval ?? Interval), count, tick: 0, time.TimestampFrequency);

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * time.TimestampFrequency);

    private long Elapsed(long ticks) => time.GetElapsedTime(0, ticks).Ticks;
}
