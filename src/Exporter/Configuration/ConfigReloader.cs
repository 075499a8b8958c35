using LogCollectorExporter.Metrics;
using LogCollectorExporter.Preference;
using LogCollectorExporter.Probing;

namespace LogCollectorExporter.Configuration;

/// <summary>
/// Reloads the configuration on request (HTTP, SIGHUP, a file change). A bad one is rejected and the running one
/// keeps running; a good one replaces it without a restart. One reload at a time.
/// </summary>
public sealed partial class ConfigReloader
{
    private readonly ActiveConfiguration active;
    private readonly Fleet fleet;
    private readonly ProbingService probing;
    private readonly ExporterMetrics metrics;
    private readonly ILogger<ConfigReloader> logger;
    private readonly SemaphoreSlim oneAtATime = new(1, 1);

    public ConfigReloader(ActiveConfiguration active, Fleet fleet, ProbingService probing, ExporterMetrics metrics, TimeProvider time, ILogger<ConfigReloader> logger)
    {
        this.active = active;
        this.fleet = fleet;
        this.probing = probing;
        this.metrics = metrics;
        this.logger = logger;
        metrics.ConfigLastReloadSuccessful.Set(1);
        metrics.ConfigLastReloadSuccessTimestamp.Set(time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0);
    }

    /// <summary>Loads the configuration again from its sources; returns the error text when it was rejected.</summary>
    public async Task<string?> ReloadAsync(string trigger, CancellationToken cancellationToken)
    {
        await oneAtATime.WaitAsync(cancellationToken);
        try
        {
            ExporterConfig next;
            try
            {
                next = active.Loader.Load();
            }
            catch (ConfigurationException e)
            {
                active.Reject(e.Message, trigger);
                metrics.ConfigLastReloadSuccessful.Set(0);
                LogRejected(logger, trigger, e.Message);
                return e.Message;
            }

            if (!next.Probe.Buckets.SequenceEqual(metrics.HandshakeBuckets))
            {
                LogBucketsNeedRestart(logger);
            }

            // The fleet first, so that it knows the new collectors by the time their first results come.
            fleet.Apply(next);
            await probing.ApplyAsync(next);
            active.Accept(next, trigger);
            metrics.ConfigLastReloadSuccessful.Set(1);
            metrics.ConfigLastReloadSuccessTimestamp.Set(active.LastReload.At.ToUnixTimeMilliseconds() / 1000.0);
            LogReloaded(logger, trigger, next.Groups.Count, next.CollectorCount, next.Origin.Description);
            return null;
        }
        finally
        {
            oneAtATime.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Configuration reload ({Trigger}) rejected; the previous configuration keeps running. {Error}")]
    private static partial void LogRejected(ILogger logger, string trigger, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Configuration reloaded ({Trigger}): {Groups} groups, {Collectors} collectors from {Source}")]
    private static partial void LogReloaded(ILogger logger, string trigger, int groups, int collectors, string source);

    [LoggerMessage(Level = LogLevel.Warning, Message = "probe.buckets changed: the handshake histogram keeps its buckets until the exporter restarts")]
    private static partial void LogBucketsNeedRestart(ILogger logger);
}
