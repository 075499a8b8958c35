using LogCollectorExporter.Configuration;
using LogCollectorExporter.Metrics;
using LogCollectorExporter.Probing;

namespace LogCollectorExporter.Preference;

public static class PreferenceSetup
{
    /// <summary>The fleet's state, which observes the probe engine.</summary>
    public static WebApplicationBuilder AddPreference(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(services => new Fleet(
            services.GetRequiredService<ExporterMetrics>(),
            services.GetRequiredService<ILogger<GroupMonitor>>(),
            services.GetRequiredService<ActiveConfiguration>().Current));
        builder.Services.AddSingleton<IProbeObserver>(services => services.GetRequiredService<Fleet>());
        return builder;
    }
}
