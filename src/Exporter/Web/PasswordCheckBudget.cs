namespace LogCollectorExporter.Web;

/// <summary>
/// How much time bcrypt may take, for all requests together: a bucket of time that holds <see cref="Burst"/> and
/// refills at <see cref="Refill"/> a second, and checks that run one at a time. bcrypt is slow on purpose (a cost of
/// 10 takes some 90 ms of a core here), so without a bound a flood of wrong passwords would take every core there is,
/// and the CPU limit of a pod, from the probes and the scrapes. Each check reserves what the last one of that cost
/// took before it starts, so a thousand requests arriving at once do not all find the bucket full.
/// </summary>
public sealed class PasswordCheckBudget(TimeProvider time)
{
    /// <summary>After a quiet spell: a few checks at once (three at a cost of 10), for scrapers and people arriving together.</summary>
    public static readonly TimeSpan Burst = TimeSpan.FromMilliseconds(300);

    /// <summary>Then 5 % of one core: at a cost of 10, one check every two seconds or so; at a cost of 5, some 15 a second.</summary>
    public static readonly TimeSpan Refill = TimeSpan.FromMilliseconds(50);

    private readonly Lock gate = new();
    private readonly SemaphoreSlim oneAtATime = new(1, 1);
    private TimeSpan balance = Burst;
    private long refilledAt = time.GetTimestamp();

    /// <summary>
    /// Runs <paramref name="check"/> when the budget has room, one at a time, and charges what it took; false (and
    /// the check not run) when the budget is spent, with how long until it has room again.
    /// </summary>
    public async Task<(bool Ran, TimeSpan RetryAfter)> TryRunAsync(TimeSpan estimate, Action check, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            RefillNow();
            if (balance <= TimeSpan.Zero)
            {
                return (false, TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(-balance / Refill))));
            }

            balance -= estimate;
        }

        // Refunded in full when the request goes away before its turn.
        var took = TimeSpan.Zero;
        try
        {
            await oneAtATime.WaitAsync(cancellationToken);
            try
            {
                var started = time.GetTimestamp();
                try
                {
                    check();
                }
                finally
                {
                    took = time.GetElapsedTime(started);
                }
            }
            finally
            {
                oneAtATime.Release();
            }
        }
        finally
        {
            lock (gate)
            {
                balance += estimate - took;
            }
        }

        return (true, TimeSpan.Zero);
    }

    private void RefillNow()
    {
        var now = time.GetTimestamp();
        var elapsed = time.GetElapsedTime(refilledAt, now);
        refilledAt = now;
        var refilled = balance + elapsed.TotalSeconds * Refill;
        balance = refilled > Burst ? Burst : refilled;
    }
}
