using LogCollectorExporter.Certificates;
using LogCollectorExporter.Configuration;

namespace LogCollectorExporter.Metrics;

/// <summary>
/// The certificate series of each collector the check reads: written by each check, removed with the collector (or
/// when the check is turned off). A failed check sets success 0 and keeps the last certificate's series. The checks
/// call it one call at a time.
/// </summary>
public sealed class CertificateSeries(ExporterMetrics metrics) : ICertificateObserver
{
    private readonly Dictionary<string, OwnedSeries> collectors = new(StringComparer.Ordinal);

    public void Checked(CollectorConfig collector, CertificateCheck check)
    {
        var name = collector.Name;
        if (!collectors.TryGetValue(name, out var series))
        {
            collectors[name] = series = new OwnedSeries();
        }

        series.Add(metrics.CertificateCheckSuccess.WithLabels(name)).Set(check.Succeeded ? 1 : 0);
        series.Add(metrics.CertificateLastCheckTimestamp.WithLabels(name)).Set(ExporterMetrics.UnixSeconds(check.At));
        if (check.Certificate is not { } certificate)
        {
            return;
        }

        series.Add(metrics.CertificateNotAfter.WithLabels(name)).Set(certificate.NotAfter.ToUnixTimeSeconds());
        series.Add(metrics.CertificateNotBefore.WithLabels(name)).Set(certificate.NotBefore.ToUnixTimeSeconds());
        series.Info(metrics.CertificateInfo, name, certificate.Subject, certificate.Issuer, certificate.SerialNumber, certificate.Sha256);
    }

    public void Removed(CollectorConfig collector)
    {
        if (collectors.Remove(collector.Name, out var series))
        {
            series.Remove();
        }
    }
}
