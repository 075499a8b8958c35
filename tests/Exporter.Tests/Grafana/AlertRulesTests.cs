using System.Text.RegularExpressions;
using LogCollectorExporter.Tests.Support;
using Xunit.Abstractions;
using YamlDotNet.RepresentationModel;

namespace LogCollectorExporter.Tests;

/// <summary>grafana/alerts/logcollector-alerts.yml and logcollector-firewall-report.yml: promtool's checks and unit tests, and the alerts docs/runbook.md promises.</summary>
public sealed partial class AlertRulesTests(ITestOutputHelper output)
{
    private static readonly string Alerts = Path.Combine(Tools.RepositoryRoot, "grafana", "alerts");
    private static readonly string RulesFile = Path.Combine(Alerts, "logcollector-alerts.yml");
    private static readonly string FirewallReportFile = Path.Combine(Alerts, "logcollector-firewall-report.yml");

    /// <summary>
    /// Where every runbook_url points until the user sets their own: .invalid never resolves (RFC 2606), so it cannot
    /// lead anyone to someone else's page. grafana/README.md and the chart's prometheusRule.runbookBaseUrl replace it.
    /// </summary>
    private const string RunbookPlaceholder = "https://runbooks.example.invalid/logcollector-exporter/runbook.md";

    /// <summary>docs/runbook.md, a section per alert: its severity, its for, and its expression where the runbook writes it out (else in words).</summary>
    public static TheoryData<string, string?, string, string> Runbook => new()
    {
        { "LogCollectorDown", "max by (job, collector) (logcollector_up) == 0", "2m", "warning" },
        { "LogCollectorUnreachableFrom", null, "5m", "warning" },
        { "LogCollectorGroupUnreachable", null, "1m", "critical" },
        { "LogCollectorFailedOver", "logcollector_group_preferred_priority > 1", "5m", "warning" },
        { "LogCollectorRedundancyLost", null, "5m", "warning" },
        { "LogCollectorHandshakeSlow", null, "15m", "warning" },
        { "LogCollectorFlapping", "changes(logcollector_up[30m]) >= 4", "0m", "warning" },
        { "LogCollectorProbesStale", "time() - logcollector_last_probe_timestamp_seconds > 180", "5m", "warning" },
        { "LogCollectorCertificateExpiringSoon", "(logcollector_certificate_not_after_seconds - time()) / 86400 < 30 > 0", "1h", "warning" },
        { "LogCollectorCertificateExpired", "time() - logcollector_certificate_not_after_seconds > 0", "0m", "critical" },
        { "LogCollectorExporterConfigReloadFailed", "logcollector_exporter_config_last_reload_successful == 0", "5m", "warning" },
        { "LogCollectorExporterDown", "up{job=\"logcollector-exporter\"} == 0", "5m", "critical" },
        { "LogCollectorExporterImportFailed", "logcollector_exporter_source_last_import_successful == 0", "10m", "warning" },
        { "LogCollectorExporterWebConfigReloadFailed", "logcollector_exporter_web_config_last_reload_successful == 0", "5m", "warning" },
        { "LogCollectorExporterAbsent", "absent(up{job=\"logcollector-exporter\"})", "10m", "critical" },
    };

    /// <summary>The same for the four alerts of the firewall's own report (README.md, "The firewall's own report"), in logcollector-firewall-report.yml.</summary>
    public static TheoryData<string, string?, string, string> FirewallReportRunbook => new()
    {
        { "LogCollectorFirewallElsewhere", null, "10m", "warning" },
        { "LogCollectorFirewallDisconnected", null, "5m", "critical" },
        { "LogForwardingUnacknowledged", null, "15m", "warning" },
        { "LogForwardingStalled", null, "15m", "warning" },
    };

    public static TheoryData<string> AlertNames => new(RunbookAlerts.Concat(FirewallReportAlerts));

    public static TheoryData<string, string?, string, string> EveryRunbookAlert
    {
        get
        {
            var rows = new TheoryData<string, string?, string, string>();
            foreach (var row in Runbook.Concat(FirewallReportRunbook))
            {
                rows.Add((string)row[0], (string?)row[1], (string)row[2], (string)row[3]);
            }

            return rows;
        }
    }

    private static IEnumerable<string> RunbookAlerts => Runbook.Select(row => (string)row[0]);

    private static IEnumerable<string> FirewallReportAlerts => FirewallReportRunbook.Select(row => (string)row[0]);

    [Theory]
    [InlineData("logcollector-alerts.yml", 15)]
    [InlineData("logcollector-firewall-report.yml", 11)]
    public async Task Promtool_check_rules_finds_every_rule_valid(string file, int rules)
    {
        var (exitCode, text) = await Tools.RunAsync("promtool", ["check", "rules", Path.Combine(Alerts, file)]);
        output.WriteLine(text);

        Assert.Equal(0, exitCode);
        Assert.Contains($"SUCCESS: {rules} rules found", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Promtool_unit_tests_of_every_alert_pass()
    {
        var tests = Directory.GetFiles(Path.Combine(Alerts, "tests"), "*.yml").Order(StringComparer.Ordinal).ToArray();

        var (exitCode, text) = await Tools.RunAsync("promtool", ["test", "rules", .. tests]);
        output.WriteLine(text);

        Assert.Equal(0, exitCode);
        Assert.Equal(tests.Length, Regex.Count(text, @"^\s+SUCCESS$", RegexOptions.Multiline));
        var tested = tests.SelectMany(t => AlertNameLine().Matches(File.ReadAllText(t)).Select(m => m.Groups["name"].Value)).ToHashSet();
        Assert.Equal(RunbookAlerts.Concat(FirewallReportAlerts).Order(), tested.Order());
    }

    [Fact]
    public async Task The_example_Alertmanager_configuration_is_valid()
    {
        var (exitCode, text) = await Tools.RunAsync("amtool", ["check-config", Path.Combine(Tools.RepositoryRoot, "docs", "examples", "alertmanager.yml")]);
        output.WriteLine(text);

        Assert.Equal(0, exitCode);
        Assert.Contains("SUCCESS", text, StringComparison.Ordinal);
    }

    [Fact]
    public void The_rules_are_exactly_the_alerts_of_the_runbook()
    {
        Assert.Equal(RunbookAlerts, Rules(RulesFile).Select(r => r["alert"]));
        Assert.Equal(FirewallReportAlerts, Rules(FirewallReportFile).Where(r => r.ContainsKey("alert")).Select(r => r["alert"]));
    }

    [Fact]
    public void The_firewall_report_depends_on_no_job_name()
    {
        Assert.All(Rules(FirewallReportFile), rule => Assert.DoesNotContain("job=", rule["expr"], StringComparison.Ordinal));
        Assert.DoesNotContain("job=\"", File.ReadAllText(FirewallReportFile), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(EveryRunbookAlert))]
    public void Each_alert_has_the_runbooks_condition_for_and_severity(string alert, string? expression, string @for, string severity)
    {
        var rule = Rules().Single(r => r["alert"] == alert);

        if (expression is not null)
        {
            Assert.Equal(expression, rule["expr"]);
        }

        Assert.Equal(@for, rule.GetValueOrDefault("for", "0m"));
        Assert.Equal(severity, rule["labels.severity"]);
    }

    [Theory]
    [MemberData(nameof(AlertNames))]
    public void Each_alert_has_a_summary_a_description_and_a_runbook_section(string alert)
    {
        var rule = Rules().Single(r => r["alert"] == alert);
        var runbook = File.ReadAllText(Path.Combine(Tools.RepositoryRoot, "docs", "runbook.md"));

        Assert.DoesNotContain("{{", rule["annotations.summary"], StringComparison.Ordinal);
        Assert.Contains("{{ $value", rule["annotations.description"], StringComparison.Ordinal);
        Assert.Equal($"{RunbookPlaceholder}#{alert.ToLowerInvariant()}", rule["annotations.runbook_url"]);
        Assert.Contains($"\n## {alert}\n", runbook, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(AlertNames))]
    public void Each_alert_keeps_job_and_instance_but_those_about_every_instance_of_the_job(string alert)
    {
        var description = Rules().Single(r => r["alert"] == alert)["annotations.description"];
        // promtool compares these expected labels with the alert's own, so they are what the alerts carry.
        var expected = ExpectedLabels(alert).ToList();

        Assert.NotEmpty(expected);
        if (alert == "LogCollectorDown")
        {
            Assert.All(expected, labels => Assert.Equal(["collector", "job", "severity"], labels.Order(StringComparer.Ordinal)));
            Assert.DoesNotContain("$labels.instance", description, StringComparison.Ordinal);
        }
        else if (alert == "LogCollectorExporterAbsent")
        {
            // No target of the job at all: there is no instance to name.
            Assert.All(expected, labels => Assert.Equal(["job", "severity"], labels.Order(StringComparer.Ordinal)));
            Assert.DoesNotContain("$labels.instance", description, StringComparison.Ordinal);
        }
        else
        {
            Assert.All(expected, labels => Assert.Superset(new HashSet<string>(["job", "instance", "severity"]), labels.ToHashSet()));
            Assert.Contains("{{ $labels.instance }}", description, StringComparison.Ordinal);
        }
    }

    /// <summary>The alerting rules of both files, each flattened to keys such as <c>expr</c> and <c>labels.severity</c>.</summary>
    private static List<Dictionary<string, string>> Rules() => [.. Rules(RulesFile), .. Rules(FirewallReportFile).Where(r => r.ContainsKey("alert"))];

    /// <summary>The rules of one file (recording rules too), each flattened.</summary>
    private static List<Dictionary<string, string>> Rules(string file) =>
        [.. Sequence(Load(file), "groups").SelectMany(g => Sequence(g, "rules")).Select(rule => Flatten(rule, "").ToDictionary())];

    /// <summary>The label names of every alert the promtool unit tests expect to fire under this name.</summary>
    private static IEnumerable<string[]> ExpectedLabels(string alert) =>
        Directory.GetFiles(Path.Combine(Alerts, "tests"), "*.yml")
            .SelectMany(file => Sequence(Load(file), "tests"))
            .SelectMany(test => Sequence(test, "alert_rule_test"))
            .Where(check => check["alertname"].ToString() == alert)
            .SelectMany(check => Sequence(check, "exp_alerts"))
            .Select(expected => ((YamlMappingNode)expected["exp_labels"]).Children.Keys.Select(key => key.ToString()).ToArray());

    private static IEnumerable<YamlMappingNode> Sequence(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(key, out var items) ? ((YamlSequenceNode)items).Cast<YamlMappingNode>() : [];

    private static YamlMappingNode Load(string file)
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(file))
        {
            yaml.Load(reader);
        }

        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    private static IEnumerable<KeyValuePair<string, string>> Flatten(YamlMappingNode node, string prefix) =>
        node.Children.SelectMany(child => child.Value is YamlMappingNode nested
            ? Flatten(nested, $"{prefix}{child.Key}.")
            : [new KeyValuePair<string, string>(prefix + child.Key, ((YamlScalarNode)child.Value).Value!)]);

    [GeneratedRegex(@"alertname: (?<name>\w+)")]
    private static partial Regex AlertNameLine();
}
