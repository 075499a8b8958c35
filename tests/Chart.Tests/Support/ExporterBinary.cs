using System.Reflection;
using k8s.Models;

namespace LogCollectorExporter.Chart.Tests.Support;

/// <summary>The exporter as built by src/Exporter (run from its own output folder), for <c>--check-config</c>.</summary>
public static class ExporterBinary
{
    public static string Path { get; } = typeof(ExporterBinary).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "ExporterPath").Value!;

    /// <summary>
    /// Writes the ConfigMap's files, and those of the Secret projected beside them if there is one (the saved Panorama
    /// configurations), into a folder, as Kubernetes mounts them, and validates its collectors.yaml the way the
    /// container would load it: with the container's extra arguments and environment, if there is one.
    /// </summary>
    public static async Task<(int ExitCode, string Output, string ConfigFile)> CheckConfigAsync(V1ConfigMap configMap, V1Container? container, V1Secret? beside = null)
    {
        using var mount = new TempDirectory();
        foreach (var (file, content) in configMap.Data)
        {
            mount.Write(file, content);
        }

        foreach (var (file, content) in beside?.Data ?? new Dictionary<string, byte[]>())
        {
            mount.Write(file, System.Text.Encoding.UTF8.GetString(content));
        }

        var configFile = System.IO.Path.Combine(mount.Path, "collectors.yaml");
        // The web configuration is another volume's (its Secrets): WebConfigChartTests runs the exporter with it.
        var extraArgs = (container?.Args ?? []).Where(arg => !arg.StartsWith("--config=", StringComparison.Ordinal) && !arg.StartsWith("--urls=", StringComparison.Ordinal)
            && !arg.StartsWith("--web.config.file=", StringComparison.Ordinal));
        var environment = (container?.Env ?? []).ToDictionary(variable => variable.Name, variable => variable.Value);
        var (exitCode, output) = await Tools.RunAsync(Path, ["--check-config", configFile, .. extraArgs], environment: environment);
        return (exitCode, output, configFile);
    }
}
