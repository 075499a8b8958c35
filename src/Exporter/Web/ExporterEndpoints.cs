using LogCollectorExporter.Configuration;
using LogCollectorExporter.Metrics;
using LogCollectorExporter.Preference;
using LogCollectorExporter.Probing;
using Microsoft.AspNetCore.Routing;
using Prometheus;

namespace LogCollectorExporter.Web;

/// <summary>When the exporter started: for the status document's uptime.</summary>
public sealed record ExporterStart(DateTimeOffset At);

public static class ExporterEndpoints
{
    /// <summary><c>/metrics</c>, from prometheus-net and nothing else.</summary>
    public static WebApplication MapMetricsEndpoint(this WebApplication app)
    {
        app.MapMetrics("/metrics", app.Services.GetRequiredService<CollectorRegistry>())
            .WithMetadata(new HttpMethodMetadata([HttpMethods.Get, HttpMethods.Head]));
        return app;
    }

    /// <summary><c>/api/v1/status</c>, and the same for people at <c>/</c>.</summary>
    public static WebApplication MapStatusEndpoints(this WebApplication app)
    {
        // Taken now, as the app is put together, rather than at the first request.
        var start = app.Services.GetRequiredService<ExporterStart>();
        app.MapGet("/api/v1/status", (Fleet fleet, ActiveConfiguration active) =>
            TypedResults.Json(Capture(fleet, active, start), StatusJsonContext.Default.StatusDocument));
        app.MapGet("/", (HttpContext context, Fleet fleet, ActiveConfiguration active, TimeProvider time) =>
        {
            // The page runs no script and loads nothing: say so to the browser, so escaped text can never become either.
            context.Response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'";
            context.Response.Headers.XContentTypeOptions = "nosniff";
            return TypedResults.Content(StatusPage.Render(Capture(fleet, active, start), time.GetUtcNow()), "text/html; charset=utf-8");
        });
        return app;
    }

    /// <summary><c>/-/healthy</c>, <c>/-/ready</c> and <c>POST /-/reload</c>, named as in Prometheus.</summary>
    public static WebApplication MapLifecycleEndpoints(this WebApplication app)
    {
        app.MapGet("/-/healthy", IResult (ProbeEngine engine, Fleet fleet, TimeProvider time) =>
        {
            var idle = time.GetUtcNow() - engine.LastTick;
            return idle <= 2 * fleet.Probe.Interval
                ? TypedResults.Text("Healthy: the probe engine is running.\n")
                : TypedResults.Text($"Unhealthy: the probe engine has not run for {Duration.Format(idle)} (interval {Duration.Format(fleet.Probe.Interval)}).\n",
                    statusCode: StatusCodes.Status503ServiceUnavailable);
        });
        app.MapGet("/-/ready", IResult (Fleet fleet) => fleet.IsReady
            ? TypedResults.Text("Ready: every collector has been probed.\n")
            : TypedResults.Text("Not ready: some collectors have not been probed yet.\n", statusCode: StatusCodes.Status503ServiceUnavailable));
        app.MapPost("/-/reload", async Task<IResult> (ConfigReloader reloader, CancellationToken cancellationToken) =>
            await reloader.ReloadAsync("http", cancellationToken) is { } error
                ? TypedResults.Text(error + "\n", statusCode: StatusCodes.Status400BadRequest)
                : TypedResults.Text("Configuration reloaded.\n"));
        return app;
    }

    private static StatusDocument Capture(Fleet fleet, ActiveConfiguration active, ExporterStart start) =>
        StatusDocument.Capture(fleet, active, BuildInfo.Current, start.At, fleet.IsReady);
}
