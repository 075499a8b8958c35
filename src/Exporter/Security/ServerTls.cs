using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using LogCollectorExporter.Configuration;

namespace LogCollectorExporter.Security;

/// <summary>
/// The certificate, its key and chain, and the clients' CA, as read from the files of <c>tls_server_config</c>: what
/// each TLS handshake uses until the files change.
/// </summary>
/// <param name="Certificate">The server's certificate, with its private key.</param>
/// <param name="Context">The certificate with the chain that follows it in <c>cert_file</c>, as each handshake sends it.</param>
public sealed record ServerTls(
    TlsServerConfig Config, X509Certificate2 Certificate, SslStreamCertificateContext Context, X509Certificate2Collection ClientCas)
{
    private const string ServerAuthentication = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";

    /// <summary>Reads the certificate, key and CA files through <paramref name="files"/> (which fingerprints them).</summary>
    /// <exception cref="ConfigurationException">A file cannot be read, or does not hold what its key says.</exception>
    public static ServerTls Load(TlsServerConfig config, ConfigFiles files)
    {
        var certificatePem = Pem("cert_file", config.CertFile);
        var keyPem = Pem("key_file", config.KeyFile);
        var chain = Certificates("cert_file", config.CertFile, certificatePem);
        X509Certificate2 certificate;
        try
        {
            certificate = X509Certificate2.CreateFromPem(certificatePem, keyPem);
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            throw Error("key_file", $"{config.KeyFile} is not the private key of the certificate in {config.CertFile} " +
                $"(an unencrypted PEM RSA or ECDSA key is needed): {e.Message}");
        }

        if (certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault() is { } usage
            && !usage.EnhancedKeyUsages.Cast<Oid>().Any(u => u.Value == ServerAuthentication))
        {
            throw Error("cert_file", $"the certificate in {config.CertFile} ({certificate.Subject}) is not for TLS servers: its extended key usage lacks serverAuth");
        }

        var clientCas = config.ClientCaFile is { } caFile ? Certificates("client_ca_file", caFile, Pem("client_ca_file", caFile)) : [];

        // Offline: the chain is what cert_file holds, never fetched from the addresses in the certificates.
        try
        {
            return new ServerTls(config, certificate, SslStreamCertificateContext.Create(certificate, [.. chain.Skip(1)], offline: true), clientCas);
        }
        catch (CryptographicException e)
        {
            throw Error("cert_file", $"the certificate in {config.CertFile} cannot be served: {e.Message}");
        }

        // Read as text through the bounded reader; a key file is never quoted in a message.
        string Pem(string key, string path)
        {
            try
            {
                return Encoding.UTF8.GetString(files.ReadAllBytes(path));
            }
            catch (ConfigurationException e)
            {
                throw Error(key, e.Errors[0].ToString());
            }
        }

        X509Certificate2Collection Certificates(string key, string path, string pem)
        {
            var certificates = new X509Certificate2Collection();
            try
            {
                certificates.ImportFromPem(pem);
            }
            catch (CryptographicException e)
            {
                throw Error(key, $"{path} does not hold PEM certificates: {e.Message}");
            }

            return certificates.Count > 0 ? certificates : throw Error(key, $"{path} holds no certificate (-----BEGIN CERTIFICATE-----)");
        }

        ConfigurationException Error(string key, string problem) => new([new ConfigurationError(config.Source, $"tls_server_config.{key}", problem)]);
    }

    /// <summary>
    /// Whether a client's certificate may complete the handshake: any with the modes that do not verify, else one that
    /// chains to <c>client_ca_file</c>, is valid now and is for TLS clients. Nothing is fetched to decide.
    /// </summary>
    public bool Accepts(X509Certificate2 client, X509Chain? presented)
    {
        if (!Config.VerifiesClientCertificate)
        {
            return true;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(ClientCas);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid(ClientAuthentication));
        chain.ChainPolicy.ExtraStore.AddRange(presented?.ChainElements.Skip(1).Select(e => e.Certificate).ToArray() ?? []);

        return chain.Build(client);
    }
}
