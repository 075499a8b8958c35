using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LogCollectorExporter.Probing;

public static class ProbingSetup
{
    /// <summary>The probe engine and the hosted service that runs it; its reports go to the <see cref="IProbeObserver"/> registered by the host.</summary>
    public static WebApplicationBuilder AddProbing(this WebApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton<IHostResolver, SystemHostResolver>();
        builder.Services.AddSingleton<ProbeEngine>();
        builder.Services.AddSingleton<ProbingService>();
        builder.Services.AddHostedService(services => services.GetRequiredService<ProbingService>());
        return builder;
    }
}
