using System.Collections.Concurrent;
using LogCollectorExporter.Platform;

namespace LogCollectorExporter.Security;

/// <summary>
/// How much CPU bcrypt may take, for all requests together, and whose check runs next. The budget is a bucket of CPU
/// time that holds <see cref="Burst"/> and refills at <see cref="Refill"/> a second: bcrypt is slow on purpose (what a
/// check costs is in docs/benchmarks.md), so without a bound a flood of wrong passwords would take every core there
/// is, and the CPU limit of a pod, from the probes and the scrapes. Checks wait for the budget in a queue that
/// holds at most one check of each client (an IPv4 address, or an IPv6 /64): a client that asks again while its check
/// waits or runs is refused at once, so the queue serves clients in turn, and a flood from one client delays another
/// client's check by one of its own, never keeps it out. A check that waits longer than <see cref="MaxWait"/> is not
/// run. Each check reserves what the last one of that cost took before it starts, and is charged the CPU time it took
/// on its thread: on a busy machine a check waits longer for a core, but costs no more. The checks run one at a time on
/// a thread of their own at the lowest priority (nice 19), so that even the burst gives way to the probe engine's
/// thread and Kestrel's.
/// </summary>
/// <param name="time">The clock the budget refills by.</param>
/// <param name="cpuTime">The CPU time of the thread that calls it; by default Linux's per-thread clock (a test drives its own).</param>
public sealed class PasswordCheckBudget(TimeProvider time, Func<TimeSpan>? cpuTime = null)
{
    /// <summary>After a quiet spell: a few checks at once, for scrapers and people arriving together.</summary>
    public static readonly TimeSpan Burst = TimeSpan.FromMilliseconds(300);

    /// <summary>Then a twentieth of one core, a quarter of the chart's CPU limit (docs/security.md).</summary>
    public static readonly TimeSpan Refill = TimeSpan.FromMilliseconds(50);

    /// <summary>How long a check may wait for its turn: within a Prometheus scrape's default timeout (10 s).</summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(5);

    /// <summary>Clients whose checks wait at once; beyond, a check is refused at once (a flood from many addresses).</summary>
    public const int MaxWaiting = 64;

    private readonly Lock gate = new();
    private readonly BlockingCollection<Check> waiting = [];
    private readonly HashSet<string> clients = new(StringComparer.Ordinal);
    private readonly Func<TimeSpan> cpuTime = cpuTime ?? Native.ThreadCpuTime;
    private TimeSpan balance = Burst;
    private long refilledAt = time.GetTimestamp();
    private bool started;

    /// <summary>
    /// Runs <paramref name="check"/> in its turn within the budget, charges the CPU time it took, and answers no sooner
    /// than <paramref name="atLeast"/> after it started (so that the time tells nothing about which user was asked).
    /// Not run (see above): false, and how long until it may be asked again. A check cancelled before its turn is not run.
    /// </summary>
    /// <param name="client">Who asks: one check of each client waits at a time.</param>
    /// <param name="estimate">What the check is expected to take, reserved from the budget when it starts.</param>
    public async Task<(bool Ran, TimeSpan RetryAfter, TimeSpan Took)> TryRunAsync(string client, TimeSpan estimate, Action check, TimeSpan atLeast,
        CancellationToken cancellationToken)
    {
        var done = new TaskCompletionSource<TimeSpan?>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (gate)
        {
            if (waiting.Count >= MaxWaiting || !clients.Add(client))
            {
                return Refused(estimate);
            }

            waiting.Add(new Check(client, check, estimate, time.GetTimestamp(), done, cancellationToken));
            if (!started)
            {
                started = true;
                new Thread(RunChecks) { IsBackground = true, Name = "password checks" }.Start();
            }
        }

        if (await done.Task.WaitAsync(cancellationToken) is not { } took)
        {
            return Refused(estimate);
        }

        if (atLeast > took)
        {
            await Task.Delay(atLeast - took, time, cancellationToken);
        }

        return (true, TimeSpan.Zero, took);
    }

    private void RunChecks()
    {
        Native.LowestPriorityForThisThread();
        foreach (var next in waiting.GetConsumingEnumerable())
        {
            TimeSpan? took = null;
            Exception? failed = null;
            try
            {
                if (WaitForTurn(next))
                {
                    var before = cpuTime();
                    try
                    {
                        next.Run();
                    }
                    finally
                    {
                        took = cpuTime() - before;
                    }
                }
            }
            catch (Exception e)
            {
                failed = e;
            }

            // The client may ask again as soon as it has its answer: it leaves the queue first.
            lock (gate)
            {
                clients.Remove(next.Client);
                balance += next.Estimate - (took ?? next.Estimate);
            }

            _ = failed switch
            {
                null => next.Done.TrySetResult(took),
                OperationCanceledException when next.CancellationToken.IsCancellationRequested => next.Done.TrySetCanceled(next.CancellationToken),
                _ => next.Done.TrySetException(failed),
            };
        }
    }

    /// <summary>Waits until the budget has room and reserves the check's estimate; false when the check's wait ran out first.</summary>
    /// <exception cref="OperationCanceledException">The check was cancelled.</exception>
    private bool WaitForTurn(Check check)
    {
        while (true)
        {
            check.CancellationToken.ThrowIfCancellationRequested();
            TimeSpan refilled;
            lock (gate)
            {
                RefillNow();
                if (balance > TimeSpan.Zero)
                {
                    balance -= check.Estimate;
                    return true;
                }

                refilled = TimeSpan.FromSeconds(-balance / Refill) + TimeSpan.FromMilliseconds(1);
            }

            var left = MaxWait - time.GetElapsedTime(check.Queued);
            if (left <= TimeSpan.Zero)
            {
                return false;
            }

            // GetResult, not Wait: a cancelled delay throws its OperationCanceledException, not one wrapped.
            Task.Delay(refilled < left ? refilled : left, time, check.CancellationToken).GetAwaiter().GetResult();
        }
    }

    /// <summary>Not run, to be asked again when the budget has room for a check of this estimate: in whole seconds, at least one.</summary>
    private (bool, TimeSpan, TimeSpan) Refused(TimeSpan estimate)
    {
        lock (gate)
        {
            RefillNow();
            return (false, TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling((estimate - balance) / Refill))), TimeSpan.Zero);
        }
    }

    private void RefillNow()
    {
        var now = time.GetTimestamp();
        var refilled = balance + time.GetElapsedTime(refilledAt, now).TotalSeconds * Refill;
        (balance, refilledAt) = (refilled > Burst ? Burst : refilled, now);
    }

    /// <param name="Queued">When it was queued (<see cref="TimeProvider.GetTimestamp"/>).</param>
    /// <param name="Done">Its CPU time once it ran; null when its wait ran out.</param>
    private sealed record Check(string Client, Action Run, TimeSpan Estimate, long Queued, TaskCompletionSource<TimeSpan?> Done, CancellationToken CancellationToken);
}
