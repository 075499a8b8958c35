using System.Collections;
using System.Text;
using YamlDotNet.RepresentationModel;

namespace LogCollectorExporter.Configuration;

/// <summary>
/// Loads the configuration from the YAML file (or the demo's built-in one), with the <c>probe:</c> settings of the
/// environment and the command line over it: defaults &lt; file &lt; environment &lt; command line.
/// </summary>
public sealed class ConfigLoader
{
    /// <summary>A configuration nests five levels deep (groups, a group, its collectors, a collector); this leaves room for mistakes.</summary>
    public const int MaxDepth = 64;

    private readonly string? builtIn;
    private readonly IReadOnlyList<string> commandLine;
    private readonly TimeProvider time;

    private ConfigLoader(string? configFile, string? builtIn, IReadOnlyList<string> commandLine, IPanoramaImporter panorama, TimeProvider time) =>
        (ConfigFile, this.builtIn, this.commandLine, Panorama, this.time) = (configFile, builtIn, commandLine, panorama, time);

    public static ConfigLoader FromFile(string path, IReadOnlyList<string> commandLine, IPanoramaImporter panorama, TimeProvider? time = null, bool savedMayFail = false) =>
        new(Path.GetFullPath(path), null, commandLine, panorama, time ?? TimeProvider.System) { SavedMayFail = savedMayFail };

    /// <summary>The configuration is built in (the demo's YAML), still overridable by environment and command line.</summary>
    public static ConfigLoader BuiltIn(string yaml, IReadOnlyList<string> commandLine, IPanoramaImporter panorama) =>
        new(null, yaml, commandLine, panorama, TimeProvider.System);

    public string? ConfigFile { get; }

    /// <summary>
    /// Whether a saved Panorama configuration that cannot be read is a failed import of its source (the last good one
    /// kept, or none yet), as a live source's failure is, rather than a configuration error: what the running exporter
    /// does (README, "From Panorama"). Off, <c>--check-config</c>'s way, it is an error.
    /// </summary>
    public bool SavedMayFail { get; private init; }

    /// <summary>Imports the Panorama sources, and keeps how each one's imports went and the live sources' last good ones.</summary>
    public IPanoramaImporter Panorama { get; }

    /// <summary>
    /// Whether a load now would give <paramref name="origin"/>'s configuration again: none of its files changed on disk and
    /// its live sources imported nothing new (a running process's environment and command line cannot change).
    /// </summary>
    public bool IsCurrent(ConfigOrigin origin) =>
        ConfigFiles.FingerprintOnDisk(origin.Files) == origin.Fingerprint && Panorama.Fingerprint(origin.LiveSources) == origin.LiveFingerprint;

    public string Description => ConfigFile ?? "--demo (built-in configuration)";

    /// <exception cref="ConfigurationException">The configuration cannot be used; nothing has changed.</exception>
    public ExporterConfig Load()
    {
        var files = new ConfigFiles();
        var source = Description;
        var root = YamlGuard.Load(ConfigFile is null ? Encoding.UTF8.GetBytes(builtIn!) : files.ReadAllBytes(ConfigFile), source, "configuration", MaxDepth);
        if (root is not (null or YamlMappingNode))
        {
            throw new ConfigurationException(source, $"is not a configuration: {YamlGuard.At(root.Start)}: " +
                $"the document is a {(root is YamlSequenceNode ? "list" : "single value")}; it must be a mapping of settings (probe:, groups:)");
        }

        var walker = new YamlWalker(source, new ConfigErrors(), StringComparer.OrdinalIgnoreCase);
        var settings = Override((YamlMappingNode?)root, walker, Environment.GetEnvironmentVariables(), commandLine);
        var baseDirectory = ConfigFile is null ? null : Path.GetDirectoryName(ConfigFile);
        var (probe, collectors, groups, panorama) = ConfigReader.Read(walker, settings, baseDirectory, files, Panorama, time.GetUtcNow(), SavedMayFail);
        string[] live = [.. panorama.Where(p => p.Source.IsLive).Select(p => p.Source.Label)];
        var origin = new ConfigOrigin(Description, ConfigFile, files.Paths, files.Fingerprint(), live, Panorama.Fingerprint(live));
        return new ExporterConfig(probe, collectors, groups, origin) { Panorama = panorama };
    }

    /// <summary>
    /// Puts the <c>probe:</c> settings of the environment (<c>Probe__Interval=30s</c>) and of the command line
    /// (<c>--probe:interval=30s</c>, or the value as the next argument) into the file's, the command line's last. Each is
    /// a single value, and its errors name it. Other keys are the host's (<c>--urls</c>, <c>Logging__LogLevel__Default</c>).
    /// </summary>
    private static YamlMappingNode? Override(YamlMappingNode? root, YamlWalker walker, IDictionary environment, IReadOnlyList<string> commandLine)
    {
        var overrides = new List<(string[] Path, string Value, Func<string, string> Source)>();
        foreach (DictionaryEntry variable in environment)
        {
            overrides.Add((((string)variable.Key).Split("__"), variable.Value as string ?? "", path => $"environment variable {path.Replace(".", "__", StringComparison.Ordinal)}"));
        }

        for (var i = 0; i < commandLine.Count; i++)
        {
            if (commandLine[i] is ['-', '-', .. var argument])
            {
                var equals = argument.IndexOf('=', StringComparison.Ordinal);
                var value = equals >= 0 ? argument[(equals + 1)..] : i + 1 < commandLine.Count ? commandLine[++i] : "";
                overrides.Add(((equals >= 0 ? argument[..equals] : argument).Split(':'), value, path => $"command line --{path.Replace('.', ':')}"));
            }
        }

        foreach (var (path, value, source) in overrides.Where(o => o.Path is [var section, _, ..] && section.Equals("probe", StringComparison.OrdinalIgnoreCase)))
        {
            YamlMappingNode? mapping = root ??= new YamlMappingNode();
            foreach (var key in path[..^1])
            {
                mapping = mapping is null ? null : Entry(mapping, key) is not { } entry ? Add(mapping, new YamlScalarNode(key))
                    : YamlWalker.IsEmpty(mapping.Children[entry]) ? Add(mapping, entry)
                    : mapping.Children[entry] as YamlMappingNode; // Not a mapping: the file's error stands.
            }

            if (mapping is not null)
            {
                var node = new YamlScalarNode(value);
                mapping.Children[Entry(mapping, path[^1]) ?? new YamlScalarNode(path[^1])] = node;
                walker.Override(node, source);
            }
        }

        return root;
    }

    private static YamlMappingNode Add(YamlMappingNode mapping, YamlNode key)
    {
        var section = new YamlMappingNode();
        mapping.Children[key] = section;
        return section;
    }

    /// <summary>The key of <paramref name="mapping"/> that is <paramref name="key"/> in any case; null when it has none.</summary>
    private static YamlNode? Entry(YamlMappingNode mapping, string key) =>
        mapping.Children.Keys.FirstOrDefault(k => k is YamlScalarNode { Value: { } text } && text.Equals(key, StringComparison.OrdinalIgnoreCase));
}
