using YamlDotNet.RepresentationModel;

namespace LogCollectorExporter.Configuration;

/// <summary>
/// Walks a YAML document that <see cref="YamlGuard"/> loaded, for the settings file and the web configuration. What is
/// not as asked is an error at its key path (<c>groups[0].collectors[2].port</c>), and the walk goes on with what is
/// left, so that every error of a file is found at once.
/// </summary>
/// <param name="source">The file, as errors name it.</param>
internal class YamlWalker(string source, ConfigErrors errors, StringComparer keys)
{
    private readonly Dictionary<YamlNode, Func<string, string>> overrides = new(ReferenceEqualityComparer.Instance);

    public string Source => source;

    public ConfigErrors Errors => errors;

    /// <summary>Whether a value is not written: nothing, <c>~</c> or <c>null</c>, as YAML reads them.</summary>
    public static bool IsEmpty(YamlNode? node) =>
        node is null || node is YamlScalarNode { Style: not (YamlDotNet.Core.ScalarStyle.SingleQuoted or YamlDotNet.Core.ScalarStyle.DoubleQuoted), Value: null or "" or "~" or "null" or "Null" or "NULL" };

    public static string Describe(YamlNode node) => node switch
    {
        YamlMappingNode => "a mapping",
        YamlSequenceNode => "a list",
        YamlScalarNode scalar => $"\"{scalar.Value}\"",
        _ => "an alias",
    };

    /// <summary>Errors about <paramref name="node"/> name <paramref name="sourceOf"/>(its key path) rather than the file: an environment variable, a flag.</summary>
    public void Override(YamlNode node, Func<string, string> sourceOf) => overrides[node] = sourceOf;

    /// <summary>An error about the value <paramref name="at"/>, or about something missing there when null.</summary>
    public void Error(YamlNode? at, string path, string problem) =>
        errors.Add(new ConfigurationError(at is not null && overrides.TryGetValue(at, out var sourceOf) ? sourceOf(path) : source, path.Length == 0 ? null : path, problem), path);

    /// <summary>
    /// The entries of a mapping, each under its key as <paramref name="allowed"/> spells it; none when the value is
    /// empty. A key not allowed, or written twice, is an error. Null <paramref name="allowed"/> takes any key.
    /// </summary>
    public IEnumerable<(string Key, YamlNode Value)> Entries(YamlNode? node, string path, IReadOnlyList<string>? allowed)
    {
        if (Shaped<YamlMappingNode>(node, path, value => NotAMapping(value, allowed ?? [])) is not { } mapping)
        {
            yield break;
        }

        var seen = new HashSet<string>(keys);
        foreach (var (keyNode, value) in mapping.Children)
        {
            var written = keyNode is YamlScalarNode { Value: { } text } ? text : "";
            var key = allowed is null ? written : allowed.FirstOrDefault(k => keys.Equals(k, written));
            var keyPath = path.Length == 0 ? written : $"{path}.{written}";
            if (key is null)
            {
                Error(value, keyPath, UnknownKey(keyPath, written, keyNode, allowed!));
            }
            else if (!seen.Add(key))
            {
                Error(value, keyPath, "is written twice (keys are case-insensitive); keep one");
            }
            else
            {
                yield return (key, value);
            }
        }
    }

    /// <summary>The items of a list; none when the value is empty.</summary>
    public IEnumerable<(string Path, YamlNode Item)> Items(YamlNode? node, string path)
    {
        var list = Shaped<YamlSequenceNode>(node, path, value =>
            value is YamlMappingNode ? "must be a list (\"- ...\" items), not a mapping" : $"{Describe(value)} is not allowed; it must be a list");
        if (list is null)
        {
            yield break;
        }

        for (var i = 0; i < list.Children.Count; i++)
        {
            yield return ($"{path}[{i}]", list.Children[i]);
        }
    }

    /// <summary>The text of a single value; null when it is empty, or not a single value (an error).</summary>
    public string? Text(YamlNode? node, string path) =>
        Shaped<YamlScalarNode>(node, path, value => $"must be a single value, not {Describe(value)}")?.Value;

    /// <summary>The value as a <typeparamref name="T"/>; null when it is empty, or not one (then <paramref name="problem"/> is the error).</summary>
    private T? Shaped<T>(YamlNode? node, string path, Func<YamlNode, string> problem)
        where T : YamlNode
    {
        if (IsEmpty(node))
        {
            return null;
        }

        if (node is T shaped)
        {
            return shaped;
        }

        Error(node, path, problem(node!));
        return null;
    }

    /// <summary>
    /// What is wrong with a key that is not one of <paramref name="allowed"/>. A setting of a section written at the top
    /// level is the section's indentation lost (probe:, then interval: at column 0).
    /// </summary>
    protected virtual string UnknownKey(string keyPath, string key, YamlNode keyNode, IReadOnlyList<string> allowed)
    {
        if (keyPath != key)
        {
            return $"is not a known setting{Suggestion(key, allowed)}; allowed here: {string.Join(", ", allowed)}";
        }

        var owner = ProbeSettings.Keys.Contains(key, keys) ? "probe" : PanoramaSource.Keys.Contains(key, keys) ? "panorama" : null;
        var hint = owner is null ? Suggestion(key, allowed) : $" (it is a setting of {owner}: indent it under {owner}:)";
        return $"is not a known setting{hint}; allowed at the top level: {string.Join(", ", allowed)}";
    }

    protected virtual string NotAMapping(YamlNode node, IReadOnlyList<string> allowed) =>
        $"{Describe(node)} is not allowed; it must be a mapping of settings: {string.Join(", ", allowed)}";

    /// <summary>" (did you mean X?)" for the known key nearest to a typo (at most a third of its letters off), else nothing.</summary>
    public static string Suggestion(string key, IReadOnlyList<string> known)
    {
        if (key.Length > 64 || known.Count == 0)
        {
            return "";
        }

        var (nearest, distance) = known.Select(k => (k, Distance(key.ToLowerInvariant(), k.ToLowerInvariant()))).MinBy(k => k.Item2);
        return distance <= Math.Max(1, key.Length / 3) ? $" (did you mean {nearest}?)" : "";
    }

    /// <summary>Letters inserted, deleted, replaced or swapped with the next to make one text the other (optimal string alignment).</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            for (var j = 0; j <= b.Length; j++)
            {
                d[i, j] = i == 0 || j == 0 ? i + j : Math.Min(Math.Min(d[i - 1, j], d[i, j - 1]) + 1, d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
