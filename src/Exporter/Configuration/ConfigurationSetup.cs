using LogCollectorExporter.Demo;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LogCollectorExporter.Configuration;

public static class ConfigurationSetup
{
    /// <summary>Loads the configuration (the file, or the demo's) and wires its reload triggers: HTTP, SIGHUP, file change.</summary>
    /// <exception cref="ConfigurationException">The configuration cannot be used.</exception>
    public static WebApplicationBuilder AddExporterConfiguration(this WebApplicationBuilder builder, Launch launch)
    {
        ConfigLoader loader;
        ExporterConfig initial;
        if (launch.Demo)
        {
            var demo = new DemoCollectors();
            loader = ConfigLoader.BuiltIn(demo.Configuration, launch.HostArgs);
            try
            {
                initial = loader.Load();
            }
            catch (ConfigurationException)
            {
                demo.Dispose();
                throw;
            }

            builder.Services.AddSingleton(_ => demo);
            builder.Services.AddHostedService<DemoCycle>();
        }
        else
        {
            loader = ConfigLoader.FromFile(launch.ConfigFile ?? Launch.DefaultConfigFile, launch.HostArgs);
            initial = loader.Load();
        }

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(services => new ActiveConfiguration(initial, loader, services.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<ConfigReloader>();
        builder.Services.AddHostedService<ConfigFileWatcher>();
        builder.Services.AddHostedService<SighupReload>();
        return builder;
    }
}
