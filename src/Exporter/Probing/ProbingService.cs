using LogCollectorExporter.Configuration;
using LogCollectorExporter.Preference;

namespace LogCollectorExporter.Probing;

/// <summary>Runs the probe engine for the life of the host, and swaps the fleet's configuration between two runs of it.</summary>
public sealed partial class ProbingService(Fleet fleet, ProbeEngine engine, ActiveConfiguration active, ILogger<ProbingService> logger) : IHostedService
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private bool started;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            engine.Start();
            started = true;
            var probe = fleet.Probe;
            LogStarted(logger, fleet.Groups.Count, fleet.Groups.Sum(g => g.Collectors.Count), Duration.Format(probe.Interval),
                Duration.Format(probe.Timeout), probe.Mode.ToString().ToLowerInvariant(), active.Current.Origin.Description);
        }
        finally
        {
            gate.Release();
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            started = false;

            // The host's shutdown timeout bounds the wait: the engine must not keep the process from exiting.
            await engine.StopAsync().WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            LogStopAbandoned(logger);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Stops probing, takes the new configuration, and starts probing again (first probes at once).</summary>
    public async Task ApplyAsync(ExporterConfig config)
    {
        await gate.WaitAsync();
        try
        {
            var wasRunning = started;
            await engine.StopAsync();
            fleet.Apply(config);
            if (wasRunning)
            {
                engine.Start();
            }
        }
        finally
        {
            gate.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopping: a probe did not end within the shutdown timeout; exiting without it")]
    private static partial void LogStopAbandoned(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Probing {Groups} groups, {Collectors} collectors every {Interval} (timeout {Timeout}, mode {Mode}), configured by {Source}")]
    private static partial void LogStarted(ILogger logger, int groups, int collectors, string interval, string timeout, string mode, string source);
}
