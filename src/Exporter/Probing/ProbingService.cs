using LogCollectorExporter.Configuration;
using LogCollectorExporter.Platform;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LogCollectorExporter.Probing;

/// <summary>Runs the probe engine for the life of the host, and hands it each configuration a reload accepts.</summary>
public sealed partial class ProbingService(ProbeEngine engine, ActiveConfiguration active, ILogger<ProbingService> logger) : IHostedService
{
    private readonly SemaphoreSlim gate = new(1, 1);
    private ExporterConfig? reloaded;
    private volatile bool started;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken);
        try
        {
            // A reload that came before the start has the last word.
            var config = reloaded ?? active.Current;
            engine.Start(config.Collectors, config.Probe);
            started = true;
            var probe = config.Probe;
            LogStarted(logger, config.Groups.Count, config.Collectors.Count, Duration.Format(probe.Interval),
                Duration.Format(probe.Timeout), EnumText.Of(probe.Mode), config.Origin.Description);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// Stops the engine, whatever state the host is in: it never throws, and never waits on the gate (which a reload
    /// holds only while the engine applies it; the engine completes such a request when it stops). The host's token
    /// bounds the wait for the engine's thread, and may be cancelled already: the stop is asked for all the same.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        started = false;
        var stopping = engine.StopAsync();
        try
        {
            await stopping.WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            LogStopAbandoned(logger);
        }
    }

    /// <summary>Probes with a new configuration from now: collectors it does not change go on undisturbed.</summary>
    public async Task ApplyAsync(ExporterConfig config)
    {
        await gate.WaitAsync();
        try
        {
            reloaded = config;
            if (started)
            {
                await engine.ApplyAsync(config.Collectors, config.Probe);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopping: a probe did not end within the shutdown timeout; exiting without it")]
    private static partial void LogStopAbandoned(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Probing {Collectors} collectors of {Groups} groups every {Interval} (timeout {Timeout}, mode {Mode}), configured by {Source}")]
    private static partial void LogStarted(ILogger logger, int groups, int collectors, string interval, string timeout, string mode, string source);
}

public static class ProbingSetup
{
    /// <summary>The probe engine and the hosted service that runs it; its reports go to the <see cref="IProbeObserver"/> registered by the host.</summary>
    public static WebApplicationBuilder AddProbing(this WebApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton<IHostResolver, SystemHostResolver>();
        builder.Services.AddSingleton<ProbeEngine>();
        builder.Services.AddSingleton<ProbingService>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ProbingService>());
        return builder;
    }
}
