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
    private readonly Dictionary<string, string[]> infoLabels = new(StringComparer.Ordinal);

    public void Checked(CollectorConfig collector, CertificateCheck check)
    {
        var name = collector.Name;
        metrics.CertificateCheckSuccess.WithLabels(name).Set(check.Succeeded ? 1 : 0);
        metrics.CertificateLastCheckTimestamp.WithLabels(name).Set(ExporterMetrics.UnixSeconds(check.At));
        if (check.Certificate is not { } certificate)
        {
            return;
        }

        metrics.CertificateNotAfter.WithLabels(name).Set(certificate.NotAfter.ToUnixTimeSeconds());
        metrics.CertificateNotBefore.WithLabels(name).Set(certificate.NotBefore.ToUnixTimeSeconds());
        string[] labels = [name, certificate.Subject, certificate.Issuer, certificate.SerialNumber, certificate.Sha256];
        if (infoLabels.TryGetValue(name, out var old))
        {
            if (old.SequenceEqual(labels))
            {
                return;
            }

            metrics.CertificateInfo.RemoveLabelled(old);
        }

        infoLabels[name] = labels;
        metrics.CertificateInfo.WithLabels(labels).Set(1);
    }

    public void Removed(CollectorConfig collector)
    {
        var name = collector.Name;
        metrics.CertificateCheckSuccess.RemoveLabelled(name);
        metrics.CertificateLastCheckTimestamp.RemoveLabelled(name);
        metrics.CertificateNotAfter.RemoveLabelled(name);
        metrics.CertificateNotBefore.RemoveLabelled(name);
        if (infoLabels.Remove(name, out var labels))
        {
            metrics.CertificateInfo.RemoveLabelled(labels);
        }
    }
}
