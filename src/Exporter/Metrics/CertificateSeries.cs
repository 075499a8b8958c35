using LogCollectorExporter.Certificates;
using LogCollectorExporter.Configuration;
using Prometheus;

namespace LogCollectorExporter.Metrics;

/// <summary>
/// The certificate series of each collector the check reads: written by each check, removed with the collector (or
/// when the check is turned off). A failed check sets success 0 and keeps the last certificate's series. The checks
/// call it one call at a time.
/// </summary>
public sealed class CertificateSeries(ExporterMetrics metrics) : ICertificateObserver
{
    private readonly Dictionary<string, Owned> collectors = new(StringComparer.Ordinal);

    public void Checked(CollectorConfig collector, CertificateCheck check)
    {
        var name = collector.Name;
        if (!collectors.TryGetValue(name, out var owned))
        {
            collectors[name] = owned = new Owned();
        }

        var series = owned.Series;
        series.Add(metrics.CertificateCheckSuccess.WithLabels(name)).Set(check.Succeeded ? 1 : 0);
        series.Add(metrics.CertificateLastCheckTimestamp.WithLabels(name)).Set(ExporterMetrics.UnixSeconds(check.At));
        if (check.Certificate is not { } certificate)
        {
            return;
        }

        series.Add(metrics.CertificateNotAfter.WithLabels(name)).Set(certificate.NotAfter.ToUnixTimeSeconds());
        series.Add(metrics.CertificateNotBefore.WithLabels(name)).Set(certificate.NotBefore.ToUnixTimeSeconds());
        string[] labels = [name, certificate.Subject, certificate.Issuer, certificate.SerialNumber, certificate.Sha256];
        if (labels.SequenceEqual(owned.InfoLabels))
        {
            return;
        }

        owned.InfoLabels = labels;
        owned.Info = series.Replace(owned.Info, metrics.CertificateInfo.WithLabels(labels));
        owned.Info.Set(1);
    }

    public void Removed(CollectorConfig collector)
    {
        if (collectors.Remove(collector.Name, out var owned))
        {
            owned.Series.Remove();
        }
    }

    /// <summary>One collector's certificate series, and the labels of its info series as last written.</summary>
    private sealed class Owned
    {
        public OwnedSeries Series { get; } = new();

        public string[] InfoLabels { get; set; } = [];

        public Gauge.Child? Info { get; set; }
    }
}
