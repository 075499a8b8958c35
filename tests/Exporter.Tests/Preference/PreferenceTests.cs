using LogCollectorExporter.Configuration;
using LogCollectorExporter.Preference;

namespace LogCollectorExporter.Tests;

public sealed class PreferenceTests
{
    /// <summary>
    /// Each case feeds the collectors' states in priority order, step by step ("U" up, "D" down, "?" not probed yet),
    /// and says where logs go after each step (indices, "-" for none) and how many failovers were counted in all.
    /// </summary>
    [Theory]
    [InlineData("immediate: priority 1 fails over to 2, and fails back", false, Failback.Immediate, "UU DU UU", "0 1 0", 2)]
    [InlineData("sticky: stays on 2 after priority 1 recovers", false, Failback.Sticky, "UU DU UU", "0 1 1", 1)]
    [InlineData("sticky: leaves its collector only when it goes down, then takes the highest up", false, Failback.Sticky, "UUU DUU DDU UDU UDD", "0 1 2 2 0", 3)]
    [InlineData("immediate: the highest-priority collector up, down the list", false, Failback.Immediate, "UUU DUU DDU DUU UUU", "0 1 2 1 0", 4)]
    [InlineData("all down: none, and no failover", false, Failback.Immediate, "DD DD", "- -", 0)]
    [InlineData("all down at start, then one comes up: the first choice is not a failover", false, Failback.Immediate, "DD DU UU", "- 1 0", 1)]
    [InlineData("an outage that comes back to the same collector is not a failover", false, Failback.Immediate, "UD DD UD", "0 - 0", 0)]
    [InlineData("an outage that comes back to another collector is one failover", false, Failback.Immediate, "UD DD DU", "0 - 1", 1)]
    [InlineData("a higher-priority collector not probed yet holds the decision", false, Failback.Immediate, "?U UU", "- 0", 0)]
    [InlineData("a lower-priority collector not probed yet does not", false, Failback.Immediate, "U? UU", "0 0", 0)]
    [InlineData("forward to all: every collector up", true, Failback.Immediate, "UUU UDU DDD UUU", "0,1,2 0,2 - 0,1,2", 2)]
    [InlineData("forward to all waits for every collector's first probe", true, Failback.Immediate, "U?U UDU", "- 0,2", 0)]
    [InlineData("forward to all ignores failback", true, Failback.Sticky, "UU DU UU", "0,1 1 0,1", 2)]
    public void Where_logs_go(string because, bool forwardToAll, Failback failback, string steps, string expected, int failovers)
    {
        var list = new PreferenceList(forwardToAll, failback);
        var counted = 0;
        var seen = new List<string>();
        foreach (var step in steps.Split(' '))
        {
            var states = step.Select(c => c switch { 'U' => CollectorState.Up, 'D' => CollectorState.Down, _ => CollectorState.Unknown }).ToArray();
            counted += list.Update(states) ? 1 : 0;
            seen.Add(list.Preferred.Count == 0 ? "-" : string.Join(",", list.Preferred));
        }

        Assert.True(expected == string.Join(" ", seen), $"{because}: expected {expected}, got {string.Join(" ", seen)}");
        Assert.True(failovers == counted, $"{because}: expected {failovers} failovers, counted {counted}");
    }

    [Fact]
    public void The_preferred_priority_is_one_based_and_zero_when_none()
    {
        var group = new GroupConfig("g", false, Failback.Immediate, null, []);

        Assert.Equal(2, new GroupView(group, ["a", "b"], [1], ["b"], 1, GroupStanding.FailedOver).PreferredPriority);
        Assert.Equal(0, new GroupView(group, ["a", "b"], [], [], 0, GroupStanding.Unreachable).PreferredPriority);
    }

    [Fact]
    public void A_list_carried_over_a_reload_counts_a_change_from_its_last_choice()
    {
        var list = new PreferenceList(false, Failback.Immediate, preferred: [1], lastChoice: [1]);

        Assert.False(list.Update([CollectorState.Down, CollectorState.Up]));
        Assert.True(list.Update([CollectorState.Up, CollectorState.Up]));
    }

    /// <summary>Each probe result in turn ("S" success, "F" failure) and the state after it.</summary>
    [Theory]
    [InlineData(1, 1, "S F S F F", "U D U D D")]
    [InlineData(1, 1, "F S", "D U")]
    [InlineData(3, 1, "S F F S F F F", "U U U U U U D")]
    [InlineData(3, 1, "S F F F S", "U U U D U")]
    [InlineData(1, 3, "F S S F S S S", "D D D D D D U")]
    [InlineData(3, 3, "S F F F S S S F", "U U U D D D U U")]
    public void Thresholds_decide_up_and_down_after_the_first_probe(int failureThreshold, int recoveryThreshold, string probes, string expected)
    {
        var health = new CollectorHealth();
        Assert.Equal(CollectorState.Unknown, health.State);

        var states = probes.Split(' ').Select(p =>
        {
            health.Observe(p == "S", failureThreshold, recoveryThreshold);
            return health.State == CollectorState.Up ? "U" : "D";
        });

        Assert.Equal(expected, string.Join(" ", states));
    }

    [Fact]
    public void Consecutive_failures_count_until_a_success()
    {
        var health = new CollectorHealth();
        health.Observe(false, 3, 1);
        health.Observe(false, 3, 1);
        Assert.Equal(2, health.ConsecutiveFailures);

        health.Observe(true, 3, 1);
        Assert.Equal(0, health.ConsecutiveFailures);
    }
}
