using System.Net;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace LogCollectorExporter.Tests.Support;

/// <summary>A certificate authority of the test's own, issuing server and client certificates for 127.0.0.1, written as PEM.</summary>
public sealed class TestCertificateAuthority
{
    private const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";
    private readonly ECDsa key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public TestCertificateAuthority(string name)
    {
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        Certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    public X509Certificate2 Certificate { get; }

    /// <summary>A certificate for a TLS server at 127.0.0.1 and localhost, and any other names given.</summary>
    public X509Certificate2 IssueServer(string name = "logcollector-exporter", params string[] dnsNames) => Issue(name, ServerAuthentication, dnsNames);

    /// <summary>A self-signed server certificate for 127.0.0.1 valid from <paramref name="notBefore"/> to <paramref name="notAfter"/> (either may be past), with a serial number of its own.</summary>
    public static X509Certificate2 SelfSignedServer(string name, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        // The key lives as long as the certificate that a TLS server signs with.
        var subjectKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}, O=Test Collectors", subjectKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(ServerAuthentication)], false));
        return request.CreateSelfSigned(notBefore, notAfter);
    }

    /// <summary>A certificate for a TLS client, such as Prometheus.</summary>
    public X509Certificate2 IssueClient(string name = "prometheus") => Issue(name, ClientAuthentication, null);

    /// <summary>Writes the CA's certificate as PEM; the path.</summary>
    public string WriteCertificate(string path)
    {
        File.WriteAllText(path, Certificate.ExportCertificatePem());
        return path;
    }

    /// <summary>Writes a certificate and its key as PEM files, as cert-manager's Secret holds them (tls.crt, tls.key).</summary>
    public static (string Certificate, string Key) Write(X509Certificate2 certificate, string certificatePath, string keyPath)
    {
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        return (certificatePath, keyPath);
    }

    /// <summary>
    /// A client that trusts only this CA (and checks the name: the address's, or <paramref name="serverName"/>, as
    /// Prometheus's tls_config does), speaks only <paramref name="protocols"/> and presents
    /// <paramref name="clientCertificate"/>; <paramref name="seen"/> gets every server certificate it is shown.
    /// </summary>
    public HttpClient Client(Uri baseAddress, X509Certificate2? clientCertificate = null, SslProtocols protocols = SslProtocols.None,
        Action<X509Certificate2>? seen = null, NetworkCredential? credentials = null, string? serverName = null) =>
        Create(baseAddress, (server, errors) =>
        {
            seen?.Invoke(server);
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(Certificate);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            var named = serverName is null ? (errors & SslPolicyErrors.RemoteCertificateNameMismatch) == 0 : server.MatchesHostname(serverName);
            return chain.Build(server) && named;
        }, clientCertificate, protocols, credentials);

    /// <summary>A client as the kubelet's HTTPS probe is: it checks no certificate and presents none.</summary>
    public static HttpClient Kubelet(Uri baseAddress) => Create(baseAddress, (_, _) => true, null, SslProtocols.None, null);

    private static HttpClient Create(Uri baseAddress, Func<X509Certificate2, SslPolicyErrors, bool> validate, X509Certificate2? clientCertificate,
        SslProtocols protocols, NetworkCredential? credentials)
    {
        var handler = new SocketsHttpHandler
        {
            // A new connection for every request: each one is a handshake with what the server serves now.
            PooledConnectionLifetime = TimeSpan.Zero,
            SslOptions = new SslClientAuthenticationOptions
            {
                EnabledSslProtocols = protocols,
                ClientCertificates = clientCertificate is null ? null : [clientCertificate],
                RemoteCertificateValidationCallback = (_, certificate, _, errors) => validate(new X509Certificate2(certificate!), errors),
            },
        };
        var client = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(20) };
        if (credentials is not null)
        {
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic",
                Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{credentials.UserName}:{credentials.Password}")));
        }

        return client;
    }

    /// <param name="dnsNames">null for a client; for a server, its names besides 127.0.0.1 and localhost.</param>
    private X509Certificate2 Issue(string name, string usage, string[]? dnsNames)
    {
        using var subjectKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", subjectKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], false));
        if (dnsNames is not null)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            foreach (var dnsName in dnsNames.Prepend("localhost"))
            {
                names.AddDnsName(dnsName);
            }

            request.CertificateExtensions.Add(names.Build());
        }

        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7f;
        using var issued = request.Create(Certificate, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(7), serial);
        return issued.CopyWithPrivateKey(subjectKey);
    }
}
