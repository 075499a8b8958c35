using LogCollectorExporter.Tests.Support;
using LogCollectorExporter.Web;
using Microsoft.Extensions.Time.Testing;

namespace LogCollectorExporter.Tests;

/// <summary>The CPU budget of bcrypt checks, on a clock the test drives for both wall and CPU time: each check "takes" what it advances the clock by.</summary>
public sealed class PasswordCheckBudgetTests
{
    private static readonly TimeSpan Check = TimeSpan.FromMilliseconds(100);
    private readonly FakeTimeProvider time = new();

    [Fact]
    public async Task A_burst_runs_then_checks_wait_for_the_refill()
    {
        var budget = new PasswordCheckBudget(time, () => time.GetUtcNow() - DateTimeOffset.UnixEpoch);

        var burst = await BurstAsync(budget);
        var (ran, retryAfter, _) = await budget.TryRunAsync(Check, () => time.Advance(Check), CancellationToken.None);

        // 300 ms of burst at 100 ms a check, with what was refilled while they ran.
        Assert.Equal(4, burst);
        Assert.False(ran);
        Assert.Equal(TimeSpan.FromSeconds(2), retryAfter);
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.True((await budget.TryRunAsync(Check, () => time.Advance(Check), CancellationToken.None)).Ran);
        Assert.False((await budget.TryRunAsync(Check, () => time.Advance(Check), CancellationToken.None)).Ran);
    }

    [Fact]
    public async Task Checks_reserve_their_estimate_so_that_many_at_once_do_not_all_run()
    {
        var budget = new PasswordCheckBudget(time, () => time.GetUtcNow() - DateTimeOffset.UnixEpoch);
        using var release = new ManualResetEventSlim();
        var running = 0;

        // The first check blocks; the others arrive while it runs, each reserving 100 ms of the 300.
        var first = Task.Run(() => budget.TryRunAsync(Check, () => { Interlocked.Increment(ref running); release.Wait(); }, CancellationToken.None));
        await Eventually.TrueAsync(() => Volatile.Read(ref running) == 1, "the first check runs");
        var others = Enumerable.Range(0, 10).Select(_ => budget.TryRunAsync(Check, () => Interlocked.Increment(ref running), CancellationToken.None)).ToList();
        release.Set();
        var results = await Task.WhenAll(others);

        Assert.True((await first).Ran);
        Assert.Equal(2, results.Count(r => r.Ran));
        Assert.Equal(3, running);
    }

    [Fact]
    public async Task A_check_cancelled_before_its_turn_is_refunded()
    {
        var budget = new PasswordCheckBudget(time, () => time.GetUtcNow() - DateTimeOffset.UnixEpoch);
        using var release = new ManualResetEventSlim();
        using var cancel = new CancellationTokenSource();
        var blocking = Task.Run(() => budget.TryRunAsync(Check, release.Wait, CancellationToken.None));
        await Task.Delay(50);
        var waiting = budget.TryRunAsync(TimeSpan.FromMilliseconds(200), () => Assert.Fail("ran after it was cancelled"), cancel.Token);

        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        release.Set();
        await blocking;

        // Both got back what they reserved (the one that ran took no time on this clock): the whole burst is there.
        Assert.Equal(4, await BurstAsync(budget));
    }

    private async Task<int> BurstAsync(PasswordCheckBudget budget)
    {
        var burst = 0;
        while ((await budget.TryRunAsync(Check, () => time.Advance(Check), CancellationToken.None)).Ran)
        {
            burst++;
        }

        return burst;
    }
}
