using System.Reflection;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using YamlDotNet.RepresentationModel;

namespace LogCollectorExporter.Chart.Tests.Support;

/// <summary>
/// Rendered Kubernetes objects, each deserialized strictly into its typed model (KubernetesClient's for the built-in
/// kinds, <see cref="ServiceMonitor"/> and the others for Prometheus Operator's): a misspelt or misplaced field fails.
/// </summary>
public sealed class Manifest
{
    private static readonly Dictionary<string, Type> Kinds = KnownKinds();

    private Manifest(string text, IReadOnlyList<object> objects)
    {
        Text = text;
        Objects = objects;
    }

    /// <summary>The YAML as helm printed it.</summary>
    public string Text { get; }

    public IReadOnlyList<object> Objects { get; }

    public static Manifest Parse(string yaml)
    {
        var objects = KubernetesYaml.LoadAllFromString(yaml, Kinds, strict: true);
        foreach (var item in objects)
        {
            Assert.True(item is not null && Kinds.ContainsValue(item.GetType()), $"an object of no known kind: {item}");
        }

        return new Manifest(yaml, objects);
    }

    public IEnumerable<T> All<T>() => Objects.OfType<T>();

    public T Single<T>() => Assert.Single(All<T>());

    public V1ConfigMap ConfigMap(string name) => Assert.Single(All<V1ConfigMap>(), map => map.Metadata.Name == name);

    /// <summary>Kind/name of every object, sorted.</summary>
    public IEnumerable<string> KindsAndNames() => Objects.Cast<IKubernetesObject<V1ObjectMeta>>().Select(o => $"{o.Kind}/{o.Metadata.Name}").Order(StringComparer.Ordinal);

    /// <summary>The one object of this kind as a plain YAML tree turned into JSON, for comparing it with a file as data.</summary>
    public JsonNode? Untyped(string kind)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(Text));
        var documents = stream.Documents
            .Select(d => d.RootNode)
            .OfType<YamlMappingNode>()
            .Where(root => root.Children.TryGetValue("kind", out var k) && k.ToString() == kind);
        return Yaml.ToJson(Assert.Single(documents));
    }

    private static Dictionary<string, Type> KnownKinds()
    {
        var kinds = new Dictionary<string, Type>();
        foreach (var type in typeof(V1Pod).Assembly.GetTypes())
        {
            if (type.GetCustomAttribute<KubernetesEntityAttribute>() is { } entity)
            {
                var apiVersion = string.IsNullOrEmpty(entity.Group) ? entity.ApiVersion : $"{entity.Group}/{entity.ApiVersion}";
                kinds[$"{apiVersion}/{entity.Kind}"] = type;
            }
        }

        kinds[$"{PrometheusOperator.ApiVersion}/ServiceMonitor"] = typeof(ServiceMonitor);
        kinds[$"{PrometheusOperator.ApiVersion}/PodMonitor"] = typeof(PodMonitor);
        kinds[$"{PrometheusOperator.ApiVersion}/PrometheusRule"] = typeof(PrometheusRule);
        return kinds;
    }
}
