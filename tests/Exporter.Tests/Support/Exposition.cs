using System.Globalization;
using System.Text.RegularExpressions;

namespace LogCollectorExporter.Tests.Support;

/// <summary>Reads sample values out of Prometheus text exposition.</summary>
public static class Exposition
{
    /// <summary>The value of the one sample with this name and exactly these labels; null when there is none.</summary>
    public static double? Value(string text, string name, params (string Label, string Value)[] labels)
    {
        var wanted = string.Join(",", labels.Select(l => $"{l.Label}=\"{l.Value}\""));
        var prefix = labels.Length == 0 ? name + " " : $"{name}{{{wanted}}} ";
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                return double.Parse(line[prefix.Length..].Split(' ')[0], CultureInfo.InvariantCulture);
            }
        }

        return null;
    }

    /// <summary>Every sample line of a metric family (name or name_suffix), with any labels.</summary>
    public static string[] Samples(string text, string name) =>
        [.. text.Split('\n').Where(line => Regex.IsMatch(line, $"^{Regex.Escape(name)}(_bucket|_sum|_count)?[{{ ]"))];

    public static (string, string) L(string label, string value) => (label, value);
}
