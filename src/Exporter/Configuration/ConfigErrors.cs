namespace LogCollectorExporter.Configuration;

/// <summary>
/// Every error found in a configuration, each named by where its value came from: the file, <c>environment variable
/// probe__interval</c>, <c>command line --probe:interval</c>, or a file a setting names.
/// </summary>
internal sealed class ConfigErrors
{
    // The sections in the order a file has them, so that each one's errors are together, whichever step found them.
    private static readonly string[] Sections = ["probe", "collectors", "groups", "panorama"];

    private readonly List<(ConfigurationError Error, int Section)> errors = [];

    public int Count => errors.Count;

    public IReadOnlyList<ConfigurationError> All => [.. errors.OrderBy(e => e.Section).Select(e => e.Error)];

    /// <summary>The errors of a file that a setting names, each saying which, as <see cref="ReadFor"/> writes it.</summary>
    /// <param name="about">As in <see cref="Add(ConfigurationError, string)"/>.</param>
    public void AddReadFor(ConfigurationException e, string setting, string about)
    {
        foreach (var error in e.Errors)
        {
            Add(error with { Problem = $"{error.Problem} {ReadFor(setting)}" }, about);
        }
    }

    /// <summary>What a message about a file, or about what it holds, says of the setting that names the file.</summary>
    public static string ReadFor(string setting) => $"(read for {setting})";

    /// <summary>An error, with the key path of the setting it is about (<c>groups[0]</c>) for its place among the others.</summary>
    public void Add(ConfigurationError error, string about)
    {
        var section = Array.FindIndex(Sections, s => about.StartsWith(s, StringComparison.Ordinal) && (about.Length == s.Length || about[s.Length] is '.' or '['));
        errors.Add((error, section < 0 ? Sections.Length : section));
    }
}
