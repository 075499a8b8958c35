using Microsoft.Extensions.Configuration;
using YamlDotNet.Core;

namespace LogCollectorExporter.Configuration;

/// <summary>
/// Builds the configuration from its layers, lowest first: built-in defaults, the YAML file (or the demo's
/// built-in collectors), environment variables, command-line overrides. Used at start and for every reload.
/// </summary>
public sealed class ConfigLoader
{
    private readonly string? configFile;
    private readonly IReadOnlyDictionary<string, string?>? builtIn;
    private readonly IReadOnlyList<string> commandLine;
    private readonly TimeProvider time;

    private ConfigLoader(string? configFile, IReadOnlyDictionary<string, string?>? builtIn, IReadOnlyList<string> commandLine, TimeProvider time)
    {
        this.configFile = configFile;
        this.builtIn = builtIn;
        this.commandLine = commandLine;
        this.time = time;
    }

    /// <summary>The configuration is read from a YAML file.</summary>
    /// <param name="savedMayFail">See <see cref="SavedMayFail"/>.</param>
    public static ConfigLoader FromFile(string path, IReadOnlyList<string> commandLine, TimeProvider? time = null, bool savedMayFail = false) =>
        new(Path.GetFullPath(path), null, commandLine, time ?? TimeProvider.System) { SavedMayFail = savedMayFail };

    /// <summary>The configuration is built in (the demo), still overridable by environment and command line.</summary>
    public static ConfigLoader BuiltIn(IReadOnlyDictionary<string, string?> values, IReadOnlyList<string> commandLine) =>
        new(null, values, commandLine, TimeProvider.System);

    public string? ConfigFile => configFile;

    /// <summary>
    /// Whether a saved Panorama configuration that cannot be read is a failed import of its source (the last good one
    /// kept, or none yet), as a live source's failure is, rather than a configuration error: what the running exporter
    /// does (README, "From Panorama"). Off, <c>--check-config</c>'s way, it is an error.
    /// </summary>
    public bool SavedMayFail { get; private init; }

    /// <summary>How each Panorama source's imports went, and the live sources' last good ones, for every load of this configuration.</summary>
    public PanoramaImports Panorama { get; } = new();

    /// <summary>
    /// Whether a load now would give <paramref name="origin"/>'s configuration again: none of its files changed on disk,
    /// and its live Panorama sources have imported nothing new (a running process's environment and command line
    /// cannot change).
    /// </summary>
    public bool IsCurrent(ConfigOrigin origin) =>
        ConfigFiles.FingerprintOnDisk(origin.Files) == origin.Fingerprint && Panorama.Fingerprint(origin.LiveSources) == origin.LiveFingerprint;

    public string Description => configFile ?? "--demo (built-in configuration)";

    /// <exception cref="ConfigurationException">The configuration cannot be used; nothing has changed.</exception>
    public ExporterConfig Load()
    {
        var files = new ConfigFiles();
        var builder = new ConfigurationBuilder();
        var sources = new List<Func<string, string>>();
        if (configFile is not null)
        {
            var bytes = files.ReadAllBytes(configFile);
            YamlShape.Check(bytes, configFile);
            try
            {
                builder.Add(new IndexedYamlSource(bytes));
            }
            catch (FormatException e)
            {
                throw new ConfigurationException(configFile, $"is not valid YAML: {DescribeYamlError(e)}");
            }
            catch (Exception e)
            {
                // The YAML reader fails on some malformed input (an alias where it takes none) with exceptions other
                // than its own (found by fuzzing): still a bad file, not a crash.
                throw new ConfigurationException(configFile, $"is not valid YAML: {e.Message}");
            }

            sources.Add(_ => configFile);
        }
        else
        {
            builder.AddInMemoryCollection(builtIn);
            sources.Add(_ => Description);
        }

        builder.AddEnvironmentVariables();
        sources.Add(key => $"environment variable {key.Replace(":", "__", StringComparison.Ordinal)}");
        builder.AddCommandLine([.. commandLine]);
        sources.Add(key => $"command line --{key}");

        var root = builder.Build();
        var baseDirectory = configFile is null ? null : Path.GetDirectoryName(configFile);
        var (probe, collectors, groups, panorama) = ConfigReader.Read(root, sources, Description, baseDirectory, files, Panorama, time.GetUtcNow(), SavedMayFail);
        string[] live = [.. panorama.Where(p => p.Source.IsLive).Select(p => p.Source.Label)];
        var origin = new ConfigOrigin(Description, configFile, files.Paths, files.Fingerprint(), live, Panorama.Fingerprint(live));
        return new ExporterConfig(probe, collectors, groups, origin) { Panorama = panorama };
    }

    private static string DescribeYamlError(FormatException e) =>
        e.InnerException is YamlException yaml
            ? $"line {yaml.Start.Line}, column {yaml.Start.Column}: {yaml.Message.Split("): ", 2)[^1]}"
            : e.Message;
}
