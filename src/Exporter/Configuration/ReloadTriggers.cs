using System.Runtime.InteropServices;
using LogCollectorExporter.Platform;

namespace LogCollectorExporter.Configuration;

/// <summary>
/// Reloads when the content of the configuration file, or of a file it names, changes on disk (an in-place edit, an
/// editor's rename, a Kubernetes ConfigMap's symlink swap), or goes back to what is running (<see cref="ConfigFiles.WatchAsync"/>).
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
                cancellationToken => reloader.ReloadAsync(ReloadTrigger.FileChange, cancellationToken),
                time,
                stoppingToken);
}

/// <summary>
/// Reloads on SIGHUP, as Prometheus does. The signal is taken for the whole life of the process (<see cref="Install"/>,
/// the first thing the program does), not only while the host runs: a SIGHUP before the configuration is loaded, during
/// <c>--check-config</c> or while the exporter stops does nothing, where the default action would end the process.
/// </summary>
public sealed class SighupReload(IConfigurationReload reloader) : IHostedService
{
    private static PosixSignalRegistration? registration;
    private static volatile IConfigurationReload? target;

    /// <summary>Takes SIGHUP from now until the process ends; a SIGHUP reloads while a host runs, and does nothing otherwise.</summary>
    public static void Install()
    {
        if (!OperatingSystem.IsWindows() && registration is null)
        {
            Native.UnignoreHangUp();
            registration = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                context.Cancel = true;
                _ = target?.ReloadAsync(ReloadTrigger.Sighup, CancellationToken.None);
            });
        }
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        target = reloader;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Interlocked.CompareExchange(ref target, null, reloader);
        return Task.CompletedTask;
    }
}
