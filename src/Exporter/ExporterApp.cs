using LogCollectorExporter.Configuration;
using LogCollectorExporter.Metrics;
using LogCollectorExporter.Preference;
using LogCollectorExporter.Probing;
using LogCollectorExporter.Web;

namespace LogCollectorExporter;

/// <summary>The exporter, wired: the same composition runs in production and under the tests.</summary>
public static class ExporterApp
{
    /// <param name="launch">What the command line asked for.</param>
    /// <param name="configure">Lets a test replace services (registry, clock, probe) before the app is built.</param>
    /// <exception cref="ConfigurationException">The configuration cannot be used.</exception>
    public static WebApplication Create(Launch launch, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder([.. launch.HostArgs]);
        configure?.Invoke(builder);
        builder.AddExporterConfiguration(launch);
        builder.AddExporterMetrics();
        builder.AddPreference();
        builder.AddProbing();
        builder.AddProbeTracing();
        builder.AddWeb();
        builder.Services.AddHostedService<UnobservedTaskExceptions>();

        var app = builder.Build();
        app.UseErrorsWithoutDetails();
        app.MapMetricsEndpoint();
        app.MapStatusEndpoints();
        app.MapLifecycleEndpoints();
        return app;
    }
}
