using System.Diagnostics;
using LogCollectorExporter.EndToEnd.Support;
using LogCollectorExporter.Tests.Support;
using Xunit.Abstractions;

namespace LogCollectorExporter.EndToEnd;

/// <summary>
/// The monitoring bundle with the real components, all on 127.0.0.1: loopback collectors, the built exporter probing
/// them every second, a real Prometheus scraping it and evaluating grafana/alerts/logcollector-alerts.yml every second,
/// and a real Alertmanager posting to a webhook in the test.
/// </summary>
public sealed class MonitoringBundleTests(ITestOutputHelper output) : IDisposable
{
    private const string Job = "logcollector-exporter";
    private readonly TempDirectory directory = new();
    private readonly Stopwatch clock = Stopwatch.StartNew();

    /// <summary>When every wait of the test gives up: it takes about 30 s when all goes well.</summary>
    private readonly DateTime deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);

    public void Dispose() => directory.Dispose();

    [Fact]
    public async Task The_rules_and_dashboards_work_on_Prometheus_and_alerts_reach_Alertmanager_and_resolve()
    {
        using var c1 = Peer.Up();
        using var c2 = Peer.Up();
        using var c3 = Peer.Refused();
        await using var webhook = await AlertWebhook.StartAsync();
        await using var alertmanager = await StartAlertmanagerAsync(webhook.Url);
        await using var exporter = ExporterProcess.Start(["--config", directory.Write("collectors.yaml",
            Configs.Group([c1.Port, c2.Port, c3.Port], probe: "interval: 1s, timeout: 500ms"))]);
        var instance = (await exporter.ListeningAsync()).Authority;
        await using var prometheus = await StartPrometheusAsync(instance, alertmanager.Address.Authority);
        using var api = new PrometheusApi(prometheus.Address);
        Log($"started: exporter {instance}, Prometheus {prometheus.Address.Authority}, Alertmanager {alertmanager.Address.Authority}, webhook {webhook.Url}");
        try
        {
            Assert.True(await BeforeDeadlineAsync(async () => (await api.QueryAsync($"up{{job=\"{Job}\"}} == 1", instant: true)).Series == 1),
                "Prometheus did not scrape the exporter");
            Log("Prometheus scrapes the exporter");
            await EveryRuleEvaluatesWithHealthOkAsync(api);

            // c3 refuses from the start: it is down, the others are up.
            var c3Alert = await ArrivesAsync(webhook, "firing", DownLabels("c3"));
            Assert.Contains($"Collector c3 (127.0.0.1 port {c3.Port}) is down (logcollector_up = 0) as seen from every exporter of job {Job} that probes it, 1 of them. Groups listing it: 1, of which 0 as their first choice.",
                c3Alert.Annotations["description"], StringComparison.Ordinal);

            // The first choice goes away: logs fail over to c2.
            c1.StopListening();
            Log("c1 stopped listening");
            var c1Down = DownLabels("c1");
            var failedOver = Labels("LogCollectorFailedOver", "warning", "g");
            var down = await ArrivesAsync(webhook, "firing", c1Down);
            var failover = await ArrivesAsync(webhook, "firing", failedOver);
            Assert.Equal("A log collector does not answer the TCP handshake on its log port from any exporter.", down.Annotations["summary"]);
            Assert.Contains($"Collector c1 (127.0.0.1 port {c1.Port}) is down (logcollector_up = 0) as seen from every exporter of job {Job} that probes it, 1 of them. Groups listing it: 1, of which 1 as their first choice.",
                down.Annotations["description"], StringComparison.Ordinal);
            Assert.EndsWith("/runbook.md#logcollectordown", down.Annotations["runbook_url"], StringComparison.Ordinal);
            Assert.Contains($"Group g forwards its logs to priority 2, c2 (127.0.0.1 port {c2.Port}), instead of its first choice c1 (127.0.0.1 port {c1.Port}), as seen from {instance}.",
                failover.Annotations["description"], StringComparison.Ordinal);
            Assert.EndsWith("/runbook.md#logcollectorfailedover", failover.Annotations["runbook_url"], StringComparison.Ordinal);

            // It comes back: both alerts resolve.
            using var c1Back = Peer.Up(c1.Port);
            Log("c1 listening again");
            await ArrivesAsync(webhook, "resolved", c1Down);
            await ArrivesAsync(webhook, "resolved", failedOver);

            // The exporter stops: Prometheus's scrape of the job fails.
            exporter.Signal(15);
            Assert.True(await exporter.WaitForExitAsync(TimeSpan.FromSeconds(10)), "the exporter did not stop on SIGTERM");
            Log("exporter stopped");
            await ArrivesAsync(webhook, "firing", Labels("LogCollectorExporterDown", "critical"));

            // Nothing else was raised: the group always had a collector up, no collector flapped, was slow or stale.
            string[] expected = ["LogCollectorDown", "LogCollectorFailedOver", "LogCollectorRedundancyLost", "LogCollectorExporterDown"];
            Assert.All(webhook.Alerts, a => Assert.Contains(a.Name, expected));
            Assert.DoesNotContain(webhook.Alerts, a => a.Labels.GetValueOrDefault("collector") == "c2");
        }
        finally
        {
            Log($"alerts at the webhook (time since the test started):\n{string.Join("\n", webhook.Alerts)}");
            output.WriteLine($"--- Prometheus\n{Tail(prometheus.Output)}\n--- Alertmanager\n{Tail(alertmanager.Output)}\n--- exporter\n{Tail(exporter.Output)}");
        }

        // An alert's exact labels: those of the series it comes from (job, instance, and group for a group's alert) and severity.
        Dictionary<string, string> Labels(string alertname, string severity, string? group = null)
        {
            var labels = new Dictionary<string, string> { ["alertname"] = alertname, ["severity"] = severity, ["job"] = Job, ["instance"] = instance };
            if (group is not null)
            {
                labels["group"] = group;
            }

            return labels;
        }

        // LogCollectorDown means down from every exporter of the job: it has no instance.
        Dictionary<string, string> DownLabels(string collector) =>
            new() { ["alertname"] = "LogCollectorDown", ["severity"] = "warning", ["job"] = Job, ["collector"] = collector };
    }

    private async Task EveryRuleEvaluatesWithHealthOkAsync(PrometheusApi api)
    {
        (string Name, string Health, string? Error)[] rules = [];
        Assert.True(await BeforeDeadlineAsync(async () =>
        {
            rules = await api.RulesAsync();
            return rules.Length > 0 && rules.All(r => r.Health != "unknown");
        }), "rules not evaluated: " + string.Join(", ", rules.Select(r => $"{r.Name} {r.Health}")));

        Assert.Equal(15, rules.Length);
        Assert.All(rules, r => Assert.True(r.Health == "ok", $"{r.Name}: {r.Health}: {r.Error}"));
        Log($"{rules.Length} rules evaluated, health ok");
    }

    /// <summary>Waits for an alert with exactly these labels and this status at the webhook.</summary>
    private async Task<ReceivedAlert> ArrivesAsync(AlertWebhook webhook, string status, Dictionary<string, string> labels)
    {
        ReceivedAlert? alert = null;
        var arrived = await BeforeDeadlineAsync(() =>
        {
            alert = webhook.Alerts.FirstOrDefault(a => a.Status == status && a.Labels.Count == labels.Count && !a.Labels.Except(labels).Any());
            return Task.FromResult(alert is not null);
        });

        Assert.True(arrived, $"no {status} {string.Join(",", labels.Select(l => $"{l.Key}={l.Value}"))} at the webhook; it has:\n{string.Join("\n", webhook.Alerts)}");
        Log($"webhook: {alert}");
        return alert!;
    }

    private async Task<ServerProcess> StartAlertmanagerAsync(Uri webhook)
    {
        var config = directory.Write("alertmanager.yml", $$"""
            route:
              receiver: webhook
              group_by: ["..."]
              group_wait: 1s
              group_interval: 1s
              repeat_interval: 1h
            receivers:
              - name: webhook
                webhook_configs:
                  - url: "{{webhook}}"
                    send_resolved: true
            """);
        return await ServerProcess.StartAlertmanagerAsync(config, Path.Combine(directory.Path, "alertmanager"));
    }

    private async Task<ServerProcess> StartPrometheusAsync(string exporter, string alertmanager)
    {
        var rules = ShippedRules.WriteWithForInSeconds(directory.Path);
        return await ServerProcess.StartPrometheusEverySecondAsync(directory.Path, rules, Job, $"[{{targets: [\"{exporter}\"]}}]", alertmanager);
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
