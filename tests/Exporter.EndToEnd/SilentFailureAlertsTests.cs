using System.Diagnostics;
using LogCollectorExporter.EndToEnd.Support;
using LogCollectorExporter.Tests.Support;
using Xunit.Abstractions;

namespace LogCollectorExporter.EndToEnd;

/// <summary>
/// The failures that leave nothing to alert on unless the rules look for them, each made for real: a Panorama that
/// cannot be reached, a saved configuration that does not read, a web configuration refused, and no exporter target
/// at all. A real Prometheus evaluates the rules as shipped (their real "for") every second: each alert must be
/// pending within a minute.
/// </summary>
public sealed class SilentFailureAlertsTests(ITestOutputHelper output) : IDisposable
{
    private const string Job = "logcollector-exporter";
    private static readonly TimeSpan WithinAMinute = TimeSpan.FromMinutes(1);
    private readonly TempDirectory directory = new();
    private readonly string rules = Path.Combine(Tools.RepositoryRoot, "grafana", "alerts", "logcollector-alerts.yml");

    public void Dispose() => directory.Dispose();

    [Fact]
    public async Task An_unreachable_Panorama_an_unreadable_saved_configuration_and_a_refused_web_configuration_each_make_an_alert_pending()
    {
        using var collector = Peer.Up();
        directory.Write("api-key", "LUFRPT1NotAKeyAtAll=");
        var saved = Path.Combine(directory.Path, "panorama-running.xml");
        File.WriteAllText(saved, "<config><devices><entry name='localhost.localdomain'>");
        var web = directory.Write("web.yml", "http_server_config:\n  headers: {X-Frame-Options: deny}\n");
        var config = directory.Write("collectors.yaml", Configs.Group([collector.Port], probe: "interval: 1s, timeout: 500ms") + $$"""
            panorama:
              - {url: "https://127.0.0.1:9", apiKeyFile: api-key}
              - configFile: {{saved}}
            """);
        await using var exporter = ExporterProcess.Start(["--config", config, "--web.config.file", web]);
        var instance = (await exporter.ListeningAsync()).Authority;
        await using var prometheus = await StartPrometheusAsync($"[{{targets: [\"{instance}\"]}}]");
        using var api = new PrometheusApi(prometheus.Address);
        var started = Stopwatch.StartNew();

        var live = await PendingAsync(api, "LogCollectorExporterImportFailed", new() { ["source"] = "https://127.0.0.1:9", ["instance"] = instance, ["job"] = Job });
        var file = await PendingAsync(api, "LogCollectorExporterImportFailed", new() { ["source"] = saved, ["instance"] = instance, ["job"] = Job });
        output.WriteLine($"import alerts pending {started.Elapsed.TotalSeconds:F1} s after Prometheus started");
        Assert.True(live && file, $"no pending LogCollectorExporterImportFailed for each source within a minute: {string.Join("; ", await DescribeAsync(api))}\n{exporter.Output}");

        File.WriteAllText(web, "http_server_config:\n  headers: {X-Frame-Options: deny}\nrate_limit: {interval: 1s}\n");
        started.Restart();
        Assert.True(await PendingAsync(api, "LogCollectorExporterWebConfigReloadFailed", new() { ["instance"] = instance, ["job"] = Job }),
            $"no pending LogCollectorExporterWebConfigReloadFailed within a minute: {string.Join("; ", await DescribeAsync(api))}");
        output.WriteLine($"web config alert pending {started.Elapsed.TotalSeconds:F1} s after the change");
    }

    [Fact]
    public async Task A_Prometheus_without_any_target_of_the_exporters_job_makes_an_alert_pending()
    {
        await using var prometheus = await StartPrometheusAsync("[]");
        using var api = new PrometheusApi(prometheus.Address);

        Assert.True(await PendingAsync(api, "LogCollectorExporterAbsent", new() { ["job"] = Job }),
            $"no pending LogCollectorExporterAbsent within a minute: {string.Join("; ", await DescribeAsync(api))}");
    }

    /// <summary>Waits up to a minute for an alert of this name, pending (or already firing), with these labels among its own.</summary>
    private static async Task<bool> PendingAsync(PrometheusApi api, string name, Dictionary<string, string> labels)
    {
        var deadline = DateTime.UtcNow + WithinAMinute;
        do
        {
            if ((await api.AlertsAsync()).Any(a => a.Name == name && a.State is "pending" or "firing" && labels.All(l => a.Labels.GetValueOrDefault(l.Key) == l.Value)))
            {
                return true;
            }

            await Task.Delay(250);
        }
        while (DateTime.UtcNow < deadline);
        return false;
    }

    private static async Task<IEnumerable<string>> DescribeAsync(PrometheusApi api) =>
        (await api.AlertsAsync()).Select(a => $"{a.Name} {a.State} {string.Join(",", a.Labels.Select(l => $"{l.Key}={l.Value}"))}");

    private Task<ServerProcess> StartPrometheusAsync(string targets) => ServerProcess.StartPrometheusEverySecondAsync(directory.Path, rules, Job, targets);
}
