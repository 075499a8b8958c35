using LogCollectorExporter.Configuration;
using LogCollectorExporter.Metrics;
using LogCollectorExporter.Preference;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LogCollectorExporter.Probing;

public static class ProbingSetup
{
    /// <summary>The fleet's state, the probe engine, and the hosted service that runs it.</summary>
    public static WebApplicationBuilder AddProbing(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(services => new Fleet(
            services.GetRequiredService<ExporterMetrics>(),
            services.GetRequiredService<ILogger<GroupMonitor>>(),
            services.GetRequiredService<ActiveConfiguration>().Current));
        builder.Services.TryAddSingleton<IHostResolver, SystemHostResolver>();
        builder.Services.AddSingleton<ProbeEngine>();
        builder.Services.AddSingleton<ProbingService>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ProbingService>());
        return builder;
    }
}
