using LogCollectorExporter.Certificates;
using LogCollectorExporter.Configuration;
using Microsoft.Extensions.Time.Testing;

namespace LogCollectorExporter.Tests;

/// <summary>When certificates are checked: at most once per interval per collector, spread, whatever reloads do. On a fake clock.</summary>
public sealed class CertificateScheduleTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromHours(1);
    private static readonly CertificateCheckSettings On = new(true, Interval, TimeSpan.FromSeconds(5));

    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 12, 7, 0, 0, 0, TimeSpan.Zero));
    private readonly CertificateSchedule schedule;
    private readonly Dictionary<string, List<DateTimeOffset>> starts = [];

    public CertificateScheduleTests() => schedule = new CertificateSchedule(time.TimestampFrequency);

    [Fact]
    public void Each_collector_is_checked_once_at_the_start_then_once_per_interval_spread_over_it()
    {
        var collectors = Collectors(4);
        schedule.Apply(collectors, On, time.GetTimestamp());

        Run(TimeSpan.FromHours(5) + TimeSpan.FromMinutes(1));

        Assert.All(collectors, c => AtMostOncePerInterval(c.Name));
        Assert.Equal([6, 5, 5, 5], collectors.Select(c => starts[c.Name].Count));
        // After the first round, the second ones fall a quarter of the interval apart.
        Assert.Equal([60, 75, 90, 105], collectors.Select(c => (starts[c.Name][1] - starts[c.Name][0]).TotalMinutes));
    }

    [Fact]
    public void A_reload_checks_new_and_changed_collectors_at_once_and_no_other()
    {
        var collectors = Collectors(3);
        schedule.Apply(collectors, On, time.GetTimestamp());
        Run(TimeSpan.FromMinutes(10));

        var moved = collectors[1] with { Port = 4000 };
        var removed = schedule.Apply([collectors[0], moved, new CollectorConfig("c4", "127.0.0.4", 3978, "")], On, time.GetTimestamp());
        Run(TimeSpan.FromMinutes(1));

        Assert.Equal(["c2", "c3"], removed.Select(c => c.Name));
        Assert.Single(starts["c1"]);
        Assert.Equal(2, starts["c2"].Count);
        Assert.Single(starts["c4"]);
    }

    [Fact]
    public void A_collector_removed_and_added_back_or_a_new_interval_does_not_bring_a_check_sooner_than_an_interval()
    {
        var collectors = Collectors(2);
        schedule.Apply(collectors, On, time.GetTimestamp());
        Run(TimeSpan.FromMinutes(5));

        schedule.Apply([collectors[0]], On, time.GetTimestamp());
        Run(TimeSpan.FromMinutes(5));
        schedule.Apply(collectors, On with { Interval = TimeSpan.FromMinutes(30) }, time.GetTimestamp());
        Run(TimeSpan.FromMinutes(5));
        schedule.Apply(collectors, On with { Interval = TimeSpan.FromHours(2) }, time.GetTimestamp());
        Run(TimeSpan.FromHours(3));

        Assert.Equal([0, 120], starts["c1"].Select(at => (at - starts["c1"][0]).TotalMinutes));
        Assert.Equal([0, 120], starts["c2"].Select(at => (at - starts["c2"][0]).TotalMinutes));
    }

    [Fact]
    public void With_the_check_off_nothing_is_due_and_every_collector_is_removed()
    {
        var collectors = Collectors(2);
        schedule.Apply(collectors, On, time.GetTimestamp());
        Run(TimeSpan.FromMinutes(1));

        var removed = schedule.Apply(collectors, On with { Enabled = false }, time.GetTimestamp());
        Run(TimeSpan.FromHours(3));

        Assert.Equal(["c1", "c2"], removed.Select(c => c.Name));
        Assert.All(starts.Values, s => Assert.Single(s));
        Assert.Equal(long.MaxValue, schedule.NextWake);
    }

    private static List<CollectorConfig> Collectors(int count) =>
        [.. Enumerable.Range(1, count).Select(i => new CollectorConfig($"c{i}", $"127.0.0.{i}", 3978, ""))];

    // Advances the clock a second at a time, starting what is due (each check takes a second) as the service does.
    private void Run(TimeSpan span)
    {
        var end = time.GetUtcNow() + span;
        var running = new List<(int Id, int Generation)>();
        while (time.GetUtcNow() < end)
        {
            foreach (var (id, generation) in running)
            {
                schedule.Finished(id, generation, time.GetTimestamp());
            }

            running.Clear();
            foreach (var (id, generation, collector) in schedule.TakeDue(time.GetTimestamp(), CertificateChecks.MaxConcurrency - schedule.Running))
            {
                (starts.TryGetValue(collector.Name, out var list) ? list : starts[collector.Name] = []).Add(time.GetUtcNow());
                running.Add((id, generation));
            }

            time.Advance(TimeSpan.FromSeconds(1));
        }

        foreach (var (id, generation) in running)
        {
            schedule.Finished(id, generation, time.GetTimestamp());
        }
    }

    private void AtMostOncePerInterval(string collector)
    {
        var at = starts[collector];
        for (var i = 1; i < at.Count; i++)
        {
            Assert.True(at[i] - at[i - 1] >= Interval, $"{collector} checked at {at[i - 1]:HH:mm:ss} and again at {at[i]:HH:mm:ss}");
        }
    }
}
