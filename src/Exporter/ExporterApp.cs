using LogCollectorExporter.Certificates;
using LogCollectorExporter.Configuration;
using LogCollectorExporter.Demo;
using LogCollectorExporter.Metrics;
using LogCollectorExporter.Panorama;
using LogCollectorExporter.Preference;
using LogCollectorExporter.Probing;
using LogCollectorExporter.Security;
using LogCollectorExporter.Web;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LogCollectorExporter;

/// <summary>The exporter, wired: the same composition runs in production and under the tests.</summary>
public static class ExporterApp
{
    /// <param name="configure">Lets a test replace services (registry, clock, resolver) before the app is built.</param>
    /// <exception cref="ConfigurationException">The configuration cannot be used.</exception>
    public static WebApplication Create(Launch launch, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder([.. launch.HostArgs]);
        configure?.Invoke(builder);
        var panorama = new PanoramaImportState();
        if (launch.Demo)
        {
            AddDemo(builder, launch, panorama);
        }
        else
        {
            builder.AddExporterConfiguration(ConfigLoader.FromFile(launch.ConfigFile ?? Launch.DefaultConfigFile, launch.HostArgs, panorama, savedMayFail: true))
                .AddPanorama(panorama);
        }

        builder.AddProbing();
        builder.AddCertificateChecks();
        builder.AddPreference();
        builder.AddExporterMetrics();
        builder.AddHostDefaults();
        builder.AddWeb();
        builder.AddWebSecurity(launch.WebConfigFiles);
        builder.Services.TryAddSingleton<IProbeObserver, ProbeReports>();
        builder.Services.AddSingleton<ConfigReloader>();
        builder.Services.AddSingleton<IConfigurationReload>(services => services.GetRequiredService<ConfigReloader>());

        var app = builder.Build();

        app.UseResponseDefaults();
        app.UseErrorsWithoutDetails();
        app.UseWebSecurity();
        app.MapMetricsEndpoint();
        app.MapStatusEndpoints();
        app.MapReloadEndpoint();
        app.UseHostDefaults();
        return app;
    }

    /// <summary>The demo's simulated collectors, for as long as the exporter runs, and its built-in configuration over them.</summary>
    private static void AddDemo(WebApplicationBuilder builder, Launch launch, PanoramaImportState panorama)
    {
        var demo = new DemoCollectors();
        try
        {
            builder.AddExporterConfiguration(ConfigLoader.BuiltIn(demo.Configuration, launch.HostArgs, panorama)).AddPanorama(panorama);
        }
        catch (ConfigurationException)
        {
            demo.Dispose();
            throw;
        }

        builder.Services.AddSingleton(_ => demo);
        builder.Services.AddHostedService<DemoCycle>();
    }
}
