using LogCollectorExporter.Probing;
using Microsoft.Extensions.Time.Testing;

namespace LogCollectorExporter.Tests;

/// <summary>The schedule under a fake clock: every due time is checked exactly.</summary>
public sealed class ScheduleTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(60);
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 11, 27, 0, 0, 0, TimeSpan.Zero));
    private readonly ProbeSpacing spacing;

    public ScheduleTests()
    {
        spacing = new ProbeSpacing(Ticks(ProbeSpacing.Minimum));
    }

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
        FinishAll(schedule);

        // Collector i is due at start + i/4 of the interval + k intervals.
        AssertProbedInTurn(schedule, start, (0, 60), (1, 75), (2, 90), (3, 105), (0, 120), (1, 135));
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

        time.Advance(TimeSpan.FromSeconds(5));
        schedule.Dropped(0, Now);
        Assert.Equal([(0, (long?)null)], Take(schedule, 10));
        schedule.Finished(0, Now);

        // Dropped again at once: the next probe waits for a second after the last re-probe.
        time.Advance(TimeSpan.FromMilliseconds(300));
        schedule.Dropped(0, Now);
        Assert.Empty(Take(schedule, 10));
        Assert.Equal(start + Ticks(TimeSpan.FromSeconds(6)), schedule.NextWake);
        time.Advance(TimeSpan.FromMilliseconds(700));
        Assert.Equal([(0, (long?)null)], Take(schedule, 10));
        schedule.Finished(0, Now);

        // Re-probes do not move the regular cadence.
        Assert.Equal(start + Ticks(Interval), schedule.NextWake);
    }

    [Fact]
    public void A_drop_right_after_the_first_probe_waits_a_second_for_its_re_probe()
    {
        var start = Now;
        var schedule = New(1);
        Take(schedule, 10);
        schedule.Finished(0, Now);

        schedule.Dropped(0, Now);

        Assert.Empty(Take(schedule, 10));
        Assert.Equal(start + Ticks(TimeSpan.FromSeconds(1)), schedule.NextWake);
    }

    [Fact]
    public void A_drop_less_than_a_second_before_the_regular_probe_is_probed_at_once_in_that_probe_s_slot()
    {
        var start = Now;
        var schedule = New(1, interval: TimeSpan.FromSeconds(10));
        Take(schedule, 10);
        schedule.Finished(0, Now);
        time.Advance(TimeSpan.FromMilliseconds(9_500));

        // The regular probe, due at 10 s, would have to wait until 10.5 s: the re-probe at once is that probe.
        schedule.Dropped(0, Now);
        Assert.Equal([(0, (long?)null)], Take(schedule, 10));
        schedule.Finished(0, Now);
        Assert.Equal(start + Ticks(TimeSpan.FromSeconds(20)), schedule.NextWake);

        // Dropped again at 9.7 s: re-probed a second after the last start, and the cadence goes on at 20 s.
        time.Advance(TimeSpan.FromMilliseconds(200));
        schedule.Dropped(0, Now);
        Assert.Equal(start + Ticks(TimeSpan.FromMilliseconds(10_500)), schedule.NextWake);
        time.Advance(TimeSpan.FromMilliseconds(800));
        Assert.Equal([(0, (long?)null)], Take(schedule, 10));
        schedule.Finished(0, Now);
        Assert.Equal(start + Ticks(TimeSpan.FromSeconds(20)), schedule.NextWake);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void At_an_interval_of_a_second_the_rate_rule_does_not_make_the_cadence_drift(bool droppedAfterEachProbe)
    {
        // Each probe starts 3 ms after its wake-up is due. Held to a full second after each actual start, every probe
        // would start later than the one before, and rounded up to the next 50 ms of the grid at that. A connection
        // dropped 100 ms after each probe changes nothing: a re-probe could come no sooner than the next regular probe.
        var start = Now;
        var schedule = New(1, TimeSpan.FromSeconds(1), tick: TimeSpan.FromMilliseconds(50));
        for (var k = 0; k <= 300; k++)
        {
            var due = start + Ticks(TimeSpan.FromSeconds(k));
            Assert.Equal(due, schedule.NextWake);
            time.Advance(TimeSpan.FromTicks(Elapsed(due - Now)) + TimeSpan.FromMilliseconds(3));
            Assert.Equal([(0, (long?)due)], Take(schedule, 10));
            schedule.Finished(0, Now);
            if (droppedAfterEachProbe)
            {
                time.Advance(TimeSpan.FromMilliseconds(100));
                schedule.Dropped(0, Now);
            }
        }
    }

    [Fact]
    public void A_batch_added_later_is_due_at_once_then_spread_over_the_interval_after_its_first_probe()
    {
        var start = Now;
        var schedule = New(2);
        FinishAll(schedule);
        time.Advance(TimeSpan.FromSeconds(7));

        schedule.Add([(2, "c2"), (3, "c3")], Now, measured: false);

        // Their first probes are not part of a cadence yet: no due time to measure lateness against.
        Assert.Equal([(2, (long?)null), (3, (long?)null)], Take(schedule, 10).OrderBy(t => t.Id));
        schedule.Finished(2, Now);
        schedule.Finished(3, Now);
        AssertProbedInTurn(schedule, start, (0, 60), (2, 67), (1, 90), (3, 97), (0, 120), (2, 127));
    }

    [Fact]
    public void A_removed_target_is_never_due_again_even_when_its_probe_ends_later()
    {
        var start = Now;
        var schedule = New(2);
        Take(schedule, 10);
        schedule.Finished(0, Now);

        schedule.Remove(1);
        schedule.Finished(1, Now);
        schedule.Dropped(1, Now);

        AssertProbedInTurn(schedule, start, (0, 60), (0, 120), (0, 180));
    }

    [Fact]
    public void A_name_removed_and_added_back_is_not_probed_again_within_a_second_of_its_last_start()
    {
        var start = Now;
        var schedule = New(1);
        Take(schedule, 10);
        schedule.Remove(0);
        time.Advance(TimeSpan.FromMilliseconds(300));

        // Under another id, as a reload gives it, but the same name.
        schedule.Add([(1, "c0")], Now, measured: false);

        Assert.Empty(Take(schedule, 10));
        Assert.Equal(start + Ticks(TimeSpan.FromSeconds(1)), schedule.NextWake);
        time.Advance(TimeSpan.FromMilliseconds(700));
        Assert.Equal([(1, (long?)null)], Take(schedule, 10));
    }

    [Fact]
    public void With_an_interval_under_a_second_a_target_is_still_probed_at_most_once_a_second()
    {
        // The configuration does not allow it, and the rule does not rely on that.
        var schedule = New(1, interval: TimeSpan.FromMilliseconds(100));
        var starts = new List<long>();
        for (var step = 0; step < 500; step++)
        {
            foreach (var (id, _) in Take(schedule, 10))
            {
                starts.Add(Now);
                schedule.Finished(id, Now);
            }

            time.Advance(TimeSpan.FromMilliseconds(10));
        }

        Assert.Equal(5, starts.Count);
        Assert.All(starts.Zip(starts.Skip(1)), pair => Assert.True(pair.Second - pair.First >= Ticks(ProbeSpacing.Minimum)));
    }

    [Fact]
    public void Wake_ups_are_coalesced_on_a_grid_of_the_tick()
    {
        // 1,000 collectors over 10 s: one due every 10 ms; with a 50 ms tick, five start in each wake-up, none more than 50 ms late.
        var start = Now;
        var tick = Ticks(TimeSpan.FromMilliseconds(50));
        var schedule = New(1000, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(50));
        FinishAll(schedule);

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

    private Schedule New(int count, TimeSpan? interval = null, TimeSpan? tick = null)
    {
        var schedule = new Schedule(Ticks(interval ?? Interval), Ticks(tick ?? TimeSpan.Zero), spacing);
        schedule.Add([.. Enumerable.Range(0, count).Select(id => (id, $"c{id}"))], Now, measured: true);
        return schedule;
    }

    // Wakes up when the schedule says, and finds exactly the next of these probes due (target, seconds after start).
    private void AssertProbedInTurn(Schedule schedule, long start, params (int Id, int Seconds)[] turns)
    {
        foreach (var (id, seconds) in turns)
        {
            var due = start + Ticks(TimeSpan.FromSeconds(seconds));
            Assert.Equal(due, schedule.NextWake);
            time.Advance(TimeSpan.FromTicks(Elapsed(due - Now)));
            Assert.Equal([(id, (long?)due)], Take(schedule, 10));
            schedule.Finished(id, Now);
        }
    }

    private void FinishAll(Schedule schedule)
    {
        foreach (var (id, _) in Take(schedule, 10_000))
        {
            schedule.Finished(id, Now);
        }
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * time.TimestampFrequency);

    private long Elapsed(long ticks) => time.GetElapsedTime(0, ticks).Ticks;
}
