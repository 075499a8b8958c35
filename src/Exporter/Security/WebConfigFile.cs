using System.Globalization;
using System.Text.RegularExpressions;
using LogCollectorExporter.Configuration;
using YamlDotNet.RepresentationModel;

namespace LogCollectorExporter.Security;

/// <summary>
/// Reads <c>--web.config.file</c> in the Prometheus exporter-toolkit's format (its docs/web-configuration.md), keys as
/// it spells them. A key the exporter does not take, the toolkit's own included, is an error naming it: a setting that
/// silently does nothing (a cipher list, a SAN filter) would be a security setting that is not there. Every error of
/// the files at once, each with its file and key path; a secret (a bcrypt hash) is never quoted.
/// </summary>
public static partial class WebConfigFile
{
    /// <summary>The headers <c>http_server_config.headers</c> may set, and the values allowed where the toolkit fixes them.</summary>
    private static readonly Dictionary<string, string[]> AllowedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Content-Security-Policy"] = [],
        ["X-Frame-Options"] = ["deny", "sameorigin"],
        ["X-Content-Type-Options"] = ["nosniff"],
        ["X-XSS-Protection"] = [],
        ["Strict-Transport-Security"] = [],
    };

    private static readonly Dictionary<string, ClientAuthType> ClientAuthTypes = new(StringComparer.Ordinal)
    {
        ["NoClientCert"] = ClientAuthType.NoClientCert,
        ["RequestClientCert"] = ClientAuthType.RequestClientCert,
        ["RequireAnyClientCert"] = ClientAuthType.RequireAnyClientCert,
        ["RequireClientCert"] = ClientAuthType.RequireAnyClientCert,
        ["VerifyClientCertIfGiven"] = ClientAuthType.VerifyClientCertIfGiven,
        ["RequireAndVerifyClientCert"] = ClientAuthType.RequireAndVerifyClientCert,
    };

    /// <summary>A web configuration nests three levels deep (http_server_config, headers, a header).</summary>
    private const int MaxDepth = 16;

    private static readonly string[] TopLevelKeys = ["tls_server_config", "http_server_config", "basic_auth_users"];
    private static readonly string[] TlsKeys = ["cert_file", "key_file", "client_auth_type", "client_ca_file", "min_version", "max_version"];
    private static readonly string[] HttpKeys = ["headers"];

    /// <summary>The toolkit's keys that the exporter does not take, and why: said in the error, so the reader knows what to do instead.</summary>
    private static readonly Dictionary<string, string> NotSupported = new(StringComparer.Ordinal)
    {
        ["rate_limit"] = "the exporter limits requests itself (connections, request sizes, one render at a time, a budget for password checks): remove it",
        ["auth_excluded_paths"] = "/-/healthy and /-/ready never ask for a password and every other path does: remove it",
        ["tls_server_config.cert"] = "a certificate written inline is not supported: put it in a file and give cert_file",
        ["tls_server_config.key"] = "a key written inline is not supported: put it in a file (readable by the exporter only) and give key_file",
        ["tls_server_config.client_ca"] = "a CA written inline is not supported: put it in a file and give client_ca_file",
        ["tls_server_config.cipher_suites"] = "the cipher suites are OpenSSL's defaults for TLS 1.2 and 1.3, which .NET does not let the exporter narrow the way Go does: remove it",
        ["tls_server_config.prefer_server_cipher_suites"] = "Go's own TLS ignores it since Go 1.18: remove it",
        ["tls_server_config.curve_preferences"] = ".NET has no setting for the key exchange curves; OpenSSL's defaults are used: remove it",
        ["tls_server_config.client_allowed_sans"] = "client certificates are checked against client_ca_file only: give the clients a CA of their own",
        ["http_server_config.http2"] = "the exporter serves HTTP/1.1 only, over TLS too: remove it",
    };

    /// <summary>Reads the web configuration from its files; their top-level sections may be spread over several files, each in one.</summary>
    /// <param name="paths">The files as given (relative ones start at the working directory).</param>
    /// <param name="files">Reads the files and fingerprints them, so that a change on disk is noticed.</param>
    /// <exception cref="ConfigurationException">A file cannot be read or is not a valid web configuration.</exception>
    public static WebConfig Read(IReadOnlyList<string> paths, ConfigFiles files)
    {
        var errors = new ConfigErrors();
        var sectionFile = new Dictionary<string, string>(StringComparer.Ordinal);
        TlsServerConfig? tls = null;
        var headers = new List<KeyValuePair<string, string>>();
        var users = new Dictionary<string, string>(StringComparer.Ordinal);
        var fullPaths = paths.Select(Path.GetFullPath).ToList();
        foreach (var file in fullPaths)
        {
            YamlNode? root;
            try
            {
                // An empty file asks for nothing, as in the toolkit: plain HTTP, open to all.
                root = YamlGuard.Load(files.ReadAllBytes(file), file, "web configuration", MaxDepth);
            }
            catch (ConfigurationException e)
            {
                foreach (var error in e.Errors)
                {
                    errors.Add(error, "");
                }

                continue;
            }

            var reader = new Reader(file, errors);
            if (root is not (null or YamlMappingNode))
            {
                reader.Error("", "is not a web configuration: it must be a mapping (tls_server_config:, http_server_config:, basic_auth_users:)");
                continue;
            }

            foreach (var (key, value) in reader.Entries(root, "", TopLevelKeys))
            {
                if (sectionFile.TryGetValue(key, out var other))
                {
                    reader.Error(value, key, $"is also in {other}; each section of the web configuration is in one file");
                    continue;
                }

                sectionFile[key] = file;
                switch (key)
                {
                    case "tls_server_config":
                        tls = ReadTls(reader, value, Path.GetDirectoryName(file)!);
                        break;
                    case "http_server_config":
                        ReadHttp(reader, value, headers);
                        break;
                    case "basic_auth_users":
                        ReadUsers(reader, value, users);
                        break;
                }
            }
        }

        if (errors.Count > 0)
        {
            throw new ConfigurationException(errors.All);
        }

        return new WebConfig(tls, headers, users, fullPaths);
    }

    private static TlsServerConfig? ReadTls(Reader reader, YamlNode section, string directory)
    {
        string? certFile = null, keyFile = null, caFile = null;
        var clientAuth = ClientAuthType.NoClientCert;
        var (min, max) = (TlsVersion.Tls12, TlsVersion.Tls13);
        var any = false;
        foreach (var (key, value) in reader.Entries(section, "tls_server_config", TlsKeys))
        {
            any = true;
            var path = $"tls_server_config.{key}";
            switch (key)
            {
                case "cert_file":
                    certFile = reader.FilePath(value, path, directory);
                    break;
                case "key_file":
                    keyFile = reader.FilePath(value, path, directory);
                    break;
                case "client_ca_file":
                    caFile = reader.FilePath(value, path, directory);
                    break;
                case "client_auth_type":
                    if (reader.Text(value, path) is { } text && !ClientAuthTypes.TryGetValue(text, out clientAuth))
                    {
                        reader.Error(path, $"\"{text}\" is not allowed; use one of {string.Join(", ", ClientAuthTypes.Keys)}");
                    }

                    break;
                case "min_version":
                    min = reader.Version(value, path) ?? min;
                    break;
                case "max_version":
                    max = reader.Version(value, path) ?? max;
                    break;
            }
        }

        // An empty section is no section, as in the toolkit.
        if (!any)
        {
            return null;
        }

        if (certFile is null)
        {
            reader.Error("tls_server_config.cert_file", "is missing: TLS needs the server's certificate (PEM; the chain may follow it)");
        }

        if (keyFile is null)
        {
            reader.Error("tls_server_config.key_file", "is missing: TLS needs the certificate's private key (PEM)");
        }

        if (min > max)
        {
            reader.Error("tls_server_config.min_version", $"is above max_version ({VersionName(max)})");
        }

        if (caFile is not null && clientAuth == ClientAuthType.NoClientCert)
        {
            reader.Error("tls_server_config.client_ca_file", "is given but client_auth_type asks for no client certificate; set client_auth_type: RequireAndVerifyClientCert");
        }

        if (caFile is null && clientAuth is ClientAuthType.VerifyClientCertIfGiven or ClientAuthType.RequireAndVerifyClientCert)
        {
            reader.Error("tls_server_config.client_ca_file", $"is missing: client_auth_type {clientAuth} verifies client certificates against the CA in this file");
        }

        return certFile is null || keyFile is null ? null : new TlsServerConfig(reader.Source, certFile, keyFile, clientAuth, caFile, min, max);
    }

    private static void ReadHttp(Reader reader, YamlNode section, List<KeyValuePair<string, string>> headers)
    {
        foreach (var (key, value) in reader.Entries(section, "http_server_config", HttpKeys))
        {
            foreach (var (name, headerValue) in reader.Entries(value, "http_server_config.headers", null))
            {
                var path = $"http_server_config.headers.{name}";
                var canonical = AllowedHeaders.Keys.FirstOrDefault(h => h.Equals(name, StringComparison.OrdinalIgnoreCase));
                if (canonical is null)
                {
                    reader.Error(path, $"this header cannot be set; the ones that can: {string.Join(", ", AllowedHeaders.Keys)}");
                    continue;
                }

                var text = reader.Text(headerValue, path);
                if (string.IsNullOrEmpty(text))
                {
                    // "Unset if blank", as the toolkit says.
                    continue;
                }

                var allowed = AllowedHeaders[canonical];
                if (allowed.Length > 0 && !allowed.Contains(text, StringComparer.OrdinalIgnoreCase))
                {
                    reader.Error(path, $"\"{text}\" is not allowed; use {string.Join(" or ", allowed)}");
                    continue;
                }

                if (text.Any(char.IsControl))
                {
                    reader.Error(path, "has a control character (a line break?), which no header value may have");
                    continue;
                }

                headers.Add(new(canonical, text));
            }
        }
    }

    private static void ReadUsers(Reader reader, YamlNode section, Dictionary<string, string> users)
    {
        var any = false;
        foreach (var (user, value) in reader.Entries(section, "basic_auth_users", null))
        {
            any = true;
            var path = $"basic_auth_users.{user}";
            if (user.Length == 0 || user.Contains(':', StringComparison.Ordinal) || user.Any(char.IsControl))
            {
                reader.Error("basic_auth_users", $"\"{user}\" cannot be a user name: basic authentication allows no colon or control character in it");
                continue;
            }

            // The hash itself is never quoted: it is as good as the password to anyone who can try passwords offline.
            if (value is not YamlScalarNode { Value: { } hash } || !BcryptHash().IsMatch(hash))
            {
                reader.Error(path, "is not a bcrypt hash ($2y$, $2b$ or $2a$, a cost of 04 to 31 and 53 more characters); htpasswd -nBC 10 USER writes one");
                continue;
            }

            users[user] = hash;
        }

        // A section written for users and left without any (an empty Secret value) asks no one for a password: as
        // likely a mistake as a wish, so the wish is written by leaving the section out.
        if (!any)
        {
            reader.Error("basic_auth_users", "has no user: write user: bcrypt-hash entries, or leave the section out to ask no one for a password");
        }
    }

    private static string VersionName(TlsVersion version) => version == TlsVersion.Tls12 ? "TLS12" : "TLS13";

    [GeneratedRegex(@"^\$2[aby]\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}$")]
    private static partial Regex BcryptHash();

    /// <summary>Reads values of one file, adding what is wrong to the errors: keys as the toolkit spells them.</summary>
    private sealed class Reader(string file, ConfigErrors errors) : YamlWalker(file, errors, StringComparer.Ordinal)
    {
        public void Error(string path, string problem) => Error(null, path, problem);

        public string? FilePath(YamlNode node, string path, string directory) =>
            Text(node, path) is { Length: > 0 } text ? Path.GetFullPath(text, directory) : null;

        public TlsVersion? Version(YamlNode node, string path)
        {
            switch (Text(node, path))
            {
                case "TLS12":
                    return TlsVersion.Tls12;
                case "TLS13":
                    return TlsVersion.Tls13;
                case "TLS10" or "TLS11":
                    Error(path, $"\"{Text(node, path)}\" is not offered: TLS 1.0 and 1.1 are deprecated (RFC 8996) and the system's OpenSSL refuses them; use TLS12 or TLS13");
                    return null;
                case null:
                    return null;
                case var other:
                    Error(path, $"\"{other}\" is not allowed; use TLS12 or TLS13");
                    return null;
            }
        }

        /// <summary>A key the exporter does not take, the toolkit's own included, saying why when it is the toolkit's.</summary>
        protected override string UnknownKey(string keyPath, string key, YamlNode keyNode, IReadOnlyList<string> allowed) =>
            NotSupported.TryGetValue(keyPath, out var why)
                ? $"is not supported: {why}"
                : $"is not a setting here (line {keyNode.Start.Line.ToString(CultureInfo.InvariantCulture)}); the settings are {string.Join(", ", allowed)}";

        protected override string NotAMapping(YamlNode node, IReadOnlyList<string> allowed) => $"must be a mapping (key: value), not {Describe(node)}";
    }
}
