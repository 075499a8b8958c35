using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace LogCollectorExporter.Tests.Support;

/// <summary>The Grafana dashboards of grafana/dashboards/, read as Grafana reads their JSON.</summary>
public static partial class Dashboards
{
    public static string Folder { get; } = Path.Combine(Tools.RepositoryRoot, "grafana", "dashboards");

    /// <summary>Every dashboard file, by file name.</summary>
    public static IReadOnlyDictionary<string, JsonObject> All() =>
        Directory.GetFiles(Folder, "*.json").Order(StringComparer.Ordinal).ToDictionary(
            file => Path.GetFileName(file),
            file => JsonNode.Parse(File.ReadAllText(file))!.AsObject());

    /// <summary>Every panel, those nested in collapsed rows too.</summary>
    public static IEnumerable<JsonObject> Panels(JsonObject dashboard) =>
        dashboard["panels"]!.AsArray().Select(p => p!.AsObject())
            .SelectMany(p => (p["panels"] as JsonArray ?? new JsonArray()).Select(n => n!.AsObject()).Prepend(p));

    public static bool IsRow(JsonObject panel) => (string?)panel["type"] == "row";

    /// <summary>Every query of every panel: the panel's title, the query's refId and expression, and whether Grafana runs it as an instant query.</summary>
    public static IEnumerable<Target> Targets(JsonObject dashboard) =>
        from panel in Panels(dashboard)
        where !IsRow(panel)
        from target in panel["targets"]!.AsArray()
        select new Target((string)panel["title"]!, (string)target!["refId"]!, (string)target["expr"]!, (bool?)target["instant"] ?? false);

    public static IEnumerable<JsonObject> Variables(JsonObject dashboard) =>
        dashboard["templating"]!["list"]!.AsArray().Select(v => v!.AsObject());

    /// <summary>A query variable's <c>label_values(selector, label)</c>.</summary>
    public static (string Selector, string Label) LabelValues(JsonObject variable)
    {
        var match = LabelValuesQuery().Match((string)variable["definition"]!);
        Assert.True(match.Success, $"variable {variable["name"]}: not label_values(selector, label): {variable["definition"]}");
        return (match.Groups["selector"].Value, match.Groups["label"].Value);
    }

    /// <summary>The expression with Grafana's variables replaced by these values, as Grafana sends it for one selected value each.</summary>
    public static string Substitute(string expression, IReadOnlyDictionary<string, string> values)
        => Variable().Replace(expression, m => values.TryGetValue(m.Groups["name"].Value, out var value)
            ? value
            : throw new InvalidOperationException($"no value for ${m.Groups["name"].Value} in {expression}"));

    public sealed record Target(string Panel, string RefId, string Expression, bool Instant)
    {
        public override string ToString() => $"{Panel} [{RefId}]: {Expression}";
    }

    [GeneratedRegex(@"^label_values\((?<selector>.+),\s*(?<label>[a-zA-Z_]\w*)\)$")]
    private static partial Regex LabelValuesQuery();

    [GeneratedRegex(@"\$\{?(?<name>__\w+|[a-zA-Z]\w*)\}?")]
    private static partial Regex Variable();
}
