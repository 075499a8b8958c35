using LogCollectorExporter.Configuration;

namespace LogCollectorExporter.Preference;

public static class PreferenceSetup
{
    /// <summary>The fleet, with the running configuration; what changes in it goes to the <see cref="IFleetObserver"/> registered by the host.</summary>
    public static WebApplicationBuilder AddPreference(this WebApplicationBuilder builder)
    {
        builder.Services.AddSingleton(services => new Fleet(
            services.GetRequiredService<IFleetObserver>(),
            services.GetRequiredService<ILogger<Fleet>>(),
            services.GetRequiredService<ActiveConfiguration>().Current));
        return builder;
    }
}
