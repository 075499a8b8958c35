using System.Runtime.InteropServices;

namespace LogCollectorExporter.Configuration;

/// <summary>
/// Reloads when the content of the configuration file, or of a preference list file it names, changes on disk.
/// Content is compared, not timestamps, so an in-place edit, an editor's rename and a Kubernetes ConfigMap update
/// (which swaps the <c>..data</c> symlink to a new directory) are all seen, within <see cref="PollInterval"/>.
/// </summary>
public sealed class ConfigFileWatcher(ActiveConfiguration active, IConfigurationReload reloader, TimeProvider time) : BackgroundService
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (active.Loader.ConfigFile is null)
        {
            return;
        }

        var seen = active.Current.Origin.Fingerprint;
        using var timer = new PeriodicTimer(PollInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var running = active.Current.Origin;
                var onDisk = ConfigFiles.FingerprintOnDisk(running.Files);

                // Unchanged since the running configuration was read, or since a reload already rejected this content.
                if (onDisk == running.Fingerprint || onDisk == seen)
                {
                    seen = onDisk;
                    continue;
                }

                seen = onDisk;
                await reloader.ReloadAsync("file change", stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The exporter is stopping.
        }
    }
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
