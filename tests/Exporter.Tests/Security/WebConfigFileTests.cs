using System.Net;
using System.Text;
using CsCheck;
using LogCollectorExporter.Configuration;
using LogCollectorExporter.Security;
using LogCollectorExporter.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace LogCollectorExporter.Tests;

/// <summary>Reading <c>--web.config.file</c>: what is taken, and every mistake refused with its file and key.</summary>
public sealed class WebConfigFileTests : IDisposable
{
    private const string Hash = "$2y$05$ivGPnMxtudkcg6GF8ciUau/LTrhoHD89JQPtSkpQax78z7IEzp8U2";
    private readonly TempDirectory directory = new();
    private readonly TestCertificateAuthority ca = new("test CA");

    public void Dispose() => directory.Dispose();

    [Fact]
    public void The_toolkits_example_file_is_read_with_paths_relative_to_its_folder()
    {
        var web = directory.Write("conf/web.yml", $"""
            # TLS and basic authentication configuration example.
            tls_server_config:
              cert_file: server.crt
              key_file: /etc/keys/server.key
              client_auth_type: RequireClientCert
              client_ca_file: ca.crt
              min_version: TLS13
            http_server_config:
              headers:
                X-Content-Type-Options: nosniff
            basic_auth_users:
              alice: {Hash}
            """);

        var config = WebConfigFile.Read([web], new ConfigFiles());

        var tls = config.Tls!;
        Assert.Equal(Path.Combine(directory.Path, "conf", "server.crt"), tls.CertFile);
        Assert.Equal("/etc/keys/server.key", tls.KeyFile);
        Assert.Equal(Path.Combine(directory.Path, "conf", "ca.crt"), tls.ClientCaFile);
        Assert.Equal(ClientAuthType.RequireAnyClientCert, tls.ClientAuth);
        Assert.Equal(System.Security.Authentication.SslProtocols.Tls13, tls.Protocols);
        Assert.Equal(new KeyValuePair<string, string>("X-Content-Type-Options", "nosniff"), Assert.Single(config.Headers));
        Assert.Equal(Hash, config.Users["alice"]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("# nothing\n")]
    [InlineData("tls_server_config:\nhttp_server_config: {}\n")]
    public void An_empty_file_or_empty_sections_ask_for_nothing(string content)
    {
        var config = WebConfigFile.Read([directory.Write("web.yml", content)], new ConfigFiles());

        Assert.Null(config.Tls);
        Assert.Empty(config.Users);
        Assert.Empty(config.Headers);
    }

    [Theory]
    [InlineData("rate_limit: {interval: 1s, burst: 20}", "rate_limit: is not supported")]
    [InlineData("auth_excluded_paths: [/metrics]", "auth_excluded_paths: is not supported: /-/healthy and /-/ready never ask for a password")]
    [InlineData("tls_server_config: {cert_file: a, key_file: b, cipher_suites: [TLS_AES_128_GCM_SHA256]}", "tls_server_config.cipher_suites: is not supported")]
    [InlineData("tls_server_config: {cert_file: a, key_file: b, client_allowed_sans: [x]}", "tls_server_config.client_allowed_sans: is not supported")]
    [InlineData("tls_server_config: {cert_file: a, key_file: b, curve_preferences: [X25519]}", "tls_server_config.curve_preferences: is not supported")]
    [InlineData("tls_server_config: {cert_file: a, key_file: b, prefer_server_cipher_suites: true}", "tls_server_config.prefer_server_cipher_suites: is not supported")]
    [InlineData("tls_server_config: {cert: '-----BEGIN', key_file: b}", "tls_server_config.cert: is not supported: a certificate written inline")]
    [InlineData("http_server_config: {http2: false}", "http_server_config.http2: is not supported: the exporter serves HTTP/1.1 only")]
    [InlineData("tls_server_config: {cert_file: a, key_file: b, certfile: c}", "tls_server_config.certfile: is not a setting here (line 1); the settings are cert_file, key_file")]
    [InlineData("Basic_Auth_Users: {}", "Basic_Auth_Users: is not a setting here")]
    [InlineData("tls_server_config: {cert_file: a, key_file: b, client_auth_type: RequireAndVerify}", "tls_server_config.client_auth_type: \"RequireAndVerify\" is not allowed; use one of NoClientCert, RequestClientCert")]
    [InlineData("tls_server_config: {cert_file: a, key_file: b, min_version: TLS10}", "tls_server_config.min_version: \"TLS10\" is not offered: TLS 1.0 and 1.1 are deprecated (RFC 8996)")]
    [InlineData("tls_server_config: {cert_file: a, key_file: b, max_version: TLS14}", "tls_server_config.max_version: \"TLS14\" is not allowed; use TLS12 or TLS13")]
    [InlineData("tls_server_config: {cert_file: a, key_file: b, min_version: TLS13, max_version: TLS12}", "tls_server_config.min_version: is above max_version (TLS12)")]
    [InlineData("tls_server_config: {key_file: b}", "tls_server_config.cert_file: is missing")]
    [InlineData("tls_server_config: {cert_file: a}", "tls_server_config.key_file: is missing")]
    [InlineData("tls_server_config: {cert_file: a, key_file: b, client_ca_file: c}", "tls_server_config.client_ca_file: is given but client_auth_type asks for no client certificate")]
    [InlineData("tls_server_config: {cert_file: a, key_file: b, client_auth_type: RequireAndVerifyClientCert}", "tls_server_config.client_ca_file: is missing: client_auth_type RequireAndVerifyClientCert verifies")]
    [InlineData("tls_server_config: [a, b]", "tls_server_config: must be a mapping (key: value), not a list")]
    [InlineData("http_server_config: {headers: {X-Powered-By: me}}", "http_server_config.headers.X-Powered-By: this header cannot be set; the ones that can: Content-Security-Policy")]
    [InlineData("http_server_config: {headers: {X-Frame-Options: allow}}", "http_server_config.headers.X-Frame-Options: \"allow\" is not allowed; use deny or sameorigin")]
    [InlineData("basic_auth_users: {alice: s3cret}", "basic_auth_users.alice: is not a bcrypt hash")]
    [InlineData("basic_auth_users: {alice: '$1$abc$def'}", "basic_auth_users.alice: is not a bcrypt hash")]
    [InlineData("basic_auth_users: {'a:b': '" + Hash + "'}", "basic_auth_users: \"a:b\" cannot be a user name")]
    [InlineData("basic_auth_users: [alice]", "basic_auth_users: must be a mapping")]
    [InlineData("basic_auth_users: {}", "basic_auth_users: has no user: write user: bcrypt-hash entries, or leave the section out to ask no one for a password")]
    [InlineData("basic_auth_users:", "basic_auth_users: has no user")]
    [InlineData("- tls_server_config", "is not a web configuration: it must be a mapping")]
    [InlineData("tls_server_config: {cert_file: a", "is not valid YAML: line 2, column 1: While parsing a flow mapping")]
    [InlineData("basic_auth_users: {alice: a, alice: b}", "is not valid YAML: line 1, column 30: Duplicate key alice")]
    public void A_mistake_is_refused_naming_the_file_and_key(string content, string expected)
    {
        var web = directory.Write("web.yml", content + "\n");

        var error = Assert.Throws<ConfigurationException>(() => WebConfigFile.Read([web], new ConfigFiles()));

        Assert.Contains($"{web}: {expected}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Any_file_gives_a_web_configuration_or_a_configuration_error()
    {
        var valid = Encoding.UTF8.GetBytes($$"""
            tls_server_config:
              cert_file: server.crt
              key_file: server.key
              client_auth_type: RequireAndVerifyClientCert
              client_ca_file: ca.crt
              min_version: TLS13
            http_server_config:
              headers: {X-Frame-Options: deny, Content-Security-Policy: "default-src 'none'"}
            basic_auth_users:
              alice: {{Hash}}
              bob: '{{Hash}}'
            """);
        var (taken, rejected) = (0, 0);
        Gen.OneOf(
            Gen.Select(Gen.Int[1, 12], Gen.Long, (count, seed) => ConfigInputs.Mutate(valid, count, seed)),
            ConfigInputs.HostileYaml.Select(Encoding.UTF8.GetBytes),
            ConfigInputs.YamlBytes).Sample(bytes =>
        {
            using var folder = new TempDirectory();
            var web = Path.Combine(folder.Path, "web.yml");
            File.WriteAllBytes(web, bytes);
            try
            {
                WebConfigFile.Read([web], new ConfigFiles());
                Interlocked.Increment(ref taken);
            }
            catch (ConfigurationException e)
            {
                Assert.StartsWith("configuration error", e.Message.Replace($"{e.Errors.Count} configuration errors", "configuration error", StringComparison.Ordinal), StringComparison.Ordinal);
                Interlocked.Increment(ref rejected);
            }
        }, iter: 1000);

        Assert.True(taken > 0 && rejected > 0, $"{taken} taken, {rejected} rejected: the inputs should include both");
    }

    [Fact]
    public void A_hash_is_never_quoted_in_an_error()
    {
        var web = directory.Write("web.yml", "basic_auth_users:\n  alice: $2y$05$tooShortButSecretLooking\n");

        var error = Assert.Throws<ConfigurationException>(() => WebConfigFile.Read([web], new ConfigFiles()));

        Assert.DoesNotContain("tooShortButSecretLooking", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_mistake_of_every_file_is_said_at_once_and_a_section_is_in_one_file()
    {
        var a = directory.Write("a.yml", $"basic_auth_users: {{alice: {Hash}}}\nhttp2: true\n");
        var b = directory.Write("b.yml", $"basic_auth_users: {{bob: {Hash}}}\n");

        var error = Assert.Throws<ConfigurationException>(() => WebConfigFile.Read([a, b], new ConfigFiles()));

        Assert.Equal(2, error.Errors.Count);
        Assert.Contains($"{b}: basic_auth_users: is also in {a}; each section of the web configuration is in one file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Sections_of_several_files_make_one_configuration()
    {
        var (certificate, key) = TestCertificateAuthority.Write(ca.IssueServer(), Path.Combine(directory.Path, "tls.crt"), Path.Combine(directory.Path, "tls.key"));
        var tls = directory.Write("web.yml", $"tls_server_config: {{cert_file: {certificate}, key_file: {key}}}\n");
        var users = directory.Write("users.yml", $"basic_auth_users: {{alice: '{Hash}'}}\n");

        var snapshot = WebSecuritySnapshot.Load([tls, users]);

        Assert.NotNull(snapshot.Tls);
        Assert.Equal(1, snapshot.Users!.Count);
        Assert.Equal([tls, users, certificate, key], snapshot.Files);
    }

    [Fact]
    public void A_missing_file_is_refused_with_its_name()
    {
        var missing = Path.Combine(directory.Path, "web.yml");

        var error = Assert.Throws<ConfigurationException>(() => WebSecuritySnapshot.Load([missing]));

        Assert.StartsWith($"configuration error: {missing}: cannot read the file", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Certificate_and_key_files_that_cannot_be_used_are_refused_naming_the_key()
    {
        var (certificate, key) = TestCertificateAuthority.Write(ca.IssueServer(), Path.Combine(directory.Path, "tls.crt"), Path.Combine(directory.Path, "tls.key"));
        var (_, otherKey) = TestCertificateAuthority.Write(ca.IssueServer(), Path.Combine(directory.Path, "other.crt"), Path.Combine(directory.Path, "other.key"));
        var (clientCertificate, clientKey) = TestCertificateAuthority.Write(ca.IssueClient(), Path.Combine(directory.Path, "client.crt"), Path.Combine(directory.Path, "client.key"));
        var notPem = directory.Write("junk.pem", "not a certificate\n");

        Assert.Contains("tls_server_config.key_file: " + Path.Combine(directory.Path, "nope.key") + ": cannot read the file",
            Refused($"cert_file: {certificate}, key_file: nope.key"), StringComparison.Ordinal);
        Assert.Contains($"tls_server_config.key_file: {otherKey} is not the private key of the certificate in {certificate}",
            Refused($"cert_file: {certificate}, key_file: {otherKey}"), StringComparison.Ordinal);
        Assert.Contains($"tls_server_config.cert_file: {notPem} holds no certificate", Refused($"cert_file: {notPem}, key_file: {key}"), StringComparison.Ordinal);
        Assert.Contains($"tls_server_config.cert_file: the certificate in {clientCertificate} (CN=prometheus) is not for TLS servers",
            Refused($"cert_file: {clientCertificate}, key_file: {clientKey}"), StringComparison.Ordinal);
        Assert.Contains($"tls_server_config.client_ca_file: {notPem} holds no certificate",
            Refused($"cert_file: {certificate}, key_file: {key}, client_auth_type: VerifyClientCertIfGiven, client_ca_file: {notPem}"), StringComparison.Ordinal);
        Assert.DoesNotContain("PRIVATE KEY", Refused($"cert_file: {key}, key_file: {key}"), StringComparison.Ordinal);

        string Refused(string tls)
        {
            var web = directory.Write("web.yml", $"tls_server_config: {{{tls}}}\n");
            var message = Assert.Throws<ConfigurationException>(() => WebSecuritySnapshot.Load([web])).Message;
            Assert.StartsWith($"configuration error: {web}: ", message, StringComparison.Ordinal);
            return message;
        }
    }

    [Fact]
    public async Task An_unknown_user_waits_for_the_same_budget_as_a_wrong_password()
    {
        var prometheus = new NetworkCredential("prometheus", "right");
        var users = new BasicAuthUsers(new Dictionary<string, string> { ["prometheus"] = await WebSecurityTests.HtpasswdAsync(prometheus, cost: 10) });
        var time = new FakeTimeProvider();
        var budget = new PasswordCheckBudget(time);

        // Wrong passwords, each from a client of its own, until one waits for the budget: a few at a cost of 10.
        var checkedWrong = 0;
        Task<(PasswordVerdict Verdict, TimeSpan RetryAfter)> wrong;
        while (await Task.WhenAny(wrong = users.CheckAsync("prometheus", $"wrong {checkedWrong}", $"client {checkedWrong}", budget, CancellationToken.None),
            Task.Delay(TimeSpan.FromSeconds(2))) == wrong)
        {
            Assert.Equal(PasswordVerdict.Rejected, (await wrong).Verdict);
            checkedWrong++;
        }

        var unknown = users.CheckAsync("grafana", "anything", "another client", budget, CancellationToken.None);
        await Task.Delay(500);
        var waited = !unknown.IsCompleted;
        time.Advance(TimeSpan.FromSeconds(30));

        Assert.InRange(checkedWrong, 1, 10);
        Assert.True(waited);
        Assert.Equal(PasswordVerdict.Rejected, (await wrong).Verdict);
        Assert.Equal(PasswordVerdict.Rejected, (await unknown).Verdict);
    }

    [Fact]
    public async Task A_wrong_password_of_a_user_with_a_cheaper_hash_takes_as_long_as_a_check_of_the_dearest()
    {
        var alice = new NetworkCredential("alice", "right");
        var users = new BasicAuthUsers(new Dictionary<string, string>
        {
            ["alice"] = await WebSecurityTests.HtpasswdAsync(alice, cost: 4),
            ["prometheus"] = await WebSecurityTests.HtpasswdAsync(new NetworkCredential("prometheus", "right"), cost: 10),
        });
        var time = new FakeTimeProvider();
        var budget = new PasswordCheckBudget(time);

        var checking = users.CheckAsync("alice", "wrong", "a client", budget, CancellationToken.None);

        // The cheap hash has long been checked: the answer waits, on the clock, for as long as the dearest check takes.
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        Assert.False(checking.IsCompleted, "answered as fast as its own hash");
        time.Advance(TimeSpan.FromMinutes(1));
        var (verdict, _) = await checking.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(PasswordVerdict.Rejected, verdict);
    }

    [Fact]
    public async Task Requests_with_the_same_pair_at_once_share_one_check()
    {
        var users = new BasicAuthUsers(new Dictionary<string, string> { ["prometheus"] = await WebSecurityTests.HtpasswdAsync(new NetworkCredential("prometheus", "right"), cost: 10) });
        var budget = new PasswordCheckBudget(TimeProvider.System);

        var wrong = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(() => users.CheckAsync("prometheus", "wrong", "one client", budget, CancellationToken.None))));
        var right = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(() => users.CheckAsync("prometheus", "right", "another client", budget, CancellationToken.None))));

        // Each pair checked once, within the budget's three or four checks; fifty checks each would have run out of it.
        Assert.All(wrong, v => Assert.Equal(PasswordVerdict.Rejected, v.Verdict));
        Assert.All(right, v => Assert.Equal(PasswordVerdict.Accepted, v.Verdict));
    }
}
