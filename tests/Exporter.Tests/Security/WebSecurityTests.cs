using System.Net;
using System.Net.Http.Headers;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using LogCollectorExporter.Tests.Support;

namespace LogCollectorExporter.Tests;

/// <summary>
/// <c>--web.config.file</c> on the real host: TLS on loopback with certificates the test makes, basic authentication
/// with hashes that htpasswd makes, client certificates, a certificate rotated in place.
/// </summary>
public sealed class WebSecurityTests : IDisposable
{
    private static readonly NetworkCredential Prometheus = new("prometheus", "correct horse battery staple");
    private readonly TempDirectory directory = new();
    private readonly Peer peer = Peer.Up();
    private readonly TestCertificateAuthority ca = new("test CA");

    public void Dispose()
    {
        peer.Dispose();
        directory.Dispose();
    }

    public static TheoryData<string, string> DataAndActions => new()
    {
        { "GET", "/metrics" },
        { "HEAD", "/metrics" },
        { "GET", "/" },
        { "GET", "/?group=g" },
        { "GET", "/api/v1/status" },
        { "POST", "/-/reload" },
        { "GET", "/no-such-path" },
        { "GET", "/-/reload" },
    };

    [Theory]
    [MemberData(nameof(DataAndActions))]
    public async Task Every_endpoint_that_shows_data_or_acts_needs_the_password(string method, string path)
    {
        await using var exporter = await StartAsync(TlsAndUsers(await HashesAsync(Prometheus)));

        using var without = await SendAsync(exporter, method, path, credentials: null);
        using var wrong = await SendAsync(exporter, method, path, new NetworkCredential(Prometheus.UserName, "correct horse battery stapler"));
        using var unknown = await SendAsync(exporter, method, path, new NetworkCredential("grafana", Prometheus.Password));
        using var right = await SendAsync(exporter, method, path, Prometheus);

        foreach (var refused in new[] { without, wrong, unknown })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Equal("Basic", Assert.Single(refused.Headers.WwwAuthenticate).Scheme);
        }

        Assert.NotEqual(HttpStatusCode.Unauthorized, right.StatusCode);
        Assert.Equal(path switch { "/no-such-path" => HttpStatusCode.NotFound, "/-/reload" when method == "GET" => HttpStatusCode.MethodNotAllowed, _ => HttpStatusCode.OK },
            right.StatusCode);
        var metrics = await exporter.Registry.ExportTextAsync();
        Assert.Contains("logcollector_exporter_http_requests_refused_total{reason=\"no_credentials\"} 1", metrics, StringComparison.Ordinal);
        Assert.Contains("logcollector_exporter_http_requests_refused_total{reason=\"bad_credentials\"} 2", metrics, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/-/healthy")]
    [InlineData("/-/ready")]
    public async Task The_health_checks_answer_without_a_password_or_client_certificate(string path)
    {
        await using var exporter = await StartAsync(TlsAndUsers(await HashesAsync(Prometheus), clientAuth: "RequireAndVerifyClientCert"));
        using var client = ca.Client(exporter.Address);

        await Eventually.TrueAsync(async () => (await client.GetAsync(path)).StatusCode == HttpStatusCode.OK, $"{path} answers 200 without credentials");
        using var metrics = await client.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.Forbidden, metrics.StatusCode);
    }

    [Fact]
    public async Task Hashes_of_every_cost_that_htpasswd_writes_are_accepted_and_an_unknown_user_is_refused()
    {
        var alice = new NetworkCredential("alice", "päss:wörd with a colon");
        var bob = new NetworkCredential("bob", "b");
        var (aliceHash, bobHash) = (await HtpasswdAsync(alice, cost: 8), await HtpasswdAsync(bob, cost: 4));
        Assert.StartsWith("$2y$08$", aliceHash, StringComparison.Ordinal);
        await using var exporter = await StartAsync(TlsAndUsers($"alice: '{aliceHash}'\n  bob: '{bobHash}'"));

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(exporter, "GET", "/metrics", alice)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(exporter, "GET", "/metrics", bob)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(exporter, "GET", "/metrics", new NetworkCredential("bob", alice.Password))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(exporter, "GET", "/metrics", new NetworkCredential("carol", "b"))).StatusCode);
    }

    [Theory]
    [InlineData("Bearer abc")]
    [InlineData("Basic not-base64!")]
    [InlineData("Basic bm8tY29sb24=")]
    [InlineData("Basic /zp4")]
    [InlineData("Basic")]
    public async Task A_malformed_authorization_header_is_a_401(string header)
    {
        await using var exporter = await StartAsync(TlsAndUsers(await HashesAsync(Prometheus)));
        using var client = ca.Client(exporter.Address);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.TryAddWithoutValidation("Authorization", header);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task A_TLS_version_under_min_version_is_refused()
    {
        await using var exporter = await StartAsync(TlsAndUsers(await HashesAsync(Prometheus), tlsExtra: "min_version: TLS13"));
        using var tls12 = ca.Client(exporter.Address, protocols: SslProtocols.Tls12, credentials: Prometheus);
        using var tls13 = ca.Client(exporter.Address, protocols: SslProtocols.Tls13, credentials: Prometheus);

        var refused = await Assert.ThrowsAsync<HttpRequestException>(() => tls12.GetAsync("/-/healthy"));
        Assert.Equal(HttpStatusCode.OK, (await tls13.GetAsync("/metrics")).StatusCode);
        Assert.IsType<AuthenticationException>(refused.InnerException);
    }

    [Fact]
    public async Task Only_HTTPS_is_served_with_TLS()
    {
        await using var exporter = await StartAsync(TlsAndUsers(await HashesAsync(Prometheus)));
        using var plain = new HttpClient { BaseAddress = new UriBuilder(exporter.Address) { Scheme = "http" }.Uri };

        await Assert.ThrowsAsync<HttpRequestException>(() => plain.GetAsync("/-/healthy"));
    }

    [Fact]
    public async Task A_required_client_certificate_is_checked_against_client_ca_file()
    {
        var other = new TestCertificateAuthority("another CA");
        await using var exporter = await StartAsync(TlsAndUsers(users: null, clientAuth: "RequireAndVerifyClientCert"));
        using var signed = ca.Client(exporter.Address, ca.IssueClient());
        using var signedByAnother = ca.Client(exporter.Address, other.IssueClient());
        using var serverCertificateAsClient = ca.Client(exporter.Address, ca.IssueServer("not a client"));
        using var none = ca.Client(exporter.Address);

        Assert.Equal(HttpStatusCode.OK, (await signed.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await none.GetAsync("/metrics")).StatusCode);
        await Assert.ThrowsAsync<HttpRequestException>(() => signedByAnother.GetAsync("/-/healthy"));
        await Assert.ThrowsAsync<HttpRequestException>(() => serverCertificateAsClient.GetAsync("/-/healthy"));
        Assert.Contains("logcollector_exporter_http_requests_refused_total{reason=\"no_client_certificate\"} 1",
            await exporter.Registry.ExportTextAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_certificate_rotated_in_place_is_served_from_the_next_connection_without_a_restart()
    {
        var first = ca.IssueServer();
        var second = ca.IssueServer();
        var volume = new ConfigMapVolume(Path.Combine(directory.Path, "tls"), Secret(first));
        var web = directory.Write("web.yml", $"tls_server_config:\n  cert_file: {volume.File("tls.crt")}\n  key_file: {volume.File("tls.key")}\n");
        await using var exporter = await StartAsync(web);
        X509Certificate2? served = null;
        using var client = ca.Client(exporter.Address, seen: certificate => served = certificate);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/metrics")).StatusCode);
        Assert.Equal(first.SerialNumber, served!.SerialNumber);

        volume.Publish(Secret(second));

        await Eventually.TrueAsync(async () => (await client.GetAsync("/metrics")).IsSuccessStatusCode && served.SerialNumber == second.SerialNumber,
            "the renewed certificate is served");
        Assert.Contains("logcollector_exporter_web_config_last_reload_successful 1", await exporter.Registry.ExportTextAsync(), StringComparison.Ordinal);

        static Dictionary<string, string> Secret(X509Certificate2 certificate) => new()
        {
            ["tls.crt"] = certificate.ExportCertificatePem(),
            ["tls.key"] = certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem(),
        };
    }

    [Fact]
    public async Task A_changed_web_config_takes_effect_and_a_bad_one_keeps_the_running_one()
    {
        var grafana = new NetworkCredential("grafana", "another one");
        var web = TlsAndUsers(await HashesAsync(Prometheus));
        await using var exporter = await StartAsync(web);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(exporter, "GET", "/metrics", Prometheus)).StatusCode);

        File.WriteAllText(web, File.ReadAllText(web).Replace($"{Prometheus.UserName}: ", $"{grafana.UserName}: '{await HtpasswdAsync(grafana, 4)}'\n  {Prometheus.UserName}: ", StringComparison.Ordinal)
            .Replace("basic_auth_users:", "http_server_config:\n  headers: {X-Frame-Options: deny}\nbasic_auth_users:", StringComparison.Ordinal));
        await Eventually.TrueAsync(async () => (await SendAsync(exporter, "GET", "/metrics", grafana)).StatusCode == HttpStatusCode.OK, "the new user is let in");
        using var answer = await SendAsync(exporter, "GET", "/", Prometheus);
        Assert.Equal("deny", Assert.Single(answer.Headers.GetValues("X-Frame-Options")));

        File.WriteAllText(web, File.ReadAllText(web) + "rate_limit: {interval: 1s}\n");
        await Eventually.TrueAsync(async () => (await exporter.Registry.ExportTextAsync()).Contains("logcollector_exporter_web_config_last_reload_successful 0", StringComparison.Ordinal),
            "the bad change is refused");
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(exporter, "GET", "/metrics", grafana)).StatusCode);
    }

    [Fact]
    public async Task Configured_headers_are_on_every_answer_and_replace_the_status_pages_own()
    {
        var web = directory.Write("web.yml", """
            http_server_config:
              headers:
                Content-Security-Policy: "default-src 'none'"
                x-frame-options: sameorigin
                Strict-Transport-Security: ""
            """);
        await using var exporter = await RunningExporter.StartAsync(["--config", Config(), "--web.config.file", web]);

        using var page = await exporter.Client.GetAsync("/");
        using var health = await exporter.Client.GetAsync("/-/healthy");

        Assert.Equal("default-src 'none'", Assert.Single(page.Headers.GetValues("Content-Security-Policy")));
        Assert.Equal("sameorigin", Assert.Single(health.Headers.GetValues("X-Frame-Options")));
        Assert.False(page.Headers.Contains("Strict-Transport-Security"));
    }

    [Fact]
    public async Task A_flood_of_wrong_passwords_is_answered_within_the_budget_and_a_known_scraper_still_gets_in()
    {
        await using var exporter = await StartAsync(TlsAndUsers($"{Prometheus.UserName}: '{await HtpasswdAsync(Prometheus, cost: 10)}'"));
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(exporter, "GET", "/metrics", Prometheus)).StatusCode);

        using var client = ca.Client(exporter.Address);
        var statuses = await Task.WhenAll(Enumerable.Range(0, 200).Select(async i =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
            request.Headers.Authorization = Basic(new NetworkCredential(Prometheus.UserName, $"guess {i}"));
            using var response = await client.SendAsync(request);
            return (response.StatusCode, RetryAfter: response.Headers.RetryAfter?.Delta);
        }));
        using var scrape = await SendAsync(exporter, "GET", "/metrics", Prometheus);

        // The burst allows a few checks of a cost-10 hash, each ~90 ms here; the rest are not checked at all.
        var throttled = statuses.Count(s => s.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.All(statuses, s => Assert.Contains(s.StatusCode, new[] { HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests }));
        Assert.InRange(throttled, 150, 200);
        Assert.All(statuses.Where(s => s.StatusCode == HttpStatusCode.TooManyRequests), s => Assert.True(s.RetryAfter >= TimeSpan.FromSeconds(1)));
        Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
    }

    [Fact]
    public async Task The_same_wrong_password_again_is_answered_without_another_check()
    {
        await using var exporter = await StartAsync(TlsAndUsers($"{Prometheus.UserName}: '{await HtpasswdAsync(Prometheus, cost: 10)}'"));
        var wrong = new NetworkCredential(Prometheus.UserName, "wrong");

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 30; i++)
        {
            statuses.Add((await SendAsync(exporter, "GET", "/metrics", wrong)).StatusCode);
        }

        Assert.All(statuses, s => Assert.Equal(HttpStatusCode.Unauthorized, s));
    }

    [Fact]
    public async Task An_https_url_without_a_certificate_exits_2_saying_what_to_add()
    {
        var (exitCode, text) = await Tools.RunAsync(Tools.Exporter, ["--config", Config(), "--urls", "https://127.0.0.1:0"]);

        Assert.Equal(2, exitCode);
        Assert.Equal("logcollector-exporter: configuration error: --urls: https://127.0.0.1:0 is HTTPS, which needs a certificate: give --web.config.file FILE, " +
            "a web configuration with tls_server_config: {cert_file: server.crt, key_file: server.key}\n", text);
    }

    [Fact]
    public async Task A_plain_http_url_with_TLS_configured_exits_2()
    {
        var web = TlsAndUsers(users: null);

        var (exitCode, text) = await Tools.RunAsync(Tools.Exporter, ["--config", Config(), "--web.config.file", web, "--urls", "http://127.0.0.1:0"]);

        Assert.Equal(2, exitCode);
        Assert.Equal($"logcollector-exporter: configuration error: --urls: http://127.0.0.1:0 is not HTTPS, but {web} configures TLS (tls_server_config), " +
            "and then only HTTPS is served: use https:// URLs\n", text);
    }

    [Theory]
    [InlineData("tls_server_config:\n  cert_file: server.crt\n  key_file: missing.key\n", "tls_server_config.key_file: {dir}/missing.key: cannot read the file")]
    [InlineData("tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  cipher_suites: [TLS_AES_128_GCM_SHA256]\n", "tls_server_config.cipher_suites: is not supported")]
    [InlineData("basic_auth_users:\n  alice: plain-text\n", "basic_auth_users.alice: is not a bcrypt hash")]
    public async Task A_bad_web_config_exits_2_naming_the_file_and_key_without_a_stack_trace(string content, string expected)
    {
        TestCertificateAuthority.Write(ca.IssueServer(), Path.Combine(directory.Path, "server.crt"), Path.Combine(directory.Path, "server.key"));
        var web = directory.Write("web.yml", content);

        var (exitCode, text) = await Tools.RunAsync(Tools.Exporter, ["--config", Config(), "--web.config.file", web]);
        var (checkExit, checkText) = await Tools.RunAsync(Tools.Exporter, ["--check-config", Config(), "--web.config.file", web]);

        Assert.Equal(2, exitCode);
        Assert.StartsWith($"logcollector-exporter: configuration error: {web}: {expected.Replace("{dir}", directory.Path, StringComparison.Ordinal)}", text, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", text, StringComparison.Ordinal);
        Assert.Equal((2, text), (checkExit, checkText));
    }

    [Fact]
    public async Task A_missing_web_config_file_exits_2()
    {
        var missing = Path.Combine(directory.Path, "web.yml");

        var (exitCode, text) = await Tools.RunAsync(Tools.Exporter, ["--config", Config(), "--web.config.file", missing]);

        Assert.Equal(2, exitCode);
        Assert.StartsWith($"logcollector-exporter: configuration error: {missing}: cannot read the file", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Check_config_says_what_the_web_config_does()
    {
        var web = TlsAndUsers(await HashesAsync(Prometheus), clientAuth: "RequireAndVerifyClientCert");

        var (exitCode, text) = await Tools.RunAsync(Tools.Exporter, ["--check-config", Config(), "--web.config.file", web]);

        Assert.Equal(0, exitCode);
        Assert.Contains($"{web}: valid. TLS 1.2 to 1.3 with CN=logcollector-exporter (valid until ", text, StringComparison.Ordinal);
        Assert.Contains("client certificates: RequireAndVerifyClientCert; basic authentication (1 users)", text, StringComparison.Ordinal);
    }

    private async Task<RunningExporter> StartAsync(string webConfig) =>
        await RunningExporter.StartAsync(["--config", Config(), "--web.config.file", webConfig], scheme: "https",
            client: address => ca.Client(address));

    private string Config() => directory.Write("collectors.yaml", Configs.Group([peer.Port], probe: "interval: 1s, timeout: 500ms"));

    /// <summary>A web config with the CA's server certificate and these users (YAML lines under basic_auth_users).</summary>
    private string TlsAndUsers(string? users, string clientAuth = "NoClientCert", string tlsExtra = "")
    {
        var (certificate, key) = TestCertificateAuthority.Write(ca.IssueServer(), Path.Combine(directory.Path, "server.crt"), Path.Combine(directory.Path, "server.key"));
        var clientCa = clientAuth == "NoClientCert" ? "" : $"\n  client_ca_file: {ca.WriteCertificate(Path.Combine(directory.Path, "ca.crt"))}";
        var extra = tlsExtra.Length == 0 ? "" : $"\n  {tlsExtra}";
        return directory.Write("web.yml", $"""
            tls_server_config:
              cert_file: {Path.GetFileName(certificate)}
              key_file: {key}
              client_auth_type: {clientAuth}{clientCa}{extra}
            """ + (users is null ? "" : $"\nbasic_auth_users:\n  {users}\n"));
    }

    private async Task<HttpResponseMessage> SendAsync(RunningExporter exporter, string method, string path, NetworkCredential? credentials)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (credentials is not null)
        {
            request.Headers.Authorization = Basic(credentials);
        }

        return await exporter.Client.SendAsync(request);
    }

    private static AuthenticationHeaderValue Basic(NetworkCredential credentials) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credentials.UserName}:{credentials.Password}")));

    private static async Task<string> HashesAsync(NetworkCredential user) => $"{user.UserName}: '{await HtpasswdAsync(user, cost: 5)}'";

    /// <summary>The bcrypt hash that <c>htpasswd -B</c> makes of the password, as a user would put it in the web config.</summary>
    internal static async Task<string> HtpasswdAsync(NetworkCredential user, int cost)
    {
        var (exitCode, output) = await Tools.RunAsync("htpasswd", ["-nbBC", cost.ToString(System.Globalization.CultureInfo.InvariantCulture), user.UserName, user.Password]);
        Assert.Equal(0, exitCode);
        return output.Trim().Split(':', 2)[1];
    }
}
