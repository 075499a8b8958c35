using k8s.Models;

namespace LogCollectorExporter.Chart.Tests.Support;

/// <summary>
/// The exporter's configuration volume laid out in a folder as the kubelet mounts it at /etc/logcollector-exporter:
/// the ConfigMaps and Secrets from the rendered manifest, the other Secrets from the test (a cluster's own, which the
/// chart only names).
/// </summary>
public static class PodVolume
{
    public const string MountPath = "/etc/logcollector-exporter";

    /// <exception cref="Xunit.Sdk.XunitException">The volume names a ConfigMap the manifest lacks or a Secret the test did not give.</exception>
    public static void Write(V1Volume volume, Manifest manifest, IReadOnlyDictionary<string, Dictionary<string, string>> secrets, TempDirectory folder)
    {
        if (volume.ConfigMap is { } configMap)
        {
            WriteItems(manifest.ConfigMap(configMap.Name).Data, configMap.Items, folder);
            return;
        }

        foreach (var source in volume.Projected.Sources)
        {
            if (source.ConfigMap is { } map)
            {
                WriteItems(manifest.ConfigMap(map.Name).Data, map.Items, folder);
            }
            else if (manifest.All<V1Secret>().SingleOrDefault(s => s.Metadata.Name == source.Secret.Name) is { } rendered)
            {
                WriteItems(rendered.Data.ToDictionary(pair => pair.Key, pair => System.Text.Encoding.UTF8.GetString(pair.Value)), source.Secret.Items, folder);
            }
            else
            {
                Assert.True(secrets.TryGetValue(source.Secret.Name, out var secret), $"the volume needs the Secret {source.Secret.Name}");
                WriteItems(secret, source.Secret.Items, folder);
            }
        }
    }

    /// <summary>The container's arguments with the mount's path replaced by the folder's.</summary>
    public static IEnumerable<string> Arguments(V1Container container, TempDirectory folder) =>
        container.Args.Select(arg => arg.Replace(MountPath, folder.Path, StringComparison.Ordinal));

    private static void WriteItems(IDictionary<string, string> data, IList<V1KeyToPath>? items, TempDirectory folder)
    {
        if (items is null)
        {
            foreach (var (file, content) in data)
            {
                folder.Write(file, content);
            }

            return;
        }

        foreach (var item in items)
        {
            Assert.True(data.TryGetValue(item.Key, out var content), $"no key {item.Key} for {item.Path}");
            folder.Write(item.Path, content);
        }
    }
}
