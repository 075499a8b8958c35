using LogCollectorExporter.Configuration;
using LogCollectorExporter.Panorama;

namespace LogCollectorExporter.Tests.Support;

public static class Configs
{
    /// <summary>A validated configuration from YAML, the way the exporter reads it.</summary>
    public static ExporterConfig FromYaml(string yaml)
    {
        using var directory = new TempDirectory();
        return Loader(directory.Write("collectors.yaml", yaml), []).Load();
    }

    /// <summary>The loader of a settings file, importing its Panorama sources through <paramref name="panorama"/> (a new one when null), as the exporter does.</summary>
    public static ConfigLoader Loader(string path, IReadOnlyList<string> commandLine, TimeProvider? time = null, PanoramaImportState? panorama = null) =>
        ConfigLoader.FromFile(path, commandLine, panorama ?? new PanoramaImportState(), time);

    /// <summary>One group "g" of collectors on 127.0.0.1 at the given ports, named c1, c2, ...; extra probe and group settings as YAML flow entries.</summary>
    public static string Group(IEnumerable<int> ports, string probe = "", string group = "") =>
        Group(probe, ports.Select((port, i) => Collector($"c{i + 1}", port)), group);

    /// <summary>One group "g" of the given collectors (<see cref="Collector"/>), highest priority first.</summary>
    public static string Group(string probe, IEnumerable<string> collectors, string group = "")
    {
        var groupSettings = group.Length == 0 ? "" : $"    {group}\n";
        return $"probe: {{{probe}}}\ngroups:\n  - name: g\n{groupSettings}    collectors:\n{string.Join("\n", collectors.Select(c => $"      - {c}"))}\n";
    }

    /// <summary>A collector on 127.0.0.1 (or <paramref name="address"/>) as a YAML flow mapping.</summary>
    public static string Collector(string name, int port, string serial = "", string address = "127.0.0.1") =>
        $"{{name: {name}, address: {address}, port: {port}, serial: \"{serial}\"}}";
}
