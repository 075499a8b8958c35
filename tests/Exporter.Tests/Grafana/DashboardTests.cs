using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LogCollectorExporter.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace LogCollectorExporter.Tests;

/// <summary>Lint of the Grafana dashboards: what Grafana needs to load them, and the project's conventions.</summary>
public sealed partial class DashboardTests
{
    /// <summary>The last schema version of Grafana's classic dashboard JSON model.</summary>
    private const int SchemaVersion = 42;

    private static readonly IReadOnlyDictionary<string, JsonObject> All = Dashboards.All();

    public static TheoryData<string> Files => [.. All.Keys];

    [Fact]
    public void The_dashboards_are_the_overview_and_the_collector_with_their_stable_uids()
    {
        Assert.Equal(
            [("logcollector-collector.json", "logcollector-collector"), ("logcollector-firewalls.json", "logcollector-firewalls"), ("logcollector-overview.json", "logcollector-overview")],
            All.Select(d => (d.Key, (string?)d.Value["uid"])));
        Assert.All(All.Values, d => Assert.Null(d["id"]?.GetValue<int?>()));
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Is_on_the_current_schema_with_the_shared_tags_and_a_title(string file)
    {
        var dashboard = All[file];

        Assert.Equal(SchemaVersion, (int)dashboard["schemaVersion"]!);
        Assert.Equal(["logcollector-exporter", "palo-alto"], dashboard["tags"]!.AsArray().Select(t => (string)t!));
        Assert.False(string.IsNullOrWhiteSpace((string?)dashboard["title"]));
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Panel_ids_are_unique(string file)
    {
        var ids = Dashboards.Panels(All[file]).Select(p => (int)p["id"]!).ToArray();

        Assert.Equal(ids.Distinct(), ids);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Panels_fit_the_24_column_grid_without_overlapping(string file)
    {
        var boxes = Dashboards.Panels(All[file]).Select(p => (Title: (string)p["title"]!, Box: GridBox(p))).ToArray();

        Assert.All(boxes, b => Assert.True(b.Box.X >= 0 && b.Box.Y >= 0 && b.Box.W > 0 && b.Box.H > 0 && b.Box.X + b.Box.W <= 24, $"{b.Title}: {b.Box}"));
        var overlaps = from a in boxes
                       from b in boxes
                       where string.CompareOrdinal(a.Title + a.Box, b.Title + b.Box) < 0
                       where a.Box.X < b.Box.X + b.Box.W && b.Box.X < a.Box.X + a.Box.W && a.Box.Y < b.Box.Y + b.Box.H && b.Box.Y < a.Box.Y + a.Box.H
                       select $"{a.Title} {a.Box} overlaps {b.Title} {b.Box}";
        Assert.Empty(overlaps);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Every_panel_and_every_query_uses_the_datasource_variable(string file)
    {
        var dashboard = All[file];
        var datasource = Assert.Single(Dashboards.Variables(dashboard), v => (string?)v["type"] == "datasource");
        Assert.Equal(("datasource", "prometheus"), ((string?)datasource["name"], (string?)datasource["query"]));

        foreach (var panel in Dashboards.Panels(dashboard).Where(p => !Dashboards.IsRow(p)))
        {
            Assert.True(IsDatasourceVariable(panel["datasource"]), $"panel {panel["title"]}: datasource {panel["datasource"]?.ToJsonString()}");
            Assert.NotEmpty(panel["targets"]!.AsArray());
            Assert.All(panel["targets"]!.AsArray(), t => Assert.True(IsDatasourceVariable(t!["datasource"]), $"panel {panel["title"]} query {t!["refId"]}"));
        }

        Assert.All(Dashboards.Variables(dashboard).Where(v => (string?)v["type"] == "query"),
            v => Assert.True(IsDatasourceVariable(v["datasource"]), $"variable {v["name"]}"));

        // Nothing else names a datasource, but the built-in annotation of Grafana's own alerts.
        var named = Datasources(dashboard).Where(d => !IsDatasourceVariable(d) && (string?)d["uid"] != "-- Grafana --");
        Assert.Empty(named.Select(d => d.ToJsonString()));
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Every_panel_has_a_unit(string file)
    {
        var withoutUnit = Dashboards.Panels(All[file])
            .Where(p => !Dashboards.IsRow(p) && string.IsNullOrEmpty((string?)p["fieldConfig"]?["defaults"]?["unit"]))
            .Select(p => (string)p["title"]!);

        Assert.Empty(withoutUnit);
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Every_range_of_rate_and_increase_is_the_rate_interval(string file)
    {
        var ranges = Dashboards.Targets(All[file]).SelectMany(t => RangeSelector().Matches(t.Expression).Select(m => (t, m.Groups["range"].Value)));

        Assert.All(ranges, r => Assert.True(r.Value == "$__rate_interval", $"{r.t}: [{r.Value}]"));
        Assert.Contains(Dashboards.Targets(All[file]), t => t.Expression.Contains("[$__rate_interval]", StringComparison.Ordinal));
    }

    /// <summary>The query variables in order: each comes after those its query uses (the collector dashboard's groups are those listing its collector).</summary>
    public static TheoryData<string, string[]> VariableOrder => new()
    {
        { "logcollector-collector.json", ["job", "instance", "collector", "group"] },
        { "logcollector-overview.json", ["job", "instance", "group", "collector"] },
        { "logcollector-firewalls.json", ["job", "instance", "snmp_job", "group"] },
    };

    [Theory]
    [MemberData(nameof(VariableOrder))]
    public void Has_job_instance_group_and_collector_variables_from_label_values(string file, string[] order)
    {
        var variables = Dashboards.Variables(All[file]).Where(v => (string?)v["type"] == "query").ToArray();

        Assert.Equal(order, variables.Select(v => (string?)v["name"]));
        // snmp_job is the job of the SNMP scrape: a job label too.
        Assert.Equal(order.Select(v => v == "snmp_job" ? "job" : v), variables.Select(v => Dashboards.LabelValues(v).Label));

        // Every query narrows to the selected job and instance (the firewalls' view: the model's series to its
        // exporters, the firewalls' to the SNMP job).
        Assert.All(Dashboards.Targets(All[file]), t => Assert.True(
            (t.Expression.Contains("job=\"$job\"", StringComparison.Ordinal) && t.Expression.Contains("instance=", StringComparison.Ordinal))
            || t.Expression.Contains("job=\"$snmp_job\"", StringComparison.Ordinal), t.ToString()));
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void All_is_one_regex_rather_than_every_value(string file)
    {
        // Without allValue, Grafana sends All as every value joined with |: 5,000 groups in each query.
        var withAll = Dashboards.Variables(All[file]).Where(v => (bool?)v["includeAll"] == true).ToArray();

        Assert.NotEmpty(withAll);
        Assert.All(withAll, v => Assert.True((string?)v["allValue"] == ".*", $"variable {v["name"]}: allValue {v["allValue"]}"));
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Series_of_a_collector_are_selected_without_a_group_label(string file)
    {
        // A collector has one set of series however many groups list it (README.md, "Metrics"); only logcollector_preferred and
        // the logcollector_group_* series carry a group label.
        var selectors = Dashboards.Targets(All[file]).SelectMany(t => CollectorSelector().Matches(t.Expression).Select(m => (t, Selector: m.Value)));

        Assert.All(selectors, s => Assert.False(s.Selector.Contains("group", StringComparison.Ordinal), $"{s.t}: {s.Selector}"));
        Assert.Contains(Dashboards.Targets(All[file]), t => t.Expression.Contains("logcollector_preferred{", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Links_to_the_other_dashboard_keeping_the_time_and_variables(string file)
    {
        var link = Assert.Single(All[file]["links"]!.AsArray());

        Assert.Equal("dashboards", (string?)link!["type"]);
        Assert.Equal(["logcollector-exporter"], link["tags"]!.AsArray().Select(t => (string)t!));
        Assert.True((bool)link["keepTime"]! && (bool)link["includeVars"]!);
    }

    [Fact]
    public void The_overview_links_each_collector_to_the_collector_dashboard()
    {
        var links = Dashboards.Panels(All["logcollector-overview.json"])
            .SelectMany(p => LinkUrls(p).Select(url => (Panel: (string)p["title"]!, Url: url)))
            .ToArray();

        Assert.Contains(links, l => l.Panel == "Collector state");
        Assert.Contains(links, l => l.Panel == "Collectors and their groups");
        Assert.Contains(links, l => l.Panel == "Groups not on their first choice");
        Assert.Contains(links, l => l.Panel == "Certificate days left");
        Assert.All(links, l => Assert.StartsWith("/d/logcollector-collector/", l.Url, StringComparison.Ordinal));
        Assert.All(links, l => Assert.Contains("var-collector=", l.Url, StringComparison.Ordinal));
    }

    [Fact]
    public void The_provisioning_files_load_the_dashboards_and_a_prometheus_datasource()
    {
        var provisioning = Path.Combine(Tools.RepositoryRoot, "grafana", "provisioning");
        var provider = Yaml(Path.Combine(provisioning, "dashboards", "logcollector-exporter.yaml"));
        var datasource = Yaml(Path.Combine(provisioning, "datasources", "prometheus.yaml"));

        Assert.Equal("1", provider["apiVersion"].ToString());
        var dashboards = (YamlMappingNode)Assert.Single((YamlSequenceNode)provider["providers"]);
        Assert.Equal("file", dashboards["type"].ToString());
        Assert.StartsWith("/", ((YamlMappingNode)dashboards["options"])["path"].ToString(), StringComparison.Ordinal);
        Assert.Equal("1", datasource["apiVersion"].ToString());
        Assert.Equal("prometheus", ((YamlMappingNode)Assert.Single((YamlSequenceNode)datasource["datasources"]))["type"].ToString());
    }

    private static YamlMappingNode Yaml(string file)
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(file);
        yaml.Load(reader);
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    private static (int X, int Y, int W, int H) GridBox(JsonObject panel)
    {
        var grid = panel["gridPos"]!;
        return ((int)grid["x"]!, (int)grid["y"]!, (int)grid["w"]!, (int)grid["h"]!);
    }

    private static bool IsDatasourceVariable(JsonNode? datasource) =>
        datasource is JsonObject d && (string?)d["type"] == "prometheus" && (string?)d["uid"] == "${datasource}";

    private static IEnumerable<JsonObject> Datasources(JsonNode node) => node switch
    {
        JsonObject o => o.SelectMany(p => p.Key == "datasource" && p.Value is JsonObject d ? [d] : p.Value is null ? [] : Datasources(p.Value)),
        JsonArray a => a.SelectMany(e => e is null ? [] : Datasources(e)),
        _ => [],
    };

    private static IEnumerable<string> LinkUrls(JsonNode node) => node switch
    {
        JsonObject o => o.SelectMany(p => p.Key == "url" && p.Value is JsonValue v ? [(string)v!] : p.Value is null ? [] : LinkUrls(p.Value)),
        JsonArray a => a.SelectMany(e => e is null ? [] : LinkUrls(e)),
        _ => [],
    };

    [GeneratedRegex(@"\b(?:rate|irate|increase|changes|deriv)\([^\[]*\[(?<range>[^\]]*)\]")]
    private static partial Regex RangeSelector();

    [GeneratedRegex(@"\blogcollector_(?!preferred\b|group_|exporter_)\w+\{[^}]*\}")]
    private static partial Regex CollectorSelector();
}
