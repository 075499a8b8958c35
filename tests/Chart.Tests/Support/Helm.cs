namespace LogCollectorExporter.Chart.Tests.Support;

/// <summary>
/// The real helm: $HELM, or the one tests/tools/install-helm.sh installs in .tools/bin, or helm on the PATH (found as
/// every program the tests start: <see cref="Tools.Find"/>). Each run has cache, configuration and data folders of its
/// own, so nothing of the user's helm setup takes part.
/// </summary>
public static class Helm
{
    public static string Chart { get; } = Path.Combine(Tools.RepositoryRoot, "helm", "logcollector-exporter");

    /// <summary>Runs helm; fails the test with its output unless it exits 0.</summary>
    public static async Task<string> RunAsync(params string[] args)
    {
        var (exitCode, output) = await TryRunAsync(args);
        Assert.True(exitCode == 0, $"helm {string.Join(' ', args)} exited {exitCode}:\n{output}");
        return output;
    }

    public static async Task<(int ExitCode, string Output)> TryRunAsync(params string[] args)
    {
        using var homes = new TempDirectory();
        var environment = new Dictionary<string, string>
        {
            ["HELM_CACHE_HOME"] = Path.Combine(homes.Path, "cache"),
            ["HELM_CONFIG_HOME"] = Path.Combine(homes.Path, "config"),
            ["HELM_DATA_HOME"] = Path.Combine(homes.Path, "data"),
        };
        var helm = Environment.GetEnvironmentVariable("HELM");
        return await Tools.RunAsync(string.IsNullOrEmpty(helm) ? "helm" : helm, args, environment: environment);
    }

    /// <summary>helm template of a chart (default: this project's) with values files and --set values; the objects, parsed strictly.</summary>
    public static async Task<Manifest> TemplateAsync(string[]? valuesFiles = null, string[]? set = null, string? chart = null)
    {
        List<string> args = ["template", "demo", chart ?? Chart, "--namespace", "monitoring"];
        foreach (var file in valuesFiles ?? [])
        {
            args.AddRange(["--values", file]);
        }

        foreach (var value in set ?? [])
        {
            args.AddRange(["--set", value]);
        }

        return Manifest.Parse(await RunAsync([.. args]));
    }

    /// <summary>The chart's ci/*-values.yaml files, one per feature.</summary>
    public static IEnumerable<string> CiValuesFiles() =>
        Directory.GetFiles(Path.Combine(Chart, "ci"), "*-values.yaml").Order(StringComparer.Ordinal);
}
