using LogCollectorExporter.Configuration;

namespace LogCollectorExporter.Tests.Support;

public static class Configs
{
    /// <summary>A validated configuration from YAML, the way the exporter reads it.</summary>
    public static ExporterConfig FromYaml(string yaml)
    {
        using var directory = new TempDirectory();
        return ConfigLoader.FromFile(directory.Write("collectors.yaml", yaml), []).Load();
    }

    /// <summary>One group "g" of collectors on 127.0.0.1 at the given ports, named c1, c2, ...; extra probe and group settings as YAML flow entries.</summary>
    public static string Group(IEnumerable<int> ports, string probe = "", string group = "")
    {
        var collectors = string.Join("\n", ports.Select((port, i) => $"      - {{name: c{i + 1}, address: 127.0.0.1, port: {port}}}"));
        var groupSettings = group.Length == 0 ? "" : $"    {group}\n";
        return $"probe: {{{probe}}}\ngroups:\n  - name: g\n{groupSettings}    collectors:\n{collectors}\n";
    }
}
