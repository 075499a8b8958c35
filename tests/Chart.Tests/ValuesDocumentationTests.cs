using System.Text.RegularExpressions;
using LogCollectorExporter.Chart.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace LogCollectorExporter.Chart.Tests;

/// <summary>The chart README's table of values, against values.yaml: every value described, with its real default.</summary>
public sealed partial class ValuesDocumentationTests
{
    private static readonly Dictionary<string, string> Rows = ReadRows();
    private static readonly YamlMappingNode Values = ReadValues();

    [Fact]
    public void Every_value_is_in_the_readme_table()
    {
        var undocumented = new List<string>();
        Walk(Values, "", undocumented);

        Assert.Empty(undocumented);
    }

    [Fact]
    public void Every_row_of_the_table_is_a_value_with_the_default_it_shows()
    {
        foreach (var (key, shownDefault) in Rows)
        {
            var node = Find(key);
            Assert.True(node is not null, $"README documents {key}, which values.yaml does not have");
            var literal = Literal().Match(shownDefault);
            if (!literal.Success)
            {
                continue; // a default described in words ("one example group")
            }

            var shown = literal.Groups[1].Value;
            var actual = node switch
            {
                YamlScalarNode { Value: "" } => "\"\"",
                YamlScalarNode scalar => scalar.Value,
                YamlMappingNode { Children.Count: 0 } => "{}",
                YamlSequenceNode { Children.Count: 0 } => "[]",
                YamlMappingNode mapping => string.Join(", ", mapping.Children.Select(pair => $"{pair.Key}: \"{pair.Value}\"")),
                _ => node.ToString(),
            };
            Assert.True(shown == actual, $"README shows {key} = {shown}; values.yaml has {actual}");
        }
    }

    private static void Walk(YamlMappingNode mapping, string prefix, List<string> undocumented)
    {
        foreach (var (keyNode, value) in mapping.Children)
        {
            var key = prefix + ((YamlScalarNode)keyNode).Value;
            if (Rows.ContainsKey(key))
            {
                continue;
            }

            if (value is YamlMappingNode { Children.Count: > 0 } children)
            {
                Walk(children, key + ".", undocumented);
            }
            else
            {
                undocumented.Add(key);
            }
        }
    }

    private static YamlNode? Find(string key)
    {
        YamlNode? node = Values;
        foreach (var part in key.Split('.'))
        {
            node = node is YamlMappingNode mapping && mapping.Children.TryGetValue(new YamlScalarNode(part), out var child) ? child : null;
        }

        return node;
    }

    private static Dictionary<string, string> ReadRows() =>
        File.ReadLines(Path.Combine(Helm.Chart, "README.md"))
            .SkipWhile(line => line != "## Values")
            .Select(line => Row().Match(line))
            .Where(match => match.Success)
            .ToDictionary(match => match.Groups["key"].Value, match => match.Groups["default"].Value);

    private static YamlMappingNode ReadValues()
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(Path.Combine(Helm.Chart, "values.yaml"))));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    [GeneratedRegex(@"^\| `(?<key>[^`]+)` \| (?<default>[^|]*) \|")]
    private static partial Regex Row();

    [GeneratedRegex(@"^`([^`]*)`$")]
    private static partial Regex Literal();
}
