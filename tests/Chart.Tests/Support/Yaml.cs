using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace LogCollectorExporter.Chart.Tests.Support;

/// <summary>YAML as data: mappings, sequences and scalars (as their text), to compare two documents whatever their layout.</summary>
public static class Yaml
{
    public static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode mapping => new JsonObject(mapping.Children.Select(pair => KeyValuePair.Create(((YamlScalarNode)pair.Key).Value!, ToJson(pair.Value)))),
        YamlSequenceNode sequence => new JsonArray([.. sequence.Children.Select(ToJson)]),
        YamlScalarNode scalar => scalar.Style == ScalarStyle.Plain && scalar.Value is null or "" or "~" or "null" ? null : JsonValue.Create(scalar.Value),
        _ => throw new InvalidOperationException($"unexpected YAML node {node.NodeType}"),
    };

    public static JsonNode? FileToJson(string path) => TextToJson(File.ReadAllText(path));

    public static JsonNode? TextToJson(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return ToJson(Assert.Single(stream.Documents).RootNode);
    }
}
