using System.Text;
using LogCollectorExporter.Configuration;
using LogCollectorExporter.Metrics;
using LogCollectorExporter.Platform;
using LogCollectorExporter.Preference;
using Prometheus;

namespace LogCollectorExporter.Web;

public static class ExporterEndpoints
{
    private const string TextFormat = "text/plain; version=0.0.4; charset=utf-8";
    private const string OpenMetricsFormat = "application/openmetrics-text; version=1.0.0; charset=utf-8";
    private const string JsonFormat = "application/json; charset=utf-8";
    private const string HtmlFormat = "text/html; charset=utf-8";
    private static readonly UTF8Encoding PageEncoding = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary><c>/metrics</c>, from prometheus-net's registry: the Prometheus text format, or OpenMetrics when the scraper prefers it.</summary>
    public static WebApplication MapMetricsEndpoint(this WebApplication app)
    {
        var registry = app.Services.GetRequiredService<CollectorRegistry>();
        app.Services.GetRequiredService<SourceSeries>().Attach(registry);
        var renders = app.Services.GetRequiredService<CoalescedRenders>();
        app.MapMethods("/metrics", WebSetup.GetAndHead, async Task (HttpContext context) =>
        {
            var (format, contentType) = Negotiate(context.Request);
            await SendAsync(context, renders.RenderAsync(contentType, "", body => registry.CollectAndExportAsTextAsync(body, format, CancellationToken.None)));
        });
        return app;
    }

    /// <summary><c>/api/v1/status</c>, and the same for people at <c>/</c>; either narrowed to one group with <c>?group=NAME</c>.</summary>
    public static WebApplication MapStatusEndpoints(this WebApplication app)
    {
        // Taken now, as the app is put together, rather than at the first request: it knows when the exporter started.
        var status = app.Services.GetRequiredService<StatusSource>();
        var renders = app.Services.GetRequiredService<CoalescedRenders>();
        app.MapMethods("/api/v1/status", WebSetup.GetAndHead, async Task (HttpContext context) =>
        {
            var (name, group) = GroupAsked(context, status);
            if (name is not null && group is null)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                context.Response.ContentType = WebSetup.PlainText;
                await context.Response.WriteAsync($"No group named \"{ErrorText.Line(name)}\".\n");
                return;
            }

            await SendAsync(context, renders.RenderAsync(JsonFormat, name ?? "", body => status.Capture(group).WriteJsonAsync(body)));
        });
        app.MapMethods("/", WebSetup.GetAndHead, async Task (HttpContext context) =>
        {
            // The page runs no script and loads nothing: say so to the browser, so escaped text can never become either.
            context.Response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'";
            var (name, group) = GroupAsked(context, status);
            if (name is not null && group is null)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
            }

            await SendAsync(context, renders.RenderAsync(HtmlFormat, name ?? "", body =>
            {
                var now = status.Now;
                var page = name is null ? StatusPage.Render(status.Capture(null), now)
                    : group is null ? StatusPage.RenderNoSuchGroup(status.Header(), now, name)
                    : StatusPage.RenderGroup(status.Capture(group), now);
                // Encoded a buffer at a time: the page's bytes are never all in one array (at 5,000 groups, one in the large object heap).
                using var writer = new StreamWriter(body, PageEncoding, leaveOpen: true);
                writer.Write(page);
                return Task.CompletedTask;
            }));
        });
        return app;
    }

    /// <summary><c>POST /-/reload</c>, named as in Prometheus.</summary>
    public static WebApplication MapReloadEndpoint(this WebApplication app)
    {
        app.MapPost("/-/reload", async Task<IResult> (HttpContext context, IConfigurationReload reloader) =>
        {
            // Nothing is read from a body, so a request that sends one is not what it seems to be.
            if (context.Request.ContentLength is > 0 || context.Request.Headers.TransferEncoding.Count > 0)
            {
                return TypedResults.Text("POST /-/reload takes no body: the configuration is read from its file.\n", statusCode: StatusCodes.Status413PayloadTooLarge);
            }

            return await reloader.ReloadAsync(ReloadTrigger.Http, context.RequestAborted) is { } error
                ? TypedResults.Text(error + "\n", statusCode: StatusCodes.Status400BadRequest)
                : TypedResults.Text("Configuration reloaded.\n");
        });
        return app;
    }

    /// <summary>
    /// Sends a shared render a block at a time, each written once the connection has taken the one before: a slow or
    /// busy client holds a block of the answer in the exporter's memory, not a copy of all of it (a copy each, given to
    /// many connections at once, multiplied the memory: docs/benchmarks.md).
    /// </summary>
    private static async Task SendAsync(HttpContext context, Task<Rendered> rendering)
    {
        try
        {
            var rendered = await rendering.WaitAsync(context.RequestAborted);
            var response = context.Response;
            response.ContentType = rendered.ContentType;
            response.ContentLength = rendered.Length;
            if (HttpMethods.IsHead(context.Request.Method))
            {
                return;
            }

            foreach (var segment in rendered.Segments)
            {
                await response.Body.WriteAsync(segment, context.RequestAborted);
            }
        }
        finally
        {
            // This request's share of the render, whether it sent it or went away first (then when the render is done).
            _ = rendering.ContinueWith(static done => done.Result.Release(), CancellationToken.None,
                TaskContinuationOptions.OnlyOnRanToCompletion | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    /// <summary>OpenMetrics when the scraper ranks it above the Prometheus text format, as Prometheus does by default.</summary>
    private static (ExpositionFormat Format, string ContentType) Negotiate(HttpRequest request)
    {
        var preferred = request.GetTypedHeaders().Accept.OrderByDescending(a => a.Quality ?? 1)
            .Select(a => a.MediaType.Value?.ToLowerInvariant())
            .FirstOrDefault(type => type is "text/plain" or "application/openmetrics-text");
        return preferred == "application/openmetrics-text"
            ? (ExpositionFormat.OpenMetricsText, OpenMetricsFormat)
            : (ExpositionFormat.PrometheusText, TextFormat);
    }

    /// <summary>The group that <c>?group=NAME</c> asks for: no name when the request asks for every group, no group when none has that name.</summary>
    private static (string? Name, GroupTracker? Group) GroupAsked(HttpContext context, StatusSource status) =>
        context.Request.Query["group"].FirstOrDefault() is { Length: > 0 } name ? (name, status.FindGroup(name)) : (null, null);
}
