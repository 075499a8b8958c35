using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LogCollectorExporter.Configuration;

public static class ConfigurationSetup
{
    /// <summary>Loads the configuration and wires the reload triggers that watch its files: SIGHUP, a file change (Panorama's refresher is the third).</summary>
    /// <exception cref="ConfigurationException">The configuration cannot be used.</exception>
    public static WebApplicationBuilder AddExporterConfiguration(this WebApplicationBuilder builder, ConfigLoader loader)
    {
        var initial = loader.Load();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(services => new ActiveConfiguration(initial, loader, services.GetRequiredService<TimeProvider>()));
        builder.Services.AddHostedService<ConfigFileWatcher>();
        builder.Services.AddHostedService<SighupReload>();
        return builder;
    }
}
