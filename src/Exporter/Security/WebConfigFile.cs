using System.Globalization;
using System.Security.Authentication;
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

    private static readonly Dictionary<string, SslProtocols> Versions = new(StringComparer.Ordinal)
    {
        ["TLS12"] = SslProtocols.Tls12,
        ["TLS13"] = SslProtocols.Tls13,
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

            foreach (var (key, value) in reader.Entries(root, "", ["tls_server_config", "http_server_config", "basic_auth_users"]))
            {
                if (!sectionFile.TryAdd(key, file))
                {
                    reader.Error(value, key, $"is also in {sectionFile[key]}; each section of the web configuration is in one file");
                    continue;
                }

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

        return errors.Count > 0 ? throw new ConfigurationException(errors.All) : new WebConfig(tls, headers, users, fullPaths);
    }

    private static TlsServerConfig? ReadTls(Reader reader, YamlNode section, string directory)
    {
        string[] keys = ["cert_file", "key_file", "client_auth_type", "client_ca_file", "min_version", "max_version"];
        var values = reader.Entries(section, "tls_server_config", keys).ToDictionary(e => e.Key, e => e.Value);

        // An empty section is no section, as in the toolkit.
        if (values.Count == 0)
        {
            return null;
        }

        var (certFile, keyFile, caFile) = (File("cert_file"), File("key_file"), File("client_ca_file"));
        var clientAuth = OneOf("client_auth_type", ClientAuthTypes, ClientAuthType.NoClientCert,
            _ => $"is not allowed; use one of {string.Join(", ", ClientAuthTypes.Keys)}");
        var min = OneOf("min_version", Versions, SslProtocols.Tls12, VersionProblem);
        var max = OneOf("max_version", Versions, SslProtocols.Tls13, VersionProblem);
        var rules = new (bool Broken, string Key, string Problem)[]
        {
            (certFile is null, "cert_file", "is missing: TLS needs the server's certificate (PEM; the chain may follow it)"),
            (keyFile is null, "key_file", "is missing: TLS needs the certificate's private key (PEM)"),
            (min > max, "min_version", $"is above max_version ({Versions.First(v => v.Value == max).Key})"),
            (caFile is not null && clientAuth == ClientAuthType.NoClientCert, "client_ca_file",
                "is given but client_auth_type asks for no client certificate; set client_auth_type: RequireAndVerifyClientCert"),
            (caFile is null && clientAuth is ClientAuthType.VerifyClientCertIfGiven or ClientAuthType.RequireAndVerifyClientCert, "client_ca_file",
                $"is missing: client_auth_type {clientAuth} verifies client certificates against the CA in this file"),
        };
        foreach (var rule in rules.Where(r => r.Broken))
        {
            reader.Error($"tls_server_config.{rule.Key}", rule.Problem);
        }

        return certFile is null || keyFile is null ? null : new TlsServerConfig(reader.Source, certFile, keyFile, clientAuth, caFile, min | max);

        string? Text(string key) => reader.Text(values.GetValueOrDefault(key), $"tls_server_config.{key}");

        string? File(string key) => Text(key) is { Length: > 0 } text ? Path.GetFullPath(text, directory) : null;

        T OneOf<T>(string key, Dictionary<string, T> choices, T fallback, Func<string, string> problem)
        {
            if (Text(key) is not { } text)
            {
                return fallback;
            }

            if (choices.TryGetValue(text, out var value))
            {
                return value;
            }

            reader.Error($"tls_server_config.{key}", $"\"{text}\" {problem(text)}");
            return fallback;
        }
    }

    private static string VersionProblem(string version) => version is "TLS10" or "TLS11"
        ? "is not offered: TLS 1.0 and 1.1 are deprecated (RFC 8996) and the system's OpenSSL refuses them; use TLS12 or TLS13"
        : "is not allowed; use TLS12 or TLS13";

    private static void ReadHttp(Reader reader, YamlNode section, List<KeyValuePair<string, string>> headers)
    {
        foreach (var (_, value) in reader.Entries(section, "http_server_config", ["headers"]))
        {
            foreach (var (name, node) in reader.Entries(value, "http_server_config.headers", null))
            {
                var path = $"http_server_config.headers.{name}";
                if (!AllowedHeaders.TryGetValue(name, out var allowed))
                {
                    reader.Error(path, $"this header cannot be set; the ones that can: {string.Join(", ", AllowedHeaders.Keys)}");
                }
                else if (reader.Text(node, path) is { Length: > 0 } text)
                {
                    // Blank is left out: "unset if blank", as the toolkit says.
                    var problem = allowed.Length > 0 && !allowed.Contains(text, StringComparer.OrdinalIgnoreCase)
                        ? $"\"{text}\" is not allowed; use {string.Join(" or ", allowed)}"
                        : text.Any(char.IsControl) ? "has a control character (a line break?), which no header value may have" : null;
                    if (problem is not null)
                    {
                        reader.Error(path, problem);
                        continue;
                    }

                    headers.Add(new(AllowedHeaders.Keys.First(h => h.Equals(name, StringComparison.OrdinalIgnoreCase)), text));
                }
            }
        }
    }

    private static void ReadUsers(Reader reader, YamlNode section, Dictionary<string, string> users)
    {
        var any = false;
        foreach (var (user, value) in reader.Entries(section, "basic_auth_users", null))
        {
            any = true;
            if (user.Length == 0 || user.Contains(':', StringComparison.Ordinal) || user.Any(char.IsControl))
            {
                reader.Error("basic_auth_users", $"\"{user}\" cannot be a user name: basic authentication allows no colon or control character in it");
                continue;
            }

            // The hash itself is never quoted: it is as good as the password to anyone who can try passwords offline.
            if (value is not YamlScalarNode { Value: { } hash } || !BcryptHash().IsMatch(hash))
            {
                reader.Error($"basic_auth_users.{user}", "is not a bcrypt hash ($2y$, $2b$ or $2a$, a cost of 04 to 31 and 53 more characters); htpasswd -nBC 10 USER writes one");
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

    [GeneratedRegex(@"^\$2[aby]\$(0[4-9]|[12][0-9]|3[01])\$[./A-Za-z0-9]{53}$")]
    private static partial Regex BcryptHash();

    /// <summary>Reads values of one file, adding what is wrong to the errors: keys as the toolkit spells them.</summary>
    private sealed class Reader(string file, ConfigErrors errors) : YamlWalker(file, errors, StringComparer.Ordinal)
    {
        public void Error(string path, string problem) => Error(null, path, problem);

        /// <summary>A key the exporter does not take, the toolkit's own included, saying why when it is the toolkit's.</summary>
        protected override string UnknownKey(string keyPath, string key, YamlNode keyNode, IReadOnlyList<string> allowed) =>
            NotSupported.TryGetValue(keyPath, out var why)
                ? $"is not supported: {why}"
                : $"is not a setting here (line {keyNode.Start.Line.ToString(CultureInfo.InvariantCulture)}); the settings are {string.Join(", ", allowed)}";

        protected override string NotAMapping(YamlNode node, IReadOnlyList<string> allowed) => $"must be a mapping (key: value), not {Describe(node)}";
    }
}
