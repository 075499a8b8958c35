using Microsoft.Extensions.Configuration.Memory;

namespace LogCollectorExporter.Web;

public static class WebSetup
{
    public const string DefaultUrls = "http://0.0.0.0:9978";

    /// <summary>Listens on <see cref="DefaultUrls"/> unless <c>--urls</c> or <c>ASPNETCORE_URLS</c> says otherwise; stops within 5 s.</summary>
    public static WebApplicationBuilder AddWeb(this WebApplicationBuilder builder)
    {
        // Request logging is for debugging: Prometheus scrapes would fill the log. Lowest layer, so settings still override it.
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource
        {
            InitialData = [new("Logging:LogLevel:Microsoft.AspNetCore", "Warning")],
        });

        if (string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
        {
            builder.WebHost.UseUrls(DefaultUrls);
        }

        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(4));
        builder.Services.AddSingleton(services => new ExporterStart(services.GetRequiredService<TimeProvider>().GetUtcNow()));
        return builder;
    }
}
