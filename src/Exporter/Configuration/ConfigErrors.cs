using Microsoft.Extensions.Configuration;

namespace LogCollectorExporter.Configuration;

/// <summary>
/// Every error found in a configuration, each named by the source its value came from: the file, <c>environment
/// variable Groups__0__Collectors__1__Port</c> or <c>command line --groups:0:collectors:1:port</c>.
/// </summary>
internal sealed class ConfigErrors(IConfigurationRoot root, IReadOnlyList<Func<string, string>> providerNames, string defaultSource)
{
    // The sections in the order a file has them, so that each one's errors are together, whichever step found them.
    private static readonly string[] Sections = ["probe", "collectors", "groups", "panorama"];

    private readonly List<(ConfigurationError Error, int Section)> errors = [];

    public int Count => errors.Count;

    public IReadOnlyList<ConfigurationError> All => [.. errors.OrderBy(e => e.Section).Select(e => e.Error)];

    /// <summary>An error about the setting at <paramref name="configurationKey"/>, written <paramref name="path"/> in the message.</summary>
    public void Add(string configurationKey, string path, string problem) => Add(new(SourceOf(configurationKey), path, problem), path);

    /// <summary>As <see cref="Add"/>, with the value as written quoted before the problem (when there is one).</summary>
    public void AddQuoted(string configurationKey, string path, string problem)
    {
        var value = root[configurationKey];
        Add(configurationKey, path, string.IsNullOrWhiteSpace(value) ? problem : $"\"{value}\" {problem}");
    }

    /// <summary>An error that no single value caused (a missing section), named by the configuration's own name.</summary>
    public void AddUnsourced(string path, string problem) => Add(new(defaultSource, path, problem), path);

    /// <summary>
    /// The errors of a file that a setting names, each saying which: <c>(read for groups[0].preferenceListFile)</c>,
    /// as <see cref="ReadFor"/> writes it.
    /// </summary>
    /// <param name="about">The key path of the setting it is about, as in <see cref="Add(ConfigurationError, string)"/>.</param>
    public void AddReadFor(ConfigurationException e, string setting, string about)
    {
        foreach (var error in e.Errors)
        {
            Add(error with { Problem = $"{error.Problem} {ReadFor(setting)}" }, about);
        }
    }

    /// <summary>What a message about a file, or about what it holds, says of the setting that names the file.</summary>
    public static string ReadFor(string setting) => $"(read for {setting})";

    /// <summary>An error that names its own source, such as a line of a preference list file.</summary>
    /// <param name="about">The key path of the setting it is about (<c>groups[0]</c>), for its place among the others.</param>
    public void Add(ConfigurationError error, string about)
    {
        var section = Array.FindIndex(Sections, s => about.StartsWith(s, StringComparison.Ordinal) && (about.Length == s.Length || about[s.Length] is '.' or '['));
        errors.Add((error, section < 0 ? Sections.Length : section));
    }

    // The last provider that has a value for the key is the one whose value won.
    private string SourceOf(string configurationKey)
    {
        var providers = root.Providers.ToArray();
        for (var i = providers.Length - 1; i >= 0; i--)
        {
            if (providers[i].TryGet(configurationKey, out _) || providers[i].GetChildKeys([], configurationKey).Any())
            {
                return i < providerNames.Count ? providerNames[i](configurationKey) : defaultSource;
            }
        }

        return defaultSource;
    }
}
