using System.Text.RegularExpressions;
using LogCollectorExporter.Tests.Support;

namespace LogCollectorExporter.EndToEnd.Support;

/// <summary>grafana/alerts/logcollector-alerts.yml, as shipped or with its "for" durations shortened for a test.</summary>
public static partial class ShippedRules
{
    public static string File { get; } = Path.Combine(Tools.RepositoryRoot, "grafana", "alerts", "logcollector-alerts.yml");

    /// <summary>
    /// Writes the rules into <paramref name="directory"/> with each "for" of N minutes shortened to N seconds, for a
    /// Prometheus that evaluates every second; promtool's tests cover the real durations. The path of the copy.
    /// </summary>
    public static string WriteWithForInSeconds(string directory)
    {
        var shipped = System.IO.File.ReadAllText(File);
        Assert.True(ForInMinutes().IsMatch(shipped), $"no \"for\" in minutes in {File}");
        var rules = Path.Combine(directory, "rules.yml");
        System.IO.File.WriteAllText(rules, ForInMinutes().Replace(shipped, "s"));
        return rules;
    }

    [GeneratedRegex(@"(?<=^\s+for: \d+)m$", RegexOptions.Multiline)]
    private static partial Regex ForInMinutes();
}
