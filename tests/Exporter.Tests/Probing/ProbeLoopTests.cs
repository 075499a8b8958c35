using LogCollectorExporter.Configuration;
using LogCollectorExporter.Probing;
using LogCollectorExporter.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace LogCollectorExporter.Tests;

/// <summary>The probe engine's decisions under a fake clock: what a reload keeps, adds and removes, the rate rule, deadlines, wake-ups.</summary>
public sealed class ProbeLoopTests
{
    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 11, 27, 0, 0, 0, TimeSpan.Zero));
    private readonly ProbeLoop loop;

    public ProbeLoopTests()
    {
        loop = new ProbeLoop(time.TimestampFrequency);
    }

    private long Now => time.GetTimestamp();

    [Fact]
    public void The_start_makes_every_first_probe_due_at_once_and_measures_its_lateness()
    {
        var changes = Apply("", ("c1", 1), ("c2", 2), ("c3", 3));

        Assert.Equal([0, 1, 2], changes.Added);
        Assert.Empty(changes.Removed);
        Assert.Equal([(0, (long?)Now), (1, Now), (2, Now)], Take());
        Assert.Equal(3, loop.InFlight);
        Assert.Equal(3, loop.WithoutResult);
    }

    [Fact]
    public void A_reload_with_the_same_targets_keeps_their_schedule_and_held_connections_and_probes_nothing()
    {
        var start = Now;
        Apply("mode: hold", ("c1", 1), ("c2", 2));
        foreach (var id in ConnectDue())
        {
            loop.Finished(id, Now, held: true);
        }

        time.Advance(TimeSpan.FromSeconds(5));
        var next = Config("mode: hold", ("c1", 1, "0001"), ("c2", 2, "0002"));
        var changes = loop.Apply(next.Collectors, next.Probe, Now);

        Assert.Empty(changes.Added);
        Assert.Empty(changes.Removed);
        Assert.Equal([ProbeStage.Held, ProbeStage.Held], [loop.Stage(0), loop.Stage(1)]);
        Assert.Same(next.Collectors[0], loop.Target(0));
        Assert.Equal("0002", loop.Target(1).Serial);
        Assert.Empty(Take());
        Assert.Equal(start + Ticks(TimeSpan.FromSeconds(60)), loop.NextWake(Now));
    }

    [Fact]
    public void A_reload_keeps_a_probe_in_flight_of_a_target_it_does_not_change()
    {
        Apply("", ("c1", 1));
        ConnectDue();
        var generation = loop.Generation(0);

        Apply("", ("c1", 1), ("c2", 2));

        Assert.True(loop.IsCurrent(0, generation, ProbeStage.Connecting));
        Assert.Equal([(1, (long?)null)], Take());
        Assert.Equal(2, loop.InFlight);
    }

    [Fact]
    public void A_new_target_is_due_at_once_and_its_first_probe_is_not_measured()
    {
        Apply("", ("c1", 1));
        Finish(Take());
        time.Advance(TimeSpan.FromSeconds(5));

        var changes = Apply("", ("c1", 1), ("c2", 2));

        Assert.Equal([1], changes.Added);
        Assert.Empty(changes.Removed);
        Assert.Equal([(1, (long?)null)], Take());
    }

    [Fact]
    public void A_changed_endpoint_is_a_new_target_due_at_once_and_the_old_probe_is_forgotten()
    {
        Apply("", ("c1", 1));
        ConnectDue();
        var generation = loop.Generation(0);
        time.Advance(TimeSpan.FromSeconds(2));

        var changes = Apply("", ("c1", 4000));

        Assert.Equal([0], changes.Removed);
        Assert.Equal([1], changes.Added);
        Assert.False(loop.IsCurrent(0, generation, ProbeStage.Connecting));
        Assert.Equal((0, 0), (loop.InFlight, loop.ConnectsInFlight));
        Assert.Equal(4000, loop.Target(1).Port);
        Assert.Equal([(1, (long?)null)], Take());
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.False(loop.TryTakeExpired(Now, out _));
    }

    [Fact]
    public void A_removed_target_is_forgotten_with_its_probe_in_flight_and_its_counts()
    {
        Apply("", ("c1", 1), ("c2", 2));
        Take();
        var resolving = loop.Generation(1);

        var changes = Apply("", ("c1", 1));

        Assert.Equal([1], changes.Removed);
        Assert.Empty(changes.Added);
        Assert.False(loop.IsCurrent(1, resolving, ProbeStage.Resolving));
        Assert.Equal((1, 1), (loop.InFlight, loop.WithoutResult));
    }

    [Theory]
    [InlineData("interval: 30s")]
    [InlineData("timeout: 2s")]
    [InlineData("mode: hold")]
    [InlineData("close: rst")]
    [InlineData("ipFamily: any")]
    [InlineData("sourceAddress: 127.0.0.5")]
    public void A_change_of_a_setting_that_shapes_the_probes_changes_every_target(string setting)
    {
        Apply("", ("c1", 1), ("c2", 2));
        Finish(Take());
        time.Advance(TimeSpan.FromSeconds(5));

        var changes = Apply(setting, ("c1", 1), ("c2", 2));

        Assert.Equal([0, 1], changes.Removed.Order());
        Assert.Equal([2, 3], changes.Added.Order());
        Assert.Equal([(2, (long?)null), (3, null)], Take());
    }

    [Fact]
    public void A_change_of_max_concurrency_alone_keeps_every_target_and_takes_effect_at_once()
    {
        Apply("maxConcurrency: 1", ("c1", 1), ("c2", 2), ("c3", 3));
        Assert.Single(Take());

        var changes = Apply("maxConcurrency: 3", ("c1", 1), ("c2", 2), ("c3", 3));

        Assert.Empty(changes.Added);
        Assert.Empty(changes.Removed);
        Assert.Equal(2, Take().Count);
    }

    [Fact]
    public void An_id_a_reload_frees_is_not_given_again_by_the_same_reload()
    {
        Apply("", ("c1", 1));

        var swapped = Apply("", ("c2", 2));
        var grown = Apply("", ("c2", 2), ("c3", 3));

        Assert.Equal([0], swapped.Removed);
        Assert.Equal([1], swapped.Added);
        Assert.Equal([0], grown.Added);
    }

    [Fact]
    public void A_name_removed_and_added_back_waits_a_second_after_its_last_connect()
    {
        var started = Now;
        Apply("", ("c1", 1));
        Take();
        time.Advance(TimeSpan.FromMilliseconds(600));
        var connected = Now;
        loop.Connecting(0, Now);
        loop.Finished(0, Now, held: false);

        Apply("");
        time.Advance(TimeSpan.FromMilliseconds(500));
        Apply("", ("c1", 1));

        Assert.Empty(Take());
        Assert.Equal(connected + Ticks(ProbeSpacing.Minimum), loop.NextWake(Now));
        Assert.True(loop.NextWake(Now) > started + Ticks(ProbeSpacing.Minimum));
    }

    [Fact]
    public void A_storm_of_reloads_drops_and_probes_never_starts_a_name_twice_within_a_second()
    {
        // Reloads that keep, change, remove and add back targets and change the settings; drops of held connections;
        // names that take a while to resolve; handshakes that end at once, later, or time out. Whatever the order, each
        // name's probe starts, and its connects, stay a second apart; a probe of the regular cadence, a second less the
        // coalescing tick.
        ExporterConfig[] variants =
        [
            Config("interval: 2s, timeout: 1s", ("c1", 1, ""), ("c2", 2, "")),
            Config("interval: 2s, timeout: 1s", ("c1", 3, ""), ("c2", 2, "")),
            Config("interval: 2s, timeout: 1s", ("c1", 1, "")),
            Config("interval: 2s, timeout: 500ms", ("c1", 1, ""), ("c2", 2, "")),
            Config("interval: 2s, timeout: 1s, mode: hold", ("c2", 2, ""), ("c1", 1, "")),
        ];
        var random = new Random(8);
        var (starts, connects) = (new Dictionary<string, List<(long At, bool Regular)>>(), new Dictionary<string, List<(long At, bool Regular)>>());
        var (resolving, connecting, held) = (new List<(int Id, int Generation)>(), new List<(int Id, int Generation)>(), new List<(int Id, int Generation)>());
        var regular = new HashSet<(int Id, int Generation)>();
        Apply(variants[0]);
        for (var step = 0; step < 20_000; step++)
        {
            time.Advance(TimeSpan.FromMilliseconds(random.Next(0, 60)));
            // Now and then, a burst of up to 20 reloads at the same instant.
            for (var burst = random.Next(40) == 0 ? random.Next(1, 21) : 0; burst > 0; burst--)
            {
                Apply(variants[random.Next(variants.Length)]);
            }

            resolving.RemoveAll(p => !loop.IsCurrent(p.Id, p.Generation, ProbeStage.Resolving));
            connecting.RemoveAll(p => !loop.IsCurrent(p.Id, p.Generation, ProbeStage.Connecting));
            held.RemoveAll(p => !loop.IsCurrent(p.Id, p.Generation, ProbeStage.Held));
            foreach (var (id, due) in Take())
            {
                var probe = (id, loop.Generation(id));
                if (due is not null)
                {
                    regular.Add(probe);
                }

                Record(starts, probe);
                resolving.Add(probe);
            }

            foreach (var probe in resolving.Where(_ => random.Next(2) == 0).ToArray())
            {
                resolving.Remove(probe);
                loop.Connecting(probe.Id, Now);
                Record(connects, probe);
                connecting.Add(probe);
            }

            foreach (var probe in connecting.Where(_ => random.Next(3) == 0).ToArray())
            {
                connecting.Remove(probe);
                var hold = loop.Settings.Mode == ProbeMode.Hold;
                loop.Finished(probe.Id, Now, hold);
                if (hold)
                {
                    held.Add(probe);
                }
            }

            while (loop.TryTakeExpired(Now, out var expired))
            {
                connecting.RemoveAll(p => p.Id == expired);
                loop.Finished(expired, Now, held: false);
            }

            foreach (var probe in held.Where(_ => random.Next(5) == 0).ToArray())
            {
                held.Remove(probe);
                loop.Dropped(probe.Id, Now);
            }
        }

        foreach (var (what, names) in new[] { ("probe", starts), ("connect", connects) })
        {
            Assert.Equal(["c1", "c2"], names.Keys.Order());
            Assert.All(names, name =>
            {
                Assert.True(name.Value.Count > 100, $"{name.Key}: only {name.Value.Count} of its {what}s started");
                Assert.Contains(name.Value, e => e.Regular);
                Assert.All(name.Value.Zip(name.Value.Skip(1)), pair =>
                {
                    var allowed = Ticks(ProbeSpacing.Minimum) - (pair.Second.Regular ? Ticks(ProbeLoop.Coalescing) : 0);
                    Assert.True(pair.Second.At - pair.First.At >= allowed,
                        $"{name.Key}: a {what} started {time.GetElapsedTime(pair.First.At, pair.Second.At).TotalMilliseconds} ms after the last");
                });
            });
        }

        void Record(Dictionary<string, List<(long At, bool Regular)>> events, (int Id, int Generation) probe)
        {
            var name = loop.Target(probe.Id).Name;
            if (!events.TryGetValue(name, out var list))
            {
                events[name] = list = [];
            }

            list.Add((Now, regular.Contains(probe)));
        }
    }

    [Fact]
    public void A_connect_that_outlives_its_timeout_expires_once_and_one_that_ended_never()
    {
        var connected = Now;
        Apply("timeout: 5s", ("c1", 1), ("c2", 2));
        ConnectDue();

        time.Advance(TimeSpan.FromSeconds(1));
        loop.Finished(0, Now, held: false);
        time.Advance(TimeSpan.FromMilliseconds(3_999));
        Assert.False(loop.TryTakeExpired(Now, out _));
        Assert.Equal(connected + Ticks(TimeSpan.FromSeconds(5)), loop.NextWake(Now));

        time.Advance(TimeSpan.FromMilliseconds(1));

        Assert.True(loop.TryTakeExpired(Now, out var expired));
        Assert.Equal(1, expired);
        Assert.False(loop.TryTakeExpired(Now, out _));
    }

    [Fact]
    public void The_engine_sleeps_until_the_next_probe_and_collects_handshakes_sooner_until_every_target_has_a_result()
    {
        var start = Now;
        Apply("timeout: 5s", ("c1", 1), ("c2", 2));
        ConnectDue();

        // Connects in flight, and targets without a result: the next collection is 5 ms away.
        Assert.Equal(Now + Ticks(ProbeLoop.FirstCollection), loop.NextWake(Now));
        Assert.Equal(5, loop.WaitMilliseconds(Now));
        loop.Finished(0, Now, held: false);
        Assert.Equal(Now + Ticks(ProbeLoop.FirstCollection), loop.NextWake(Now));

        loop.Finished(1, Now, held: false);

        // Nothing in flight: asleep until c1's next probe at 60 s (c2's phase puts it at 90 s).
        Assert.Equal(start + Ticks(TimeSpan.FromSeconds(60)), loop.NextWake(Now));
        Assert.Equal(60_000, loop.WaitMilliseconds(Now));
        time.Advance(TimeSpan.FromMilliseconds(10_000.5));
        Assert.Equal(50_000, loop.WaitMilliseconds(Now));
    }

    [Fact]
    public void Once_every_target_has_a_result_handshakes_are_collected_every_200_ms()
    {
        Apply("", ("c1", 1), ("c2", 2));
        Finish(Take());
        time.Advance(TimeSpan.FromSeconds(60));
        ConnectDue();

        Assert.Equal(Now + Ticks(ProbeLoop.Collection), loop.NextWake(Now));
    }

    [Fact]
    public void With_every_probe_slot_taken_the_engine_does_not_wake_for_the_probes_that_wait()
    {
        Apply("maxConcurrency: 1", ("c1", 1), ("c2", 2));

        Assert.Single(Take());

        Assert.Equal(long.MaxValue, loop.NextWake(Now));
        Assert.Equal((int)ProbeLoop.LongestSleep.TotalMilliseconds, loop.WaitMilliseconds(Now));
    }

    [Fact]
    public void A_dropped_held_connection_makes_the_target_due_at_once_without_measuring_it()
    {
        Apply("mode: hold", ("c1", 1));
        var id = Assert.Single(ConnectDue());
        loop.Finished(id, Now, held: true);
        time.Advance(TimeSpan.FromSeconds(5));

        loop.Dropped(id, Now);

        Assert.Equal(ProbeStage.Idle, loop.Stage(id));
        Assert.Equal([(id, (long?)null)], Take());
    }

    [Fact]
    public void A_probe_abandoned_after_a_fault_counts_as_finished_and_the_target_stays_scheduled()
    {
        var start = Now;
        Apply("mode: hold", ("c1", 1), ("c2", 2));
        ConnectDue();
        loop.Finished(1, Now, held: true);

        Assert.True(loop.Abandon(0, Now));
        Assert.False(loop.Abandon(1, Now));

        Assert.Equal((0, 0, 0), (loop.InFlight, loop.ConnectsInFlight, loop.WithoutResult));
        Assert.Equal([ProbeStage.Idle, ProbeStage.Idle], [loop.Stage(0), loop.Stage(1)]);
        Assert.Equal(start + Ticks(TimeSpan.FromSeconds(60)), loop.NextWake(Now));
    }

    private static ExporterConfig Config(string probe, params (string Name, int Port, string Serial)[] collectors) =>
        Configs.FromYaml(Configs.Group(probe, collectors.Select(c => Configs.Collector(c.Name, c.Port, c.Serial))));

    // No collectors at all: a configuration cannot say that, a reload to the same settings can.
    private TargetChanges Apply(string probe, params (string Name, int Port)[] collectors) =>
        collectors.Length == 0
            ? loop.Apply([], loop.Settings, Now)
            : Apply(Config(probe, [.. collectors.Select(c => (c.Name, c.Port, ""))]));

    private TargetChanges Apply(ExporterConfig config) => loop.Apply(config.Collectors, config.Probe, Now);

    private List<(int Id, long? Due)> Take()
    {
        var into = new (int, long?)[100];
        return [.. into.AsSpan(0, loop.TakeDue(Now, into)).ToArray()];
    }

    // The due probes start and call connect() (their addresses are IP literals).
    private List<int> ConnectDue()
    {
        List<int> ids = [.. Take().Select(t => t.Id)];
        foreach (var id in ids)
        {
            loop.Connecting(id, Now);
        }

        return ids;
    }

    private void Finish(List<(int Id, long? Due)> taken)
    {
        foreach (var (id, _) in taken)
        {
            loop.Finished(id, Now, held: false);
        }
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * time.TimestampFrequency);
}
