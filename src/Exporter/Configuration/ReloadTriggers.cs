using System.Runtime.InteropServices;

namespace LogCollectorExporter.Configuration;

/// <summary>
/// Reloads when the content of the configuration file, or of a file it names (a preference list, a saved Panorama
/// configuration, a <c>caFile</c>), changes on disk. Content is compared, not timestamps, so an in-place edit, an
/// editor's rename and a Kubernetes ConfigMap update (which swaps the <c>..data</c> symlink to a new directory) are all
/// seen, within <see cref="ConfigFiles.PollInterval"/>.
/// </summary>
public sealed class ConfigFileWatcher(ActiveConfiguration active, IConfigurationReload reloader, TimeProvider time) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        active.Loader.ConfigFile is null
            ? Task.CompletedTask
            : ConfigFiles.WatchAsync(
                () =>
                {
                    var origin = active.Current.Origin;
                    return (origin.Files, origin.Fingerprint);
                },
                cancellationToken => reloader.ReloadAsync("file change", cancellationToken),
                time,
                stoppingToken);
}

/// <summary>Reloads on SIGHUP, as Prometheus does.</summary>
public sealed class SighupReload(IConfigurationReload reloader) : IHostedService, IDisposable
{
    private PosixSignalRegistration? registration;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!OperatingSystem.IsWindows())
        {
            registration = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                context.Cancel = true;
                _ = reloader.ReloadAsync("SIGHUP", CancellationToken.None);
            });
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        registration?.Dispose();
        registration = null;
    }
}
