using LogCollectorExporter.Probing;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace LogCollectorExporter.Certificates;

public static class CertificateCheckSetup
{
    /// <summary>The certificate checks and the hosted service that runs them; their results go to the <see cref="ICertificateObserver"/> the host registers.</summary>
    public static WebApplicationBuilder AddCertificateChecks(this WebApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton<IHostResolver, SystemHostResolver>();
        builder.Services.AddSingleton<CertificateReader>();
        builder.Services.AddSingleton<CertificateChecks>();
        builder.Services.AddHostedService(services => services.GetRequiredService<CertificateChecks>());
        return builder;
    }
}
