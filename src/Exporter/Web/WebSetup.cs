using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Configuration.Memory;

namespace LogCollectorExporter.Web;

public static class WebSetup
{
    public const string DefaultUrls = "http://0.0.0.0:9978";

    public const int MaxConnections = 512;

    public const string PlainText = "text/plain; charset=utf-8";

    public static readonly TimeSpan RequestHeadersTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How long requests in flight may take to finish once SIGTERM came; the process exits within 5 s of it (README).</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(3);

    /// <summary>
    /// Listens on <see cref="DefaultUrls"/> (with TLS, <see cref="WebSecuritySetup.DefaultHttpsUrls"/>) unless
    /// <c>--urls</c> or <c>ASPNETCORE_URLS</c> says otherwise; stops within 5 s.
    /// </summary>
    /// <param name="webConfigFiles">The <c>--web.config.file</c> files: TLS, basic authentication, headers.</param>
    /// <exception cref="Configuration.ConfigurationException">The web configuration cannot be used.</exception>
    public static WebApplicationBuilder AddWeb(this WebApplicationBuilder builder, IReadOnlyList<string> webConfigFiles)
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

        builder.AddWebSecurity(webConfigFiles);
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
            limits.RequestHeadersTimeout = RequestHeadersTimeout;
        });
        // Every part stops at once rather than one after the other: a client that does not read its answer keeps the web
        // server for the whole timeout, and the probe engine (its held connections) must not wait behind it.
        builder.Services.Configure<HostOptions>(options =>
        {
            options.ShutdownTimeout = ShutdownTimeout;
            options.ServicesStopConcurrently = true;
        });
        builder.Services.AddSingleton(services => new ExporterStart(services.GetRequiredService<TimeProvider>().GetUtcNow()));
        builder.Services.AddSingleton<CoalescedRenders>();
        return builder;
    }

    /// <summary>
    /// An endpoint that fails answers 500 with a line that says to look at the log, which has the exception: never a
    /// stack trace or anything else from inside, whatever the environment (Development included).
    /// </summary>
    public static WebApplication UseErrorsWithoutDetails(this WebApplication app)
    {
        app.UseExceptionHandler(new ExceptionHandlerOptions
        {
            ExceptionHandler = context => context.Response.WriteAsync("The exporter failed to answer this request; its log says why.\n"),
        });
        return app;
    }

    /// <summary>
    /// Every answer says what it is and that it is to be taken as that: <c>X-Content-Type-Options: nosniff</c>, and a
    /// Content-Type (plain text when the endpoint set none), so that no browser guesses HTML from text that echoes a
    /// request. <c>http_server_config.headers</c> may still set either.
    /// </summary>
    public static WebApplication UseResponseDefaults(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            var response = context.Response;
            response.Headers.XContentTypeOptions = "nosniff";
            response.OnStarting(static state =>
            {
                var response = (HttpResponse)state;
                response.ContentType ??= PlainText;
                return Task.CompletedTask;
            }, response);
            return next(context);
        });
        return app;
    }

    // UTC timestamps unless the configuration says otherwise.
    private static void DefaultTimestamps(ConsoleFormatterOptions options, IConfiguration configured, string format)
    {
        if (configured["TimestampFormat"] is null)
        {
            options.TimestampFormat = format;
        }

        if (configured["UseUtcTimestamp"] is null)
        {
            options.UseUtcTimestamp = true;
        }
    }
}
