using System.Diagnostics;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using LogCollectorExporter.EndToEnd.Support;
using LogCollectorExporter.Tests.Support;
using Xunit.Abstractions;

namespace LogCollectorExporter.EndToEnd;

/// <summary>
/// The certificate alerts with the real components, all on 127.0.0.1: three loopback collectors speaking TLS as port
/// 3978 does (TLS 1.2, a client certificate required), with certificates the test makes, the built exporter with the
/// certificate check on, and a real Prometheus evaluating grafana/alerts/logcollector-alerts.yml as shipped.
/// </summary>
public sealed class CertificateAlertsTests(ITestOutputHelper output) : IDisposable
{
    private const string Job = "logcollector-exporter";
    private readonly TempDirectory directory = new();
    private readonly Stopwatch clock = Stopwatch.StartNew();

    /// <summary>When every wait of the test gives up: the first checks are due at start, so it takes seconds when all goes well.</summary>
    private readonly DateTime deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);

    public void Dispose() => directory.Dispose();

    [Fact]
    public async Task ExpiringSoon_is_pending_for_the_certificate_of_10_days_only_and_Expired_fires_for_the_expired_one_only()
    {
        var now = DateTimeOffset.UtcNow;
        var certificates = new Dictionary<string, X509Certificate2>
        {
            ["soon"] = TestCertificateAuthority.SelfSignedServer("lc-soon", now.AddDays(-355), now.AddDays(10)),
            ["expired"] = TestCertificateAuthority.SelfSignedServer("lc-expired", now.AddDays(-400), now.AddDays(-1)),
            ["valid"] = TestCertificateAuthority.SelfSignedServer("lc-valid", now.AddDays(-1), now.AddDays(400)),
        };
        using var soon = TlsCollector.Tls(certificates["soon"], SslProtocols.Tls12, requireClientCertificate: true);
        using var expired = TlsCollector.Tls(certificates["expired"], SslProtocols.Tls12, requireClientCertificate: true);
        using var valid = TlsCollector.Tls(certificates["valid"], SslProtocols.Tls12, requireClientCertificate: true);
        var collectors = new Dictionary<string, TlsCollector> { ["soon"] = soon, ["expired"] = expired, ["valid"] = valid };
        await using var exporter = ExporterProcess.Start(["--config", directory.Write("collectors.yaml", Configs.Group(
            "interval: 1s, timeout: 500ms, certificates: {enabled: true, interval: 1m}",
            collectors.Select(c => Configs.Collector(c.Key, c.Value.Port))))]);
        var instance = (await exporter.ListeningAsync()).Authority;
        await using var prometheus = await ServerProcess.StartPrometheusEverySecondAsync(directory.Path, ShippedRules.File, Job, $"[{{targets: [\"{instance}\"]}}]");
        using var api = new PrometheusApi(prometheus.Address);
        Log($"started: collectors {string.Join(", ", collectors.Select(c => $"{c.Key} :{c.Value.Port}"))}, exporter {instance}, Prometheus {prometheus.Address.Authority}");
        try
        {
            // Each collector's check read its certificate: notAfter to the second.
            IReadOnlyList<Series> notAfter = [];
            Assert.True(await BeforeDeadlineAsync(async () =>
            {
                notAfter = (await api.SeriesAsync("logcollector_certificate_not_after_seconds and on (collector) logcollector_certificate_check_success == 1", instant: true)).Series;
                return notAfter.Count == collectors.Count;
            }), $"not every certificate read: {string.Join(", ", notAfter.Select(s => s.Labels["collector"]))}");
            Assert.All(collectors, c => Assert.Equal(
                new DateTimeOffset(certificates[c.Key].NotAfter.ToUniversalTime()).ToUnixTimeSeconds(),
                (long)Assert.Single(notAfter, s => s.Labels["collector"] == c.Key).Value));
            Log("every certificate read");

            // Expired has no "for": it fires at the evaluation after the check; ExpiringSoon waits its hour, pending.
            (string Name, string State, IReadOnlyDictionary<string, string> Labels)[] alerts = [];
            string[] Certificates() => [.. alerts.Where(a => a.Name.StartsWith("LogCollectorCertificate", StringComparison.Ordinal))
                .Select(a => $"{a.Name} {a.State} {a.Labels["collector"]}").Order(StringComparer.Ordinal)];
            string[] expected = ["LogCollectorCertificateExpired firing expired", "LogCollectorCertificateExpiringSoon pending soon"];
            Assert.True(await BeforeDeadlineAsync(async () =>
            {
                alerts = await api.AlertsAsync();
                return Certificates().SequenceEqual(expected);
            }), $"the certificate alerts are [{string.Join(", ", Certificates())}], not [{string.Join(", ", expected)}]");
            Log($"alerts: {string.Join(", ", Certificates())}");

            Assert.All(alerts.Where(a => a.Name.StartsWith("LogCollectorCertificate", StringComparison.Ordinal)), a => Assert.Equal(
                new Dictionary<string, string>
                {
                    ["alertname"] = a.Name, ["job"] = Job, ["instance"] = instance, ["collector"] = a.Labels["collector"],
                    ["severity"] = a.Name == "LogCollectorCertificateExpired" ? "critical" : "warning",
                },
                a.Labels));
            // The 400-day certificate raises neither; nor does any other alert fire: the collectors answer the probe.
            Assert.DoesNotContain(alerts, a => a.Labels.GetValueOrDefault("collector") == "valid");
            Assert.DoesNotContain(alerts, a => a.Name.StartsWith("LogCollectorCertificate", StringComparison.Ordinal) is false && a.State == "firing");
            // One check each at start; a second only when the test outlasts the interval of a minute.
            Assert.All(collectors.Values, c => Assert.InRange(c.ClientHellos, 1, 2));
        }
        finally
        {
            output.WriteLine($"--- Prometheus\n{Tail(prometheus.Output)}\n--- exporter\n{Tail(exporter.Output)}");
        }
    }

    private async Task<bool> BeforeDeadlineAsync(Func<Task<bool>> condition)
    {
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(250);
        }

        return true;
    }

    private void Log(string what) => output.WriteLine($"{clock.Elapsed.TotalSeconds,6:F1} s  {what}");

    private static string Tail(string text) => string.Join("\n", text.Split('\n').TakeLast(30));
}
