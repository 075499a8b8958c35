using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s.Models;
using LogCollectorExporter.Chart.Tests.Support;

namespace LogCollectorExporter.Chart.Tests;

/// <summary>
/// The chart's webConfig, each ci file: the built exporter started as the rendered pod runs it (its arguments, its
/// volume laid out with the Secrets a cluster would hold, made by the test's CA), then asked as the kubelet's probes
/// ask and scraped as the rendered monitor tells Prometheus to scrape. All on 127.0.0.1.
/// </summary>
public sealed class WebConfigChartTests : IDisposable
{
    private const string Password = "s3cret";

    /// <summary>What <c>htpasswd -nbB prometheus s3cret</c> wrote.</summary>
    private const string PasswordHash = "$2y$05$ivGPnMxtudkcg6GF8ciUau/LTrhoHD89JQPtSkpQax78z7IEzp8U2";

    private const string ServerName = "demo-logcollector-exporter.monitoring.svc";

    private readonly TempDirectory directory = new();
    private readonly TestCertificateAuthority ca = new("cluster CA");
    private readonly TestCertificateAuthority clientCa = new("Prometheus clients' CA");
    private readonly Dictionary<string, Dictionary<string, string>> secrets;

    public WebConfigChartTests()
    {
        var server = ca.IssueServer("logcollector-exporter", ServerName);
        var client = clientCa.IssueClient();
        secrets = new()
        {
            ["logcollector-exporter-tls"] = new()
            {
                ["tls.crt"] = server.ExportCertificatePem(),
                ["tls.key"] = server.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem(),
                ["ca.crt"] = ca.Certificate.ExportCertificatePem(),
            },
            ["prometheus-client-ca"] = new() { ["ca.crt"] = clientCa.Certificate.ExportCertificatePem() },
            ["prometheus-client"] = new()
            {
                ["tls.crt"] = client.ExportCertificatePem(),
                ["tls.key"] = client.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem(),
            },
            ["logcollector-exporter-users"] = new() { ["basic-auth-users.yml"] = $"basic_auth_users:\n  prometheus: {PasswordHash}\n" },
            ["logcollector-exporter-scrape"] = new() { ["username"] = "prometheus", ["password"] = Password },
        };
    }

    public void Dispose() => directory.Dispose();

    [Theory]
    [InlineData("tls-values.yaml", HttpStatusCode.OK)]
    [InlineData("client-certificates-values.yaml", HttpStatusCode.Forbidden)]
    [InlineData("basic-auth-values.yaml", HttpStatusCode.Unauthorized)]
    [InlineData("headers-values.yaml", HttpStatusCode.OK)]
    public async Task The_pod_answers_the_kubelets_probes_without_credentials_and_the_monitors_scrape_with_them(string values, HttpStatusCode withoutCredentials)
    {
        var manifest = await Helm.TemplateAsync([Path.Combine(Helm.Chart, "ci", values), LoopbackCollector()]);
        var deployment = manifest.Single<V1Deployment>();
        var container = Assert.Single(deployment.Spec.Template.Spec.Containers);
        using var volume = new TempDirectory();
        PodVolume.Write(Assert.Single(deployment.Spec.Template.Spec.Volumes), manifest, secrets, volume);
        var scheme = container.Args.Single(a => a.StartsWith("--urls=", StringComparison.Ordinal))["--urls=".Length..].Split(':')[0];
        await using var exporter = ExporterProcess.Start(PodVolume.Arguments(container, volume).Where(a => !a.StartsWith("--urls=", StringComparison.Ordinal)),
            scheme: scheme, exporter: ExporterBinary.Path);
        var address = await exporter.ListeningAsync();

        // The kubelet: no credentials, no client certificate, no check of the server's certificate.
        using var kubelet = scheme == "https" ? TestCertificateAuthority.Kubelet(address) : new HttpClient { BaseAddress = address };
        foreach (var probe in new[] { container.LivenessProbe, container.ReadinessProbe })
        {
            Assert.Equal(scheme.ToUpperInvariant(), probe.HttpGet.Scheme);
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            while ((await kubelet.GetAsync(probe.HttpGet.Path)).StatusCode != HttpStatusCode.OK)
            {
                Assert.True(DateTime.UtcNow < deadline, $"{probe.HttpGet.Path} does not answer the kubelet 200:\n{exporter.Output}");
                await Task.Delay(50);
            }
        }

        Assert.Equal(withoutCredentials, (await kubelet.GetAsync("/metrics")).StatusCode);

        // The Secrets in the volume are 0440, through the pod's fsGroup, which is the exporter's own group.
        var configuration = Assert.Single(deployment.Spec.Template.Spec.Volumes);
        if (configuration.Projected?.Sources.Any(source => source.Secret is not null) == true)
        {
            Assert.Equal(Convert.ToInt32("440", 8), configuration.Projected.DefaultMode);
            Assert.Equal(container.SecurityContext.RunAsGroup, deployment.Spec.Template.Spec.SecurityContext.FsGroup);
        }

        // Prometheus, as the monitor configures it.
        var endpoint = manifest.All<ServiceMonitor>().SelectMany(m => m.Spec.Endpoints).Concat(manifest.All<PodMonitor>().SelectMany(m => m.Spec.PodMetricsEndpoints))
            .SingleOrDefault();
        using var prometheus = Scraper(endpoint, address);
        using var scrape = await prometheus.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
        Assert.Contains("logcollector_up{collector=\"c\"}", await scrape.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        if (values == "headers-values.yaml")
        {
            Assert.Equal("deny", Assert.Single(scrape.Headers.GetValues("X-Frame-Options")));
        }
    }

    [Fact]
    public async Task Without_webConfig_the_volume_is_the_ConfigMap_and_the_exporter_serves_plain_HTTP()
    {
        var manifest = await Helm.TemplateAsync([LoopbackCollector()]);
        var container = Assert.Single(manifest.Single<V1Deployment>().Spec.Template.Spec.Containers);

        Assert.DoesNotContain(container.Args, a => a.StartsWith("--web.config.file", StringComparison.Ordinal));
        Assert.Contains("--urls=http://+:9978", container.Args);
        Assert.Equal("HTTP", container.ReadinessProbe.HttpGet.Scheme);
        Assert.NotNull(Assert.Single(manifest.Single<V1Deployment>().Spec.Template.Spec.Volumes).ConfigMap);
        Assert.DoesNotContain(manifest.All<V1ConfigMap>(), map => map.Metadata.Name == "demo-logcollector-exporter-web");
    }

    [Fact]
    public async Task A_change_of_the_web_configuration_rolls_the_pods()
    {
        var tls13 = await Helm.TemplateAsync([Path.Combine(Helm.Chart, "ci", "tls-values.yaml")]);
        var tls12 = await Helm.TemplateAsync([Path.Combine(Helm.Chart, "ci", "tls-values.yaml")], ["webConfig.tls.minVersion=TLS12"]);

        Assert.NotEqual(Checksum(tls13), Checksum(tls12));

        static string Checksum(Manifest manifest) => manifest.Single<V1Deployment>().Spec.Template.Metadata.Annotations["checksum/config"];
    }

    [Theory]
    [InlineData("webConfig.tls.enabled=true", "/webConfig/tls/secretName")]
    [InlineData("webConfig.tls.clientAuthType=RequireAndVerify", "/webConfig/tls/clientAuthType")]
    [InlineData("webConfig.tls.minVersion=TLS10", "/webConfig/tls/minVersion")]
    [InlineData("webConfig.headers.X-Powered-By=me", "additional properties 'X-Powered-By' not allowed")]
    [InlineData("webConfig.basicAuth.users.alice=x", "additional properties 'users' not allowed")]
    [InlineData("serviceMonitor.basicAuth.username.name=s", "/serviceMonitor/basicAuth")]
    public async Task A_wrong_webConfig_value_fails_the_values_schema(string set, string complaint)
    {
        var (exitCode, output) = await Helm.TryRunAsync("template", "demo", Helm.Chart, "--set", set);

        Assert.NotEqual(0, exitCode);
        Assert.Contains(complaint, output, StringComparison.Ordinal);
    }

    /// <summary>The chart's configuration replaced by one collector that refuses, on 127.0.0.1: probed at once, and nothing leaves the machine.</summary>
    private string LoopbackCollector() => directory.Write("loopback.yaml", """
        config:
          probe: {interval: 1s, timeout: 500ms}
          groups:
            - name: g
              collectors: [{name: c, address: 127.0.0.1, port: 1}]
        """);

    /// <summary>An HTTP client as Prometheus is with the monitor endpoint's scheme, tlsConfig and basicAuth, the Secrets read from the test's.</summary>
    private HttpClient Scraper(ScrapeEndpoint? endpoint, Uri address)
    {
        if (endpoint is null)
        {
            return new HttpClient { BaseAddress = address };
        }

        Assert.Equal(address.Scheme, endpoint.Scheme ?? "http");
        var tls = endpoint.TlsConfig;
        X509Certificate2? certificate = null;
        if (tls?.Cert?.Secret is { } cert)
        {
            certificate = X509Certificate2.CreateFromPem(secrets[cert.Name][cert.Key], secrets[tls.KeySecret!.Name][tls.KeySecret.Key]);
        }

        NetworkCredential? credentials = null;
        if (endpoint.BasicAuth is { } basic)
        {
            credentials = new NetworkCredential(secrets[basic.Username.Name][basic.Username.Key], secrets[basic.Password.Name][basic.Password.Key]);
        }

        if (tls is null)
        {
            var client = new HttpClient { BaseAddress = address };
            if (credentials is not null)
            {
                client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
                    Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credentials.UserName}:{credentials.Password}")));
            }

            return client;
        }

        // The monitor's CA must be the one that signed the exporter's certificate, and its serverName one of the certificate's names.
        Assert.Equal(ca.Certificate.ExportCertificatePem(), secrets[tls.Ca!.Secret!.Name][tls.Ca.Secret.Key]);
        return ca.Client(address, certificate, credentials: credentials, serverName: tls.ServerName);
    }
}
