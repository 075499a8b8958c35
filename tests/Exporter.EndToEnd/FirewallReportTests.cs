using System.Net;
using LogCollectorExporter.EndToEnd.Support;
using LogCollectorExporter.Tests.Support;
using Xunit.Abstractions;

namespace LogCollectorExporter.EndToEnd;

/// <summary>
/// The firewall's own report beside the model, with every component real and on loopback: firewalls answered by snmpsim
/// (snmpsimd, data written from PAN-COMMON-MIB's objects and the shapes of public walks, counters that move with its
/// numeric variation), Debian's snmp_exporter 0.21 with grafana/snmp/snmp.yml's module, the built exporter probing
/// loopback collectors, and a real Prometheus scraping both (job names of the test's own) and evaluating
/// grafana/alerts/logcollector-firewall-report.yml as shipped every second. The alerts' "for" is minutes long; the test
/// waits for each to be pending (its condition true) for the right firewall, then checks no other firewall has one.
/// </summary>
public sealed class FirewallReportTests(ITestOutputHelper output) : IDisposable
{
    private const string Healthy = "Active";
    private static readonly TimeSpan WithinAMinute = TimeSpan.FromMinutes(1);
    private static readonly string[] Alerts = ["LogCollectorFirewallElsewhere", "LogCollectorFirewallDisconnected", "LogForwardingUnacknowledged", "LogForwardingStalled"];
    private readonly TempDirectory directory = new();

    public void Dispose() => directory.Dispose();

    [Fact]
    public async Task Each_alert_goes_pending_for_its_one_firewall_and_no_other()
    {
        // lc-a and lc-b answer; lc-c and lc-d refuse (a group with all its collectors down).
        using var lcA = Peer.Up(address: IPAddress.Parse("127.0.0.11"));
        using var lcB = Peer.Up(address: IPAddress.Parse("127.0.0.12"));
        using var lcC = Peer.Refused(IPAddress.Parse("127.0.0.13"));
        using var lcD = Peer.Refused(IPAddress.Parse("127.0.0.14"));
        var config = directory.Write("collectors.yaml", $$"""
            probe: {interval: 1s, timeout: 500ms}
            collectors:
              - {name: lc-a, address: 127.0.0.11, port: {{lcA.Port}}}
              - {name: lc-b, address: 127.0.0.12, port: {{lcB.Port}}}
              - {name: lc-c, address: 127.0.0.13, port: {{lcC.Port}}}
              - {name: lc-d, address: 127.0.0.14, port: {{lcD.Port}}}
            groups:
              - {name: "011901000001", collectors: [lc-a, lc-b]}
              - {name: "011901000002", collectors: [lc-a, lc-b]}
              - {name: "011901000003", collectors: [lc-a, lc-b]}
              - {name: "011901000004", collectors: [lc-c, lc-d]}
              - {name: "011901000005", collectors: [lc-a]}
              - {name: "011901000006", collectors: [lc-a]}
              - {name: "011901000007", collectors: [lc-a]}
            """);
        var panorama = new ConnectionRow("CMS", "10.0.0.5", "panorama", "connected");
        SimulatedFirewall[] firewalls =
        [
            // Sends to lc-b while the model says lc-a: Elsewhere.
            new("011901000001", 40, [new("LC", "127.0.0.12", "lc-b", Healthy), panorama], Forwarding("lc-b")),
            // Sends to lc-a, as modelled: nothing.
            new("011901000002", 40, [new("LC", "127.0.0.11", "lc-a", Healthy)], Forwarding("lc-a")),
            // Its LC row is not connected, only its management connection to Panorama is: Disconnected.
            new("011901000003", 0, [new("LC", "127.0.0.11", "lc-a", "not connected"), panorama], []),
            // Not connected either, but none of its collectors is up (LogCollectorGroupUnreachable's case): nothing.
            new("011901000004", 0, [new("LC", "127.0.0.13", "lc-c", "disconnected"), new("LC", "127.0.0.14", "lc-d", "Inactive")], []),
            // 011901000005 is not polled: nothing, though lc-a is up.
            // Forwards traffic logs that lc-a does not acknowledge: Unacknowledged.
            new("011901000006", 40, [new("LC", "127.0.0.11", "lc-a", Healthy)],
                [new(0, "lc-a", "traffic", 5000, 40, 4000, 0, 90000, 40), new(1, "lc-a", "threat", 700, 2, 690, 2, 800, 2)]),
            // Creates logs and forwards none: Stalled.
            new("011901000007", 40, [new("LC", "127.0.0.11", "lc-a", Healthy)],
                [new(0, "lc-a", "traffic", 5000, 0, 5000, 0, 90000, 0), new(301, "lc-a", "system", 70, 0, 70, 0, 75, 0)]),
        ];

        await using var agents = await SimulatedFirewallAgents.StartAsync(directory.Path, firewalls);
        // The README's check of a firewall, on the first simulated one: its connection row as the module reads it.
        var (walked, walk) = await Tools.RunAsync("snmpwalk", ["-v2c", "-c", "public", "-On", agents.Endpoints[0], "1.3.6.1.4.1.25461.2.1.2.7"]);
        Assert.True(walked == 0, walk);
        Assert.Contains(".1.3.6.1.4.1.25461.2.1.2.7.5.1.4.10.49.50.55.46.48.46.48.46.49.50 = STRING: \"Active\"", walk, StringComparison.Ordinal);
        var snmpConfig = directory.Write("snmp.yml", ShippedSnmpModule.ForSnmpExporter021("public"));
        await using var snmpExporter = await ServerProcess.StartAsync("prometheus-snmp-exporter", listen => [$"--config.file={snmpConfig}", $"--web.listen-address={listen}"]);
        await using var exporter = ExporterProcess.Start(["--config", config]);
        var exporterAddress = (await exporter.ListeningAsync()).Authority;
        var prometheusConfig = directory.Write("prometheus.yml", $$"""
            global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}
            rule_files: ["{{Path.Combine(Tools.RepositoryRoot, "grafana", "alerts", "logcollector-firewall-report.yml")}}"]
            scrape_configs:
              - job_name: model
                static_configs: [{targets: ["{{exporterAddress}}"]}]
              - job_name: firewall-snmp
                metrics_path: /snmp
                params: {module: [panos_logging]}
                static_configs: [{targets: [{{string.Join(", ", agents.Endpoints.Select(e => $"\"{e}\""))}}]}]
                relabel_configs:
                  - {source_labels: [__address__], target_label: __param_target}
                  - {source_labels: [__param_target], target_label: instance}
                  - {target_label: __address__, replacement: "{{snmpExporter.Address.Authority}}"}
            """);
        await using var prometheus = await ServerProcess.StartPrometheusAsync(prometheusConfig, Path.Combine(directory.Path, "prometheus"));
        using var api = new PrometheusApi(prometheus.Address);

        (string Alert, string Group)[] expected =
        [
            ("LogCollectorFirewallDisconnected", "011901000003"),
            ("LogCollectorFirewallElsewhere", "011901000001"),
            ("LogForwardingStalled", "011901000007"),
            ("LogForwardingUnacknowledged", "011901000006"),
        ];
        var deadline = DateTime.UtcNow + WithinAMinute;
        var pending = await PendingAsync(api);
        while (!expected.All(pending.Contains) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(500);
            pending = await PendingAsync(api);
        }

        var context = $"alerts: {string.Join("; ", pending)}\nsnmp_exporter:\n{snmpExporter.Output}\nsnmpsim (tail):\n{Tail(agents.Output)}";
        Assert.True(expected.All(pending.Contains), $"not every alert pending within a minute; {context}");

        // The alerts' conditions have settled (counters moved over several samples): no other firewall has one.
        await Task.Delay(TimeSpan.FromSeconds(10));
        pending = await PendingAsync(api);
        Assert.Equal(expected, pending);

        var elsewhere = (await api.AlertsAsync()).Single(a => a.Name == "LogCollectorFirewallElsewhere");
        Assert.Equal("lc-a", elsewhere.Labels["collector"]);
        Assert.Equal("model", elsewhere.Labels["job"]);
        var unacknowledged = (await api.AlertsAsync()).Single(a => a.Name == "LogForwardingUnacknowledged");
        Assert.Equal("traffic", unacknowledged.Labels["panDeviceLoggingLogType"]);
        Assert.Equal(agents.Endpoints[4], unacknowledged.Labels["instance"]);

        // The firewalls' dashboard on the same data: every query answers, and its table lists the disagreeing firewalls.
        var values = new Dictionary<string, string> { ["job"] = "model", ["instance"] = ".*", ["snmp_job"] = "firewall-snmp", ["group"] = ".*", ["__rate_interval"] = "4s" };
        foreach (var target in Dashboards.Targets(Dashboards.All()["logcollector-firewalls.json"]))
        {
            var (series, error) = await api.SeriesAsync(Dashboards.Substitute(target.Expression, values), target.Instant);
            Assert.True(error is null && series.Count > 0, $"{target}: {error ?? "no data"}");
            if (target.Panel.StartsWith("Firewalls not sending where the model says", StringComparison.Ordinal))
            {
                Assert.Equal(["011901000001", "011901000003"], series.Select(s => s.Labels["group"]).Order());
            }
        }

        var rules = await api.RulesAsync();
        Assert.All(rules, rule => Assert.True(rule.Health == "ok", $"{rule.Name}: {rule.Health} {rule.Error}"));
        output.WriteLine(string.Join("\n", pending));
    }

    /// <summary>The healthy rows of one connection: traffic and threat forwarded, acknowledged and counted as they grow.</summary>
    private static LogTypeRow[] Forwarding(string device) =>
    [
        new(0, device, "traffic", 5000, 40, 4990, 40, 90000, 40),
        new(1, device, "threat", 700, 2, 699, 2, 800, 2),
    ];

    /// <summary>The firewall report's alerts, pending or firing, as (alert, group), sorted.</summary>
    private static async Task<(string Alert, string Group)[]> PendingAsync(PrometheusApi api) =>
        [.. (await api.AlertsAsync()).Where(a => Alerts.Contains(a.Name) && a.State is "pending" or "firing")
            .Select(a => (a.Name, a.Labels.GetValueOrDefault("group", "")))
            .Order()];

    private static string Tail(string text) => text.Length <= 4000 ? text : text[^4000..];
}
