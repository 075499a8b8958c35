using Microsoft.Extensions.Configuration;

namespace LogCollectorExporter.Tests.Support;

public static class ConfigurationDump
{
    /// <summary>Every section reached by walking the children from the root, in order, with its value.</summary>
    public static List<string> Tree(IConfiguration configuration)
    {
        var lines = new List<string>();
        Walk(configuration.GetChildren(), lines);
        return lines;
    }

    private static void Walk(IEnumerable<IConfigurationSection> sections, List<string> lines)
    {
        foreach (var section in sections)
        {
            // Keys are case-insensitive: of a key written two ways ("buckets:" and "BUCKETS:"), which spelling names the
            // section is left to an unstable sort in the stock layer, so paths are compared without case.
            lines.Add($"{section.Path.ToUpperInvariant()}={section.Value}");
            Walk(section.GetChildren(), lines);
        }
    }
}
