using LogCollectorExporter.Security;
using LogCollectorExporter.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace LogCollectorExporter.Tests;

/// <summary>
/// The CPU budget of bcrypt checks and its queue of clients, on a clock the test drives for both wall and CPU time:
/// each check "takes" what it advances the clock by.
/// </summary>
public sealed class PasswordCheckBudgetTests
{
    private static readonly TimeSpan Check = TimeSpan.FromMilliseconds(100);
    private readonly FakeTimeProvider time = new();

    private PasswordCheckBudget NewBudget() => new(time, () => time.GetUtcNow() - DateTimeOffset.UnixEpoch);

    [Fact]
    public async Task A_burst_runs_at_once_then_a_check_waits_for_the_refill()
    {
        var budget = NewBudget();
        var burst = 0;
        Task<(bool Ran, TimeSpan RetryAfter, TimeSpan Took)> check;
        while (await Task.WhenAny(check = budget.TryRunAsync($"client {burst}", Check, () => time.Advance(Check), TimeSpan.Zero, CancellationToken.None),
            Task.Delay(TimeSpan.FromSeconds(1))) == check)
        {
            Assert.True((await check).Ran);
            burst++;
        }

        // 300 ms of burst at 100 ms a check, with what was refilled while they ran; then the next waits its turn.
        Assert.Equal(4, burst);
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.True((await check).Ran);
    }

    [Fact]
    public async Task A_client_with_a_check_waiting_is_refused_at_once_and_another_client_is_served_next()
    {
        var budget = NewBudget();
        await BurstAsync(budget, "burst");
        var order = new List<string>();

        // The flooding client has one check waiting for the refill; every further one of its checks is refused at once.
        var flooder = budget.TryRunAsync("flooder", Check, () => Record("flooder"), TimeSpan.Zero, CancellationToken.None);
        var refused = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => budget.TryRunAsync("flooder", Check, () => Record("flooder again"), TimeSpan.Zero, CancellationToken.None)));
        var scraper = budget.TryRunAsync("scraper", Check, () => Record("scraper"), TimeSpan.Zero, CancellationToken.None);
        var flooderNext = (Task?)null;
        await Eventually.TrueAsync(() =>
        {
            time.Advance(TimeSpan.FromMilliseconds(500));
            if (flooder.IsCompleted && flooderNext is null)
            {
                // Its next check, as soon as the first is done: it comes after the scraper's.
                flooderNext = budget.TryRunAsync("flooder", Check, () => Record("flooder next"), TimeSpan.Zero, CancellationToken.None);
            }

            return scraper.IsCompleted && flooderNext?.IsCompleted == true;
        }, "the scraper's and the flooder's next checks run");

        Assert.All(refused, r => Assert.False(r.Ran));
        Assert.All(refused, r => Assert.True(r.RetryAfter >= TimeSpan.FromSeconds(1)));
        Assert.True((await scraper).Ran);
        Assert.Equal(["flooder", "scraper", "flooder next"], order);

        void Record(string who)
        {
            lock (order)
            {
                order.Add(who);
            }

            time.Advance(Check);
        }
    }

    [Fact]
    public async Task A_check_that_waits_longer_than_the_longest_wait_is_not_run()
    {
        var budget = NewBudget();
        await BurstAsync(budget, "burst");

        // Spend the refill too: the next check needs 2.1 s of refill, and may wait 5 s.
        var expensive = TimeSpan.FromSeconds(1);
        var first = budget.TryRunAsync("a", Check, () => time.Advance(expensive), TimeSpan.Zero, CancellationToken.None);
        await Eventually.TrueAsync(() =>
        {
            time.Advance(TimeSpan.FromMilliseconds(100));
            return first.IsCompleted;
        }, "the expensive check runs");
        var late = budget.TryRunAsync("b", Check, () => Assert.Fail("ran after its wait ran out"), TimeSpan.Zero, CancellationToken.None);
        await Task.Delay(100);
        time.Advance(PasswordCheckBudget.MaxWait);

        var (ran, retryAfter, _) = await late;
        Assert.False(ran);
        Assert.True(retryAfter >= TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task A_check_cancelled_before_its_turn_is_not_run_and_costs_nothing()
    {
        var budget = NewBudget();
        using var release = new ManualResetEventSlim();
        using var cancel = new CancellationTokenSource();
        var blocking = Task.Run(() => budget.TryRunAsync("a", Check, release.Wait, TimeSpan.Zero, CancellationToken.None));
        await Task.Delay(50);
        var waiting = budget.TryRunAsync("b", TimeSpan.FromMilliseconds(200), () => Assert.Fail("ran after it was cancelled"), TimeSpan.Zero, cancel.Token);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        release.Set();
        await blocking;

        // The one that ran took no time on this clock, and the cancelled one nothing: the whole burst is there.
        Assert.Equal(4, await BurstAsync(budget, "after"));
    }

    [Fact]
    public async Task A_check_faster_than_its_least_time_is_answered_no_sooner()
    {
        var budget = NewBudget();

        var cheap = budget.TryRunAsync("a", TimeSpan.FromMilliseconds(2), () => time.Advance(TimeSpan.FromMilliseconds(2)), TimeSpan.FromMilliseconds(70), CancellationToken.None);
        await Task.Delay(200);

        Assert.False(cheap.IsCompleted);
        time.Advance(TimeSpan.FromMilliseconds(68));
        Assert.True((await cheap).Ran);
    }

    /// <summary>Checks of 100 ms from new clients, one after the other, as long as each runs at once; the first that waits is cancelled.</summary>
    private async Task<int> BurstAsync(PasswordCheckBudget budget, string clients)
    {
        for (var burst = 0; ; burst++)
        {
            using var cancel = new CancellationTokenSource();
            var check = budget.TryRunAsync($"{clients} {burst}", Check, () => time.Advance(Check), TimeSpan.Zero, cancel.Token);
            if (await Task.WhenAny(check, Task.Delay(TimeSpan.FromSeconds(1))) != check)
            {
                await cancel.CancelAsync();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => check);
                return burst;
            }

            Assert.True((await check).Ran);
        }
    }
}
