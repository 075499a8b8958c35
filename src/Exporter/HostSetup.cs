using LogCollectorExporter.Configuration;
using LogCollectorExporter.Platform;
using LogCollectorExporter.Preference;
using LogCollectorExporter.Probing;
using LogCollectorExporter.Web;
using Microsoft.Extensions.Configuration.Memory;
using Microsoft.Extensions.Logging.Console;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Prometheus;

namespace LogCollectorExporter;

/// <summary>
/// What the exporter's process and host are given whatever it monitors: the open-file limit and the default metrics,
/// logging, OpenTelemetry traces, Kestrel's limits, how the host stops, the garbage of the start, and the health
/// checks. One place, so that the feature folders hold only features.
/// </summary>
public static class HostSetup
{
    public const int MaxConnections = 512;

    /// <summary>How long requests in flight may take to finish once SIGTERM came; the process exits within 5 s of it (README).</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(3);

    /// <summary>The process's own settings, for the exporter that runs (not for one a test builds): call once, before anything else.</summary>
    public static void ApplyToProcess()
    {
        OpenFileLimit.Raise();

        // The default registry keeps to the process metrics (CPU, memory, file descriptors, start time): the .NET event
        // counters and meters would add hundreds of series and cost CPU on every scrape.
        Prometheus.Metrics.SuppressDefaultMetrics(new SuppressDefaultMetricOptions
        {
            SuppressEventCounters = true,
            SuppressMeters = true,
            SuppressDebugMetrics = true,
        });
    }

    public static WebApplicationBuilder AddHostDefaults(this WebApplicationBuilder builder)
    {
        AddTracing(builder);
        AddLogging(builder);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            var limits = kestrel.Limits;

            // Scrapers, probes and people: a few connections. The cap keeps file descriptors for the probes.
            limits.MaxConcurrentConnections = MaxConnections;

            // No endpoint reads a body, and every request is a short line with a few headers.
            limits.MaxRequestBodySize = 0;
            limits.MaxRequestLineSize = 4 * 1024;
            limits.MaxRequestHeaderCount = 64;
            limits.MaxRequestHeadersTotalSize = 16 * 1024;

            // A client that opens a connection and sends its headers slowly (or never) is dropped.
            limits.RequestHeadersTimeout = WebSetup.RequestHeadersTimeout;
        });
        // Every part stops at once rather than one after the other: a client that does not read its answer keeps the web
        // server for the whole timeout, and the probe engine (its held connections) must not wait behind it.
        builder.Services.Configure<HostOptions>(options =>
        {
            options.ShutdownTimeout = ShutdownTimeout;
            options.ServicesStopConcurrently = true;
        });
        builder.Services.AddHostedService<UnobservedTaskExceptions>();
        return builder;
    }

    /// <summary>
    /// The garbage of reading the configuration goes once the exporter has started; <c>/-/healthy</c> and
    /// <c>/-/ready</c>, named as in Prometheus, answer without credentials (<c>AllowAnonymous</c>): a kubelet has
    /// none, and they tell only whether the exporter runs.
    /// </summary>
    public static WebApplication UseHostDefaults(this WebApplication app)
    {
        app.Lifetime.ApplicationStarted.Register(LoadGarbage.Collect);
        app.MapMethods("/-/healthy", WebSetup.GetAndHead, IResult (ProbeEngine engine, ActiveConfiguration active, TimeProvider time) =>
        {
            var idle = time.GetUtcNow() - engine.LastTick;
            var interval = active.Current.Probe.Interval;
            return idle <= 2 * interval
                ? TypedResults.Text("Healthy: the probe engine is running.\n")
                : TypedResults.Text($"Unhealthy: the probe engine has not run for {Duration.Format(idle)} (interval {Duration.Format(interval)}).\n",
                    statusCode: StatusCodes.Status503ServiceUnavailable);
        }).AllowAnonymous();
        app.MapMethods("/-/ready", WebSetup.GetAndHead, IResult (Fleet fleet) => fleet.IsReady
            ? TypedResults.Text("Ready: every collector has been probed.\n")
            : TypedResults.Text("Not ready: some collectors have not been probed yet.\n", statusCode: StatusCodes.Status503ServiceUnavailable))
            .AllowAnonymous();
        return app;
    }

    /// <summary>Traces probes with OTLP when the standard OpenTelemetry environment variables ask for it.</summary>
    private static void AddTracing(WebApplicationBuilder builder)
    {
        var configuration = builder.Configuration;
        if (string.IsNullOrEmpty(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]) && string.IsNullOrEmpty(configuration["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]))
        {
            return;
        }

        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource =>
            {
                // OTEL_SERVICE_NAME, when set, names the service instead.
                if (string.IsNullOrEmpty(configuration["OTEL_SERVICE_NAME"]))
                {
                    resource.AddService("logcollector-exporter", serviceVersion: BuildInfo.Current.Version);
                }
            })
            .WithTracing(tracing => tracing.AddSource(ProbeTelemetry.SourceName).AddOtlpExporter());
    }

    private static void AddLogging(WebApplicationBuilder builder)
    {
        // Defaults in the lowest layer, so that settings and environment variables still override them: one line per event
        // with a UTC timestamp, and no request logging (Prometheus scrapes would fill the log).
        // Logging__Console__FormatterName=json switches to JSON lines.
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource
        {
            InitialData =
            [
                new("Logging:LogLevel:Default", "Information"),
                new("Logging:LogLevel:Microsoft.AspNetCore", "Warning"),
                new("Logging:Console:FormatterName", "simple"),
            ],
        });

        // The slim builder fixes the console format in code; bound again here, configuration chooses it.
        builder.Services.Configure<ConsoleLoggerOptions>(builder.Configuration.GetSection("Logging:Console"));
        var formatterOptions = builder.Configuration.GetSection("Logging:Console:FormatterOptions");
        builder.Services.Configure<SimpleConsoleFormatterOptions>(options =>
        {
            options.SingleLine = formatterOptions["SingleLine"] is null || options.SingleLine;
            DefaultTimestamps(options, formatterOptions, "yyyy-MM-ddTHH:mm:ss.fffZ ");
        });
        builder.Services.Configure<JsonConsoleFormatterOptions>(options => DefaultTimestamps(options, formatterOptions, "yyyy-MM-ddTHH:mm:ss.fffZ"));
    }

    // UTC timestamps unless the configuration says otherwise.
    private static void DefaultTimestamps(ConsoleFormatterOptions options, IConfiguration configured, string format)
    {
        options.TimestampFormat = configured["TimestampFormat"] is null ? format : options.TimestampFormat;
        options.UseUtcTimestamp = configured["UseUtcTimestamp"] is null || options.UseUtcTimestamp;
    }
}
