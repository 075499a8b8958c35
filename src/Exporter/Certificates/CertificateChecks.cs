using LogCollectorExporter.Configuration;
using LogCollectorExporter.Probing;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LogCollectorExporter.Certificates;

/// <summary>
/// Runs the certificate checks (<c>probe.certificates</c>) for the life of the host, apart from the probes: on
/// connections of their own, a few at a time, each collector once per interval (<see cref="CertificateSchedule"/>).
/// Results go to the <see cref="ICertificateObserver"/> and are kept for the status page. Nothing here touches the
/// probes' results, counters, held connections or the preferred collector.
/// </summary>
public sealed partial class CertificateChecks : BackgroundService
{
    /// <summary>Checks in flight at once, all collectors together: each is a handshake that waits on the network.</summary>
    public const int MaxConcurrency = 4;

    private readonly ActiveConfiguration active;
    private readonly CertificateReader reader;
    private readonly ICertificateObserver observer;
    private readonly TimeProvider time;
    private readonly ILogger<CertificateChecks> logger;
    private readonly Lock gate = new();
    private readonly CertificateSchedule schedule;
    private readonly Dictionary<string, CertificateCheck> results = new(StringComparer.Ordinal);
    private readonly HashSet<Task> running = [];
    private ProbeSettings probe;
    private TaskCompletionSource poke = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public CertificateChecks(ActiveConfiguration active, CertificateReader reader, ICertificateObserver observer, TimeProvider time, ILogger<CertificateChecks> logger)
    {
        this.logger = logger;
        this.active = active;
        this.reader = reader;
        this.observer = observer;
        this.time = time;
        schedule = new CertificateSchedule(time.TimestampFrequency);
        probe = active.Current.Probe;
        Apply(active.Current);
    }

    /// <summary>Now, by the clock the checks run on: what a certificate's days left are counted from.</summary>
    public DateTimeOffset Now => time.GetUtcNow();

    /// <summary>The last check of the collector; null before its first, or when it is not checked.</summary>
    public CertificateCheck? Last(string collector)
    {
        lock (gate)
        {
            return results.GetValueOrDefault(collector);
        }
    }

    /// <summary>Checks with a new configuration from now: a collector whose name, address and port stay is not checked because of it.</summary>
    public void Apply(ExporterConfig config)
    {
        lock (gate)
        {
            probe = config.Probe;
            foreach (var gone in schedule.Apply(config.Collectors, config.Probe.Certificates, time.GetTimestamp()))
            {
                results.Remove(gone.Name);
                observer.Removed(gone);
            }

            poke.TrySetResult();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                Task poked;
                long wake;
                lock (gate)
                {
                    running.RemoveWhere(check => check.IsCompleted);
                    foreach (var (id, generation, collector) in schedule.TakeDue(time.GetTimestamp(), MaxConcurrency - schedule.Running))
                    {
                        running.Add(CheckAsync(id, generation, collector, probe, stoppingToken));
                    }

                    if (poke.Task.IsCompleted)
                    {
                        poke = new(TaskCreationOptions.RunContinuationsAsynchronously);
                    }

                    poked = poke.Task;
                    wake = schedule.Running < MaxConcurrency ? schedule.NextWake : long.MaxValue;
                }

                await WaitAsync(poked, wake, stoppingToken);
            }
        }
        finally
        {
            Task[] left;
            lock (gate)
            {
                left = [.. running];
            }

            // Each is bounded by its timeout, and sees the host stopping.
            await Task.WhenAll(left).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task WaitAsync(Task poked, long wake, CancellationToken stoppingToken)
    {
        if (wake == long.MaxValue)
        {
            await poked.WaitAsync(stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            return;
        }

        var delay = time.GetElapsedTime(time.GetTimestamp(), wake);
        if (delay > TimeSpan.Zero)
        {
            using var sleep = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            await Task.WhenAny(poked, Task.Delay(delay, time, sleep.Token));
            await sleep.CancelAsync();
        }
    }

    private async Task CheckAsync(int id, int generation, CollectorConfig collector, ProbeSettings settings, CancellationToken stoppingToken)
    {
        // Off the schedule's thread at once: the connect and the handshake are the reader's.
        await Task.Yield();
        ServedCertificate? certificate;
        string? error;
        try
        {
            (certificate, error) = await reader.ReadAsync(collector, settings, stoppingToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Whatever went wrong, the collector keeps its place in the schedule.
            (certificate, error) = (null, ErrorText.Line(e.Message));
            LogCheckFailed(logger, e, collector.Name);
        }

        lock (gate)
        {
            if (schedule.Finished(id, generation, time.GetTimestamp()) is { } current)
            {
                var check = new CertificateCheck(time.GetUtcNow(), certificate is not null, certificate ?? results.GetValueOrDefault(current.Name)?.Certificate, error);
                results[current.Name] = check;
                observer.Checked(current, check);
            }

            poke.TrySetResult();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Certificate check of {Collector} failed unexpectedly")]
    private static partial void LogCheckFailed(ILogger logger, Exception exception, string collector);
}

public static class CertificateCheckSetup
{
    /// <summary>The certificate checks and the hosted service that runs them; their results go to the <see cref="ICertificateObserver"/> the host registers.</summary>
    public static WebApplicationBuilder AddCertificateChecks(this WebApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton<IHostResolver, SystemHostResolver>();
        builder.Services.AddSingleton<CertificateReader>();
        builder.Services.AddSingleton<CertificateChecks>();
        builder.Services.AddHostedService(services => services.GetRequiredService<CertificateChecks>());
        return builder;
    }
}
