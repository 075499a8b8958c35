namespace LogCollectorExporter.Web;

public static class WebSetup
{
    /// <summary>Where the exporter listens without TLS, unless <c>--urls</c> or <c>ASPNETCORE_URLS</c> says otherwise.</summary>
    public const string DefaultUrls = "http://0.0.0.0:9978";

    public const string PlainText = "text/plain; charset=utf-8";

    public static readonly string[] GetAndHead = [HttpMethods.Get, HttpMethods.Head];

    public static readonly TimeSpan RequestHeadersTimeout = TimeSpan.FromSeconds(5);

    /// <summary>What the endpoints share: the status (and when the exporter started), and one render of each page at a time.</summary>
    public static WebApplicationBuilder AddWeb(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton<StatusSource>();
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
}
