using LogCollectorExporter.Configuration;

namespace LogCollectorExporter.Certificates;

/// <summary>How the last check of a collector went, and the last certificate any check of it read.</summary>
/// <param name="Certificate">The certificate this check read, or else the last one read at this endpoint; null when none was.</param>
/// <param name="Error">Why it read none, in one line.</param>
public sealed record CertificateCheck(DateTimeOffset At, bool Succeeded, ServedCertificate? Certificate, string? Error);

/// <summary>Hears of every certificate check, one call at a time, under the checks' lock: must return quickly.</summary>
public interface ICertificateObserver
{
    void Checked(CollectorConfig collector, CertificateCheck check);

    /// <summary>The collector is no longer checked (gone, at another endpoint, or the check was turned off): what was read of it goes.</summary>
    void Removed(CollectorConfig collector);
}
