using LogCollectorExporter.EndToEnd.Support;
using LogCollectorExporter.Tests.Support;
using Xunit.Abstractions;

namespace LogCollectorExporter.EndToEnd;

/// <summary>
/// A real Prometheus scrapes the built exporter the way a user's would: over TLS with the test's own CA, with basic
/// authentication from htpasswd's hash, and with a client certificate; its scrape_config is the one the README shows.
/// </summary>
public sealed class WebSecurityEndToEndTests(ITestOutputHelper output) : IDisposable
{
    private const string Job = "logcollector-exporter";
    private const string Password = "correct horse battery staple";
    private readonly TempDirectory directory = new();

    public void Dispose() => directory.Dispose();

    [Fact]
    public async Task Prometheus_scrapes_the_exporter_over_TLS_with_basic_auth_and_a_client_certificate_and_up_is_1()
    {
        using var collector = Peer.Up();
        var ca = new TestCertificateAuthority("test CA");
        TestCertificateAuthority.Write(ca.IssueServer(), Path.Combine(directory.Path, "server.crt"), Path.Combine(directory.Path, "server.key"));
        TestCertificateAuthority.Write(ca.IssueClient(), Path.Combine(directory.Path, "prometheus.crt"), Path.Combine(directory.Path, "prometheus.key"));
        ca.WriteCertificate(Path.Combine(directory.Path, "ca.crt"));
        var (hashed, htpasswd) = await Tools.RunAsync("htpasswd", ["-nbBC", "10", "prometheus", Password]);
        Assert.Equal(0, hashed);
        var web = directory.Write("web.yml", $"""
            tls_server_config:
              cert_file: server.crt
              key_file: server.key
              client_auth_type: RequireAndVerifyClientCert
              client_ca_file: ca.crt
            basic_auth_users:
              prometheus: {htpasswd.Trim().Split(':', 2)[1]}
            """);
        await using var exporter = ExporterProcess.Start(
            ["--config", directory.Write("collectors.yaml", Configs.Group([collector.Port], probe: "interval: 1s, timeout: 500ms")), "--web.config.file", web],
            scheme: "https");
        var address = await exporter.ListeningAsync();
        directory.Write("password", Password);
        var config = directory.Write("prometheus.yml", $$"""
            global: {scrape_interval: 1s, scrape_timeout: 1s}
            scrape_configs:
              - job_name: {{Job}}
                scheme: https
                tls_config:
                  ca_file: {{directory.Path}}/ca.crt
                  cert_file: {{directory.Path}}/prometheus.crt
                  key_file: {{directory.Path}}/prometheus.key
                basic_auth:
                  username: prometheus
                  password_file: {{directory.Path}}/password
                static_configs: [{targets: ["{{address.Authority}}"]}]
              - job_name: without-password
                scheme: https
                tls_config:
                  ca_file: {{directory.Path}}/ca.crt
                  cert_file: {{directory.Path}}/prometheus.crt
                  key_file: {{directory.Path}}/prometheus.key
                static_configs: [{targets: ["{{address.Authority}}"]}]
            """);
        await using var prometheus = await ServerProcess.StartPrometheusAsync(config, Path.Combine(directory.Path, "prometheus"));
        using var api = new PrometheusApi(prometheus.Address);
        try
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
            while ((await api.SeriesAsync($"up{{job=\"{Job}\"}} == 1 and on() logcollector_up{{job=\"{Job}\"}} == 1", instant: true)).Series.Count == 0)
            {
                Assert.True(DateTime.UtcNow < deadline, "Prometheus did not scrape the exporter through TLS and basic authentication");
                await Task.Delay(250);
            }

            // Prometheus spreads its targets' scrapes over the interval: the other job's first one may still be to come.
            var (refused, _) = await api.SeriesAsync("up{job=\"without-password\"}", instant: true);
            while (refused.Count == 0)
            {
                Assert.True(DateTime.UtcNow < deadline, "Prometheus did not scrape the job without a password");
                await Task.Delay(250);
                (refused, _) = await api.SeriesAsync("up{job=\"without-password\"}", instant: true);
            }

            Assert.Equal(0, Assert.Single(refused).Value);
        }
        finally
        {
            output.WriteLine($"--- Prometheus\n{prometheus.Output}\n--- exporter\n{exporter.Output}");
        }
    }
}
