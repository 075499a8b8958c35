using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace LogCollectorExporter.Certificates;

/// <summary>What the check keeps of the leaf certificate a collector presented.</summary>
/// <param name="Subject">The subject as .NET writes an X.500 name: most specific part first, ", " between (<c>CN=lc-224, O=Example</c>).</param>
/// <param name="Issuer">The issuer, written the same way.</param>
/// <param name="SerialNumber">Lowercase hex, as the certificate encodes it.</param>
/// <param name="Sha256">Lowercase hex SHA-256 fingerprint of the DER.</param>
public sealed record ServedCertificate(DateTimeOffset NotBefore, DateTimeOffset NotAfter, string Subject, string Issuer, string SerialNumber, string Sha256)
{
    public static ServedCertificate Of(X509Certificate2 certificate) => new(
        new DateTimeOffset(certificate.NotBefore.ToUniversalTime()),
        new DateTimeOffset(certificate.NotAfter.ToUniversalTime()),
        certificate.Subject,
        certificate.Issuer,
        certificate.SerialNumber.ToLowerInvariant(),
        Convert.ToHexStringLower(SHA256.HashData(certificate.RawData)));
}
