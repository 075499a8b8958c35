using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using LogCollectorExporter.Chart.Tests.Support;

namespace LogCollectorExporter.Chart.Tests;

/// <summary>
/// The alert rules and dashboards exist once, in grafana/; helm/sync-grafana.sh copies them into the chart, which ships
/// them as a PrometheusRule and dashboard ConfigMaps. These tests fail when the chart's copy drifts from grafana/.
/// </summary>
public sealed class GrafanaFilesTests
{
    private const string Sync = "run helm/sync-grafana.sh";

    private static readonly string Grafana = Path.Combine(Tools.RepositoryRoot, "grafana");
    private static readonly string RulesFile = Path.Combine(Grafana, "alerts", "logcollector-alerts.yml");
    private static readonly string SnmpModule = Path.Combine(Grafana, "snmp", "snmp.yml");
    private static readonly string ChartFiles = Path.Combine(Helm.Chart, "files");

    [Fact]
    public void The_rules_file_has_the_fifteen_alerts_of_the_runbook()
    {
        var rules = KubernetesYaml.Deserialize<PrometheusRuleSpec>(File.ReadAllText(RulesFile), strict: true);

        var alerts = rules.Groups.SelectMany(group => group.Rules).Select(rule => rule.Alert).OfType<string>();

        Assert.Equal(
            [
                "LogCollectorCertificateExpired", "LogCollectorCertificateExpiringSoon", "LogCollectorDown", "LogCollectorExporterAbsent",
                "LogCollectorExporterConfigReloadFailed", "LogCollectorExporterDown",
                "LogCollectorExporterImportFailed", "LogCollectorExporterWebConfigReloadFailed", "LogCollectorFailedOver",
                "LogCollectorFlapping", "LogCollectorGroupUnreachable", "LogCollectorHandshakeSlow", "LogCollectorProbesStale",
                "LogCollectorRedundancyLost", "LogCollectorUnreachableFrom",
            ],
            alerts.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_dashboards_are_the_overview_and_the_collector_ones()
    {
        var uids = DashboardFiles(Path.Combine(Grafana, "dashboards"))
            .Select(file => JsonNode.Parse(File.ReadAllText(file))!["uid"]!.GetValue<string>());

        Assert.Equal(["logcollector-collector", "logcollector-firewalls", "logcollector-overview"], uids.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_chart_carries_the_rules_files_and_the_snmp_module_as_they_are_in_grafana()
    {
        var sources = RulesFiles(Path.Combine(Grafana, "alerts"));
        var copies = RulesFiles(Path.Combine(ChartFiles, "alerts"));
        var module = Path.Combine(ChartFiles, "snmp", "snmp.yml");

        Assert.Equal(["logcollector-alerts.yml", "logcollector-firewall-report.yml"], sources.Select(Path.GetFileName));
        Assert.True(sources.Select(Path.GetFileName).SequenceEqual(copies.Select(Path.GetFileName)),
            $"the chart's rules files [{string.Join(", ", copies.Select(Path.GetFileName))}] are not grafana's: {Sync}");
        foreach (var (source, copy) in sources.Zip(copies))
        {
            Assert.True(File.ReadAllText(source) == File.ReadAllText(copy), $"the chart's {Path.GetFileName(copy)} differs from grafana/: {Sync}");
        }

        Assert.True(File.Exists(module) && File.ReadAllText(SnmpModule) == File.ReadAllText(module), $"the chart's snmp/snmp.yml is not grafana/snmp/snmp.yml: {Sync}");
    }

    [Fact]
    public void The_chart_carries_exactly_the_dashboards_of_grafana()
    {
        var sources = DashboardFiles(Path.Combine(Grafana, "dashboards"));
        var copies = DashboardFiles(Path.Combine(ChartFiles, "dashboards"));

        Assert.NotEmpty(sources);
        Assert.True(sources.Select(Path.GetFileName).SequenceEqual(copies.Select(Path.GetFileName)),
            $"the chart's dashboards [{string.Join(", ", copies.Select(Path.GetFileName))}] are not grafana's [{string.Join(", ", sources.Select(Path.GetFileName))}]: {Sync}");
        foreach (var (source, copy) in sources.Zip(copies))
        {
            Assert.True(File.ReadAllText(source) == File.ReadAllText(copy), $"the chart's {Path.GetFileName(copy)} differs from grafana/: {Sync}");
        }
    }

    [Fact]
    public async Task The_PrometheusRule_is_the_rules_file()
    {
        var manifest = await Helm.TemplateAsync(valuesFiles: [Path.Combine(Helm.Chart, "ci", "prometheusrule-values.yaml")]);

        var rule = manifest.Single<PrometheusRule>();
        Assert.Equal("kube-prometheus-stack", rule.Metadata.Labels["release"]);
        Assert.Equal("monitoring", rule.Metadata.NamespaceProperty);
        var spec = manifest.Untyped("PrometheusRule")!["spec"];
        Assert.True(JsonNode.DeepEquals(RulesFilesSpec(), spec),
            $"the PrometheusRule's spec is not the rules files:\n{spec?.ToJsonString(new JsonSerializerOptions { WriteIndented = true })}");
    }

    [Fact]
    public async Task The_snmp_module_ConfigMap_is_grafanas_snmp_yml_as_it_is()
    {
        var manifest = await Helm.TemplateAsync(valuesFiles: [Path.Combine(Helm.Chart, "ci", "prometheusrule-values.yaml")]);

        var configMap = manifest.ConfigMap("demo-logcollector-exporter-snmp-module");
        Assert.Equal("monitoring", configMap.Metadata.NamespaceProperty);
        Assert.Equal(["snmp.yml"], configMap.Data.Keys);
        Assert.True(File.ReadAllText(SnmpModule) == configMap.Data["snmp.yml"], "the ConfigMap's snmp.yml is not grafana/snmp/snmp.yml as it is");
        Assert.DoesNotContain((await Helm.TemplateAsync(valuesFiles: [Path.Combine(Helm.Chart, "ci", "collectors-values.yaml")])).All<V1ConfigMap>(),
            map => map.Data.ContainsKey("snmp.yml"));
    }

    [Fact]
    public async Task The_PrometheusRule_puts_runbookBaseUrl_in_front_of_each_alerts_runbook_anchor()
    {
        const string Base = "https://git.example.com/netops/logcollector-exporter/-/blob/main/docs/runbook.md";
        var manifest = await Helm.TemplateAsync(valuesFiles: [Path.Combine(Helm.Chart, "ci", "prometheusrule-values.yaml")],
            set: [$"prometheusRule.runbookBaseUrl={Base}"]);

        // The rules files with each alert's runbook_url on the new base, and nothing else changed.
        var expected = RulesFilesSpec();
        var alerts = expected["groups"]!.AsArray().SelectMany(group => group!["rules"]!.AsArray()).Where(rule => rule!["alert"] is not null).ToList();
        foreach (var rule in alerts)
        {
            rule!["annotations"]!["runbook_url"] = $"{Base}#{rule["alert"]!.GetValue<string>().ToLowerInvariant()}";
        }

        var spec = manifest.Untyped("PrometheusRule")!["spec"];
        Assert.Equal(19, alerts.Count);
        Assert.True(JsonNode.DeepEquals(expected, spec),
            $"the PrometheusRule's spec is not the rules file on {Base}:\n{spec?.ToJsonString(new JsonSerializerOptions { WriteIndented = true })}");
    }

    [Fact]
    public async Task The_job_the_rules_look_for_is_the_job_the_monitors_set()
    {
        var manifest = await Helm.TemplateAsync(valuesFiles: [Path.Combine(Helm.Chart, "ci", "prometheusrule-values.yaml")],
            set: ["prometheusRule.job=lce-west", "serviceMonitor.enabled=true"]);

        var rules = manifest.Untyped("PrometheusRule")!["spec"]!["groups"]!.AsArray().SelectMany(group => group!["rules"]!.AsArray())
            .Where(rule => rule!["alert"] is not null)
            .ToDictionary(rule => rule!["alert"]!.GetValue<string>(), rule => rule!["expr"]!.GetValue<string>());
        var relabeling = manifest.Untyped("ServiceMonitor")!["spec"]!["endpoints"]![0]!["relabelings"]!.AsArray()
            .Single(r => r!["targetLabel"]?.GetValue<string>() == "job");

        Assert.Equal("up{job=\"lce-west\"} == 0", rules["LogCollectorExporterDown"]);
        Assert.Equal("absent(up{job=\"lce-west\"})", rules["LogCollectorExporterAbsent"]);
        Assert.DoesNotContain(rules.Values, expr => expr.Contains("logcollector-exporter", StringComparison.Ordinal));
        Assert.Equal("lce-west", relabeling!["replacement"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_dashboard_ConfigMaps_carry_the_dashboard_files_for_the_Grafana_sidecar()
    {
        var manifest = await Helm.TemplateAsync(valuesFiles: [Path.Combine(Helm.Chart, "ci", "dashboards-values.yaml")]);
        var sources = DashboardFiles(Path.Combine(Grafana, "dashboards"));

        var configMaps = manifest.All<V1ConfigMap>().Where(map => map.Metadata.Labels.ContainsKey("grafana_dashboard")).ToList();

        Assert.Equal(sources.Length, configMaps.Count);
        foreach (var source in sources)
        {
            var configMap = Assert.Single(configMaps, map => map.Data.ContainsKey(Path.GetFileName(source)));
            Assert.Single(configMap.Data);
            Assert.True(File.ReadAllText(source) == configMap.Data[Path.GetFileName(source)], $"{configMap.Metadata.Name} is not {source} as it is");
            Assert.Equal("1", configMap.Metadata.Labels["grafana_dashboard"]);
            Assert.Equal("Network", configMap.Metadata.Annotations["grafana_folder"]);
            Assert.Equal("monitoring", configMap.Metadata.NamespaceProperty);
        }
    }

    [Fact]
    public async Task The_sync_script_copies_grafana_into_the_chart_and_drops_what_grafana_no_longer_has()
    {
        // A copy of the parts of the repository that the script touches, so the real chart stays as it is.
        using var repository = new TempDirectory();
        CopyDirectory(Grafana, Path.Combine(repository.Path, "grafana"));
        CopyDirectory(Path.Combine(Tools.RepositoryRoot, "helm"), Path.Combine(repository.Path, "helm"));
        var sources = DashboardFiles(Path.Combine(repository.Path, "grafana", "dashboards"));
        File.AppendAllText(sources[0], "\n");
        File.Delete(sources[1]);
        File.AppendAllText(Path.Combine(repository.Path, "grafana", "alerts", "logcollector-alerts.yml"), "# changed\n");
        var stale = Path.Combine(repository.Path, "helm", "logcollector-exporter", "files", "dashboards", "removed.json");
        Directory.CreateDirectory(Path.GetDirectoryName(stale)!);
        File.WriteAllText(stale, "{}");

        var (exitCode, output) = await Tools.RunAsync("bash", [Path.Combine(repository.Path, "helm", "sync-grafana.sh")]);

        Assert.True(exitCode == 0, output);
        var chartFiles = Path.Combine(repository.Path, "helm", "logcollector-exporter", "files");
        Assert.Equal(sources.Where(file => file != sources[1]).Select(Path.GetFileName), DashboardFiles(Path.Combine(chartFiles, "dashboards")).Select(Path.GetFileName));
        Assert.Equal(File.ReadAllText(sources[0]), File.ReadAllText(Path.Combine(chartFiles, "dashboards", Path.GetFileName(sources[0]))));
        Assert.EndsWith("# changed\n", File.ReadAllText(Path.Combine(chartFiles, "alerts", "logcollector-alerts.yml")), StringComparison.Ordinal);
        Assert.Equal(File.ReadAllText(Path.Combine(repository.Path, "grafana", "snmp", "snmp.yml")), File.ReadAllText(Path.Combine(chartFiles, "snmp", "snmp.yml")));
    }

    /// <summary>What the PrometheusRule's spec is: the groups of grafana's rules files, file after file.</summary>
    private static JsonNode RulesFilesSpec() =>
        new JsonObject { ["groups"] = new JsonArray([.. RulesFiles(Path.Combine(Grafana, "alerts")).SelectMany(file => Yaml.FileToJson(file)!["groups"]!.AsArray().Select(group => group!.DeepClone()))]) };

    private static string[] RulesFiles(string directory) =>
        Directory.Exists(directory) ? [.. Directory.GetFiles(directory, "*.yml").Order(StringComparer.Ordinal)] : [];

    private static string[] DashboardFiles(string directory) =>
        Directory.Exists(directory) ? [.. Directory.GetFiles(directory, "*.json").Order(StringComparer.Ordinal)] : [];

    private static void CopyDirectory(string from, string to)
    {
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
