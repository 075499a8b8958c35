using System.Threading.Channels;
using LogCollectorExporter.Probing;

namespace LogCollectorExporter.Web;

/// <summary>
/// How much CPU bcrypt may take, for all requests together: a bucket of CPU time that holds <see cref="Burst"/> and
/// refills at <see cref="Refill"/> a second. bcrypt is slow on purpose (a cost of 10 takes some 70 to 85 ms of a core
/// here), so without a bound a flood of wrong passwords would take every core there is, and the CPU limit of a pod,
/// from the probes and the scrapes. Each check reserves what the last one of that cost took before it starts, so a
/// thousand requests arriving at once do not all find the bucket full, and is charged the CPU time it took on its
/// thread: on a busy machine a check waits longer for a core, but costs no more. The checks run one at a time on a
/// thread of their own at the lowest priority (nice 19), so that even the burst gives way to the probe engine's thread
/// and Kestrel's.
/// </summary>
/// <param name="time">The clock the budget refills by.</param>
/// <param name="cpuTime">The CPU time of the thread that calls it; by default Linux's per-thread clock (a test drives its own).</param>
public sealed class PasswordCheckBudget(TimeProvider time, Func<TimeSpan>? cpuTime = null)
{
    /// <summary>After a quiet spell: a few checks at once (four at a cost of 10), for scrapers and people arriving together.</summary>
    public static readonly TimeSpan Burst = TimeSpan.FromMilliseconds(300);

    /// <summary>Then 5 % of one core: at a cost of 10, a check every second or two; at a cost of 5, some 20 a second.</summary>
    public static readonly TimeSpan Refill = TimeSpan.FromMilliseconds(50);

    private readonly Lock gate = new();
    private readonly Channel<Check> checks = Channel.CreateUnbounded<Check>(new UnboundedChannelOptions { SingleReader = true });
    private TimeSpan balance = Burst;
    private long refilledAt = time.GetTimestamp();
    private readonly Func<TimeSpan> cpuTime = cpuTime ?? Native.ThreadCpuTime;
    private Thread? worker;

    /// <summary>
    /// Runs <paramref name="check"/> when the budget has room, and charges the CPU time it took (returned as
    /// <c>Took</c>); false (and the check not run) when the budget is spent, with how long until it has room again. A
    /// check cancelled before its turn is not run, and what it reserved is given back.
    /// </summary>
    public async Task<(bool Ran, TimeSpan RetryAfter, TimeSpan Took)> TryRunAsync(TimeSpan estimate, Action check, CancellationToken cancellationToken)
    {
        lock (gate)
        {
            RefillNow();
            if (balance <= TimeSpan.Zero)
            {
                return (false, TimeSpan.FromSeconds(Math.Max(1, Math.Ceiling(-balance / Refill))), TimeSpan.Zero);
            }

            balance -= estimate;
            worker ??= StartWorker();
        }

        var done = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        checks.Writer.TryWrite(new Check(check, estimate, done, cancellationToken));
        var took = await done.Task.WaitAsync(cancellationToken);
        return (true, TimeSpan.Zero, took);
    }

    private Thread StartWorker()
    {
        var thread = new Thread(RunChecks) { IsBackground = true, Name = "password checks" };
        thread.Start();
        return thread;
    }

    private void RunChecks()
    {
        Native.LowestPriorityForThisThread();
        while (checks.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            while (checks.Reader.TryRead(out var next))
            {
                var took = TimeSpan.Zero;
                try
                {
                    next.CancellationToken.ThrowIfCancellationRequested();
                    var started = cpuTime();
                    try
                    {
                        next.Run();
                    }
                    finally
                    {
                        took = cpuTime() - started;
                    }

                    next.Done.SetResult(took);
                }
                catch (OperationCanceledException) when (next.CancellationToken.IsCancellationRequested)
                {
                    next.Done.SetCanceled(next.CancellationToken);
                }
                catch (Exception e)
                {
                    next.Done.SetException(e);
                }
                finally
                {
                    lock (gate)
                    {
                        balance += next.Estimate - took;
                    }
                }
            }
        }
    }

    private void RefillNow()
    {
        var now = time.GetTimestamp();
        var elapsed = time.GetElapsedTime(refilledAt, now);
        refilledAt = now;
        var refilled = balance + elapsed.TotalSeconds * Refill;
        balance = refilled > Burst ? Burst : refilled;
    }

    private sealed record Check(Action Run, TimeSpan Estimate, TaskCompletionSource<TimeSpan> Done, CancellationToken CancellationToken);
}
