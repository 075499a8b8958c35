using LogCollectorExporter.Configuration;
using LogCollectorExporter.Metrics;

namespace LogCollectorExporter.Security;

/// <summary>
/// Loads the web configuration again when any of its files changes on disk: the web config files, and the
/// certificate, key and CA files they name. They are watched as the collectors' configuration is
/// (<see cref="ConfigFiles.WatchAsync"/>), so a certificate that cert-manager renews in its Secret (the kubelet swaps
/// the volume's <c>..data</c> symlink) is served from the next handshake after it settled, without a restart. A change
/// that cannot be used (a key that is not the new certificate's, half of a rotation written) or that would weaken
/// access control keeps the running configuration, and is tried again when the files change again; files put back to
/// what is running end the failed state.
/// </summary>
public sealed partial class WebConfigWatcher(WebSecurity security, ExporterMetrics metrics, TimeProvider time, ILogger<WebConfigWatcher> logger)
    : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        ConfigFiles.WatchAsync(
            () =>
            {
                var running = security.Current;
                return (running.Files, running.Fingerprint);
            },
            _ =>
            {
                Reload();
                return Task.CompletedTask;
            },
            time,
            stoppingToken);

    private void Reload()
    {
        try
        {
            var running = security.Current;
            var next = security.Reload();
            metrics.WebConfigLastReloadSuccessful.Set(1);
            if (ReferenceEquals(next, running))
            {
                LogBack(logger, next.Config.Description);
            }
            else
            {
                LogReloaded(logger, next.Config.Description, WebSecuritySetup.Describe(next));
            }
        }
        catch (ConfigurationException e)
        {
            metrics.WebConfigLastReloadSuccessful.Set(0);
            LogRejected(logger, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Web configuration reloaded from {Source}: {Description}")]
    private static partial void LogReloaded(ILogger logger, string source, string description);

    [LoggerMessage(Level = LogLevel.Information, Message = "Web configuration {Source}: the files are what runs again")]
    private static partial void LogBack(ILogger logger, string source);

    [LoggerMessage(Level = LogLevel.Error, Message = "Web configuration reload rejected; the previous one keeps serving. {Error}")]
    private static partial void LogRejected(ILogger logger, string error);
}
