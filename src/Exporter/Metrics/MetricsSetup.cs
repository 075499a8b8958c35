using LogCollectorExporter.Certificates;
using LogCollectorExporter.Configuration;
using LogCollectorExporter.Platform;
using LogCollectorExporter.Preference;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Prometheus;

namespace LogCollectorExporter.Metrics;

public static class MetricsSetup
{
    /// <summary>
    /// The metrics, in prometheus-net's default registry unless a test brought its own. The handshake histogram's
    /// buckets come from the configuration at start.
    /// </summary>
    public static WebApplicationBuilder AddExporterMetrics(this WebApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton(Prometheus.Metrics.DefaultRegistry);
        builder.Services.AddSingleton(services => new ExporterMetrics(
            services.GetRequiredService<CollectorRegistry>(),
            services.GetRequiredService<ActiveConfiguration>().Current.Probe.Buckets,
            BuildInfo.Current));
        builder.Services.AddSingleton<IFleetObserver, FleetSeries>();
        builder.Services.AddSingleton<ICertificateObserver, CertificateSeries>();
        builder.Services.AddSingleton<SourceSeries>();
        return builder;
    }
}
