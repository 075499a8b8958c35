using LogCollectorExporter.Certificates;
using LogCollectorExporter.Configuration;
using LogCollectorExporter.Metrics;
using LogCollectorExporter.Platform;
using LogCollectorExporter.Preference;
using LogCollectorExporter.Probing;

namespace LogCollectorExporter;

/// <summary>
/// Reloads the configuration on request (HTTP, SIGHUP, a file change). A bad one is rejected and the running one keeps
/// running; a good one replaces it without a restart and without disturbing what it does not change: the fleet keeps
/// what it knows of collectors and groups that stay, and the engine keeps their schedules and held connections. One
/// reload at a time.
/// </summary>
public sealed partial class ConfigReloader : IConfigurationReload
{
    private readonly ActiveConfiguration active;
    private readonly Fleet fleet;
    private readonly ProbingService probing;
    private readonly CertificateChecks certificates;
    private readonly ExporterMetrics metrics;
    private readonly ILogger<ConfigReloader> logger;
    private readonly SemaphoreSlim oneAtATime = new(1, 1);

    public ConfigReloader(ActiveConfiguration active, Fleet fleet, ProbingService probing, CertificateChecks certificates, ExporterMetrics metrics, ILogger<ConfigReloader> logger)
    {
        this.certificates = certificates;
        this.active = active;
        this.fleet = fleet;
        this.probing = probing;
        this.metrics = metrics;
        this.logger = logger;
        metrics.ReloadSucceeded(active.LastReload.At);
    }

    public async Task<string?> ReloadAsync(ReloadTrigger trigger, CancellationToken cancellationToken)
    {
        await oneAtATime.WaitAsync(cancellationToken);
        try
        {
            // Nothing the running configuration was read from has changed: it is what a load would give, so a storm of
            // reloads costs a hash of the files each, not a read.
            // Files put back to what runs after a rejected reload end the failed state this way too.
            var running = active.Current;
            if (active.Loader.IsCurrent(running.Origin))
            {
                var wasRejected = !active.LastReload.Successful;
                Accept(running, trigger);
                if (wasRejected)
                {
                    LogBackToRunning(logger, trigger.Text(), running.Origin.Description);
                }
                else
                {
                    LogUnchanged(logger, trigger.Text(), running.Origin.Description);
                }

                return null;
            }

            ExporterConfig next;
            try
            {
                next = active.Loader.Load();
            }
            catch (ConfigurationException e)
            {
                active.Reject(e.Message, trigger);
                metrics.ConfigLastReloadSuccessful.Set(0);
                LogRejected(logger, trigger.Text(), e.Message);
                return e.Message;
            }

            if (!next.Probe.Buckets.SequenceEqual(metrics.HandshakeBuckets))
            {
                LogBucketsNeedRestart(logger);
            }

            // The fleet first: results the engine reports for new targets then find their collectors.
            fleet.Apply(next);
            await probing.ApplyAsync(next);
            certificates.Apply(next);
            Accept(next, trigger);
            LoadGarbage.Collect();
            LogReloaded(logger, trigger.Text(), next.Groups.Count, next.Collectors.Count, next.Origin.Description);
            return null;
        }
        finally
        {
            oneAtATime.Release();
        }
    }

    private void Accept(ExporterConfig config, ReloadTrigger trigger)
    {
        active.Accept(config, trigger);
        metrics.ReloadSucceeded(active.LastReload.At);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Configuration reload ({Trigger}): {Source} is unchanged")]
    private static partial void LogUnchanged(ILogger logger, string trigger, string source);

    [LoggerMessage(Level = LogLevel.Information, Message = "Configuration reload ({Trigger}): {Source} is what runs again; the rejected change is gone")]
    private static partial void LogBackToRunning(ILogger logger, string trigger, string source);

    [LoggerMessage(Level = LogLevel.Error, Message = "Configuration reload ({Trigger}) rejected; the previous configuration keeps running. {Error}")]
    private static partial void LogRejected(ILogger logger, string trigger, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Configuration reloaded ({Trigger}): {Groups} groups, {Collectors} collectors from {Source}")]
    private static partial void LogReloaded(ILogger logger, string trigger, int groups, int collectors, string source);

    [LoggerMessage(Level = LogLevel.Warning, Message = "probe.buckets changed: the handshake histogram keeps its buckets until the exporter restarts")]
    private static partial void LogBucketsNeedRestart(ILogger logger);
}
