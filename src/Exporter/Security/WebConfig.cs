using System.Security.Authentication;

namespace LogCollectorExporter.Security;

/// <summary>
/// What the web configuration file (<c>--web.config.file</c>, the Prometheus exporter-toolkit's format) asks for: TLS,
/// response headers and basic-authentication users. Empty when no file is given: plain HTTP, open to all.
/// </summary>
/// <param name="Tls">The <c>tls_server_config</c>; null serves plain HTTP.</param>
/// <param name="Headers">The <c>http_server_config.headers</c> set on every response, by their canonical names.</param>
/// <param name="Users">The <c>basic_auth_users</c>: user name to bcrypt hash; empty asks no one for a password.</param>
/// <param name="Files">The web configuration files it was read from.</param>
public sealed record WebConfig(
    TlsServerConfig? Tls,
    IReadOnlyList<KeyValuePair<string, string>> Headers,
    IReadOnlyDictionary<string, string> Users,
    IReadOnlyList<string> Files)
{
    public static WebConfig None { get; } = new(null, [], new Dictionary<string, string>(), []);

    /// <summary>Where the web configuration comes from, for messages.</summary>
    public string Description => string.Join(", ", Files);
}

/// <summary>
/// The toolkit's <c>client_auth_type</c> values, with the meaning Go's <c>crypto/tls</c> gives them: Request and
/// VerifyIfGiven ask for a certificate, the Require ones demand it (for every path but the health checks), the Verify
/// ones check one given against <c>client_ca_file</c>. <c>RequireClientCert</c> is <see cref="RequireAnyClientCert"/>.
/// </summary>
public enum ClientAuthType
{
    NoClientCert,
    RequestClientCert,
    RequireAnyClientCert,
    VerifyClientCertIfGiven,
    RequireAndVerifyClientCert,
}

/// <summary>The <c>tls_server_config</c> section, its paths made absolute (relative ones start at the web config file's folder).</summary>
/// <param name="Source">The web config file it was read from.</param>
/// <param name="Protocols">From <c>min_version</c> to <c>max_version</c>: TLS 1.2, 1.3 or both.</param>
public sealed record TlsServerConfig(
    string Source, string CertFile, string KeyFile, ClientAuthType ClientAuth, string? ClientCaFile, SslProtocols Protocols)
{
    /// <summary>Whether a request (but to the health checks) needs a client certificate.</summary>
    public bool RequiresClientCertificate => ClientAuth is ClientAuthType.RequireAnyClientCert or ClientAuthType.RequireAndVerifyClientCert;

    /// <summary>Whether a client certificate given must be signed by <see cref="ClientCaFile"/>.</summary>
    public bool VerifiesClientCertificate => ClientAuth is ClientAuthType.VerifyClientCertIfGiven or ClientAuthType.RequireAndVerifyClientCert;
}
