using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace LogCollectorExporter.Configuration;

/// <summary>
/// The lists of a configuration and their items, as written, and every key that is not a setting. Walked once, before
/// the binder binds it, because the binder is silent or stops where this must name every error: its
/// <c>ErrorOnUnknownConfiguration</c> throws at the first section with an unknown key and names no path; it fills a
/// list from a mapping's keys too (<c>groups: {cg-east: …}</c>); and a list of mappings it fills with the mappings
/// alone, skipping the single values. So a group's collectors named by catalogue name are found here, and the n-th
/// object the binder bound into a list is the n-th item here that is not a single value.
/// </summary>
internal sealed class ConfigLayout
{
    private readonly Dictionary<string, List<Item>> lists = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConfigErrors errors;

    private ConfigLayout(ConfigErrors errors) => this.errors = errors;

    /// <summary>An item of a list: its key, and its text when it is a single value (which the binder does not bind).</summary>
    public readonly record struct Item(string Key, string? Value);

    /// <summary>Walks the sections of <paramref name="root"/> that are settings; the errors go to <paramref name="errors"/>.</summary>
    /// <param name="fileKeys">
    /// The top-level keys of the file (or the demo's built-in configuration): each must be a section. The environment
    /// and the command line add keys of their own at the top level (every environment variable is one), which are not
    /// the exporter's to judge.
    /// </param>
    public static ConfigLayout Walk(IConfiguration root, IEnumerable<string> fileKeys, ConfigErrors errors)
    {
        var layout = new ConfigLayout(errors);
        foreach (var key in fileKeys.Distinct(StringComparer.OrdinalIgnoreCase).Where(key => !ExporterOptions.Keys.Contains(key, StringComparer.OrdinalIgnoreCase)))
        {
            // A setting of a section written at the top level is a section's indentation lost (probe:, then interval: at column 0).
            var owner = ProbeOptions.Keys.Contains(key, StringComparer.OrdinalIgnoreCase) ? "probe"
                : PanoramaSourceOptions.Keys.Contains(key, StringComparer.OrdinalIgnoreCase) ? "panorama"
                : null;
            var hint = owner is null ? Suggestion(key, ExporterOptions.Keys) : $" (it is a setting of {owner}: indent it under {owner}:)";
            errors.Add(key, key, $"is not a known setting{hint}; allowed at the top level: {string.Join(", ", ExporterOptions.Keys)}");
        }

        if (root.GetSection("firewallNamesFile").GetChildren().Any())
        {
            errors.Add("firewallNamesFile", "firewallNamesFile", "is not allowed as a section; it is the name of a file of SERIAL,NAME lines");
        }

        var probe = root.GetSection("probe");
        layout.CheckKeys(probe, "probe", probe.GetChildren(), ProbeOptions.Keys);
        var certificates = probe.GetSection("certificates");
        layout.CheckKeys(certificates, "probe.certificates", certificates.GetChildren(), CertificateCheckOptions.Keys);
        if (probe.GetSection("buckets") is { Value: null } buckets)
        {
            // Not one comma-separated value (an override's): a list.
            layout.List(buckets, "probe.buckets");
        }

        foreach (var (item, path, children) in layout.Mappings(root.GetSection("collectors"), "collectors", "a collector of the catalogue is a mapping: {name, address, port, serial, hostname}"))
        {
            layout.CheckKeys(item, path, children, CollectorOptions.Keys);
        }

        foreach (var (group, path, children) in layout.Mappings(root.GetSection("groups"), "groups", "a group is a mapping: {name, collectors, ...}"))
        {
            layout.CheckKeys(group, path, children, GroupOptions.Keys);

            // Single values are catalogue names.
            foreach (var (member, memberPath, memberChildren) in layout.Mappings(group.GetSection("collectors"), path + ".collectors", problem: null))
            {
                layout.CheckKeys(member, memberPath, memberChildren, CollectorOptions.Keys);
            }
        }

        foreach (var (source, path, children) in layout.Mappings(root.GetSection("panorama"), "panorama", "a Panorama source is a mapping: {configFile, ...} or {url, apiKeyFile, ...}"))
        {
            layout.CheckKeys(source, path, children, PanoramaSourceOptions.Keys);
            foreach (var (name, namePath, nameChildren) in layout.Mappings(source.GetSection("collectorGroups"), path + ".collectorGroups", problem: null))
            {
                errors.Add(name.Path, namePath, nameChildren.Any() ? "is not allowed; a collector group is named by a single value" : "is empty; list the names of collector groups");
            }
        }

        return layout;
    }

    /// <summary>The items of the list at <paramref name="listKey"/> (<c>groups:0:collectors</c>), in order; none when it is not a list.</summary>
    public IReadOnlyList<Item> Items(string listKey) => lists.GetValueOrDefault(listKey) ?? [];

    /// <summary>
    /// The items of the list at <paramref name="listKey"/> in order, each with its key and either its text (a single
    /// value) or the object the binder bound from it; none when it is not a list (that is reported), whatever the
    /// binder made of it.
    /// </summary>
    public IEnumerable<(string Key, string? Value, T? Options)> Items<T>(string listKey, IReadOnlyList<T> bound)
        where T : class
    {
        if (!lists.TryGetValue(listKey, out var items))
        {
            yield break;
        }

        if (items.Count(i => i.Value is null) != bound.Count)
        {
            throw new InvalidOperationException($"the binder bound {bound.Count} items of {listKey}, where the configuration has {items.Count(i => i.Value is null)} that are not single values");
        }

        var next = 0;
        foreach (var item in items)
        {
            yield return (item.Key, item.Value, item.Value is null ? bound[next++] : null);
        }
    }

    /// <summary>The objects the binder bound for the list at <paramref name="listKey"/>, each with its key (see <see cref="Items{T}"/>).</summary>
    public IEnumerable<(string Key, T Options)> Bound<T>(string listKey, IReadOnlyList<T> bound)
        where T : class =>
        Items(listKey, bound).Where(i => i.Options is not null).Select(i => (i.Key, i.Options!));

    /// <summary>
    /// The configuration key and the key path (<c>groups:0:collectors:2:port</c>, <c>groups[0].collectors[2].port</c>) of
    /// the member the generated validator names <c>ExporterOptions.Groups[0].Collectors[1].Port</c>, where [1] counts the
    /// objects it bound; null when the member is in something that is not a list (that is reported).
    /// </summary>
    public (string Key, string Path)? Locate(string displayPath)
    {
        var key = "";
        var path = "";
        foreach (var segment in displayPath.Split('.').Skip(1))
        {
            var bracket = segment.IndexOf('[', StringComparison.Ordinal);
            var name = CamelCase(bracket < 0 ? segment : segment[..bracket]);
            key = key.Length == 0 ? name : $"{key}:{name}";
            path = path.Length == 0 ? name : $"{path}.{name}";
            if (bracket < 0)
            {
                continue;
            }

            var index = int.Parse(segment.AsSpan()[(bracket + 1)..^1], CultureInfo.InvariantCulture);
            if (BoundKeys(key) is not { } keys || index >= keys.Count)
            {
                return null;
            }

            key = $"{key}:{keys[index]}";
            path = $"{path}[{keys[index]}]";
        }

        return (key, path);
    }

    private static string CamelCase(string name) => string.Concat(name[..1].ToLowerInvariant(), name[1..]);

    private List<string>? BoundKeys(string listKey) =>
        lists.TryGetValue(listKey, out var items) ? [.. items.Where(i => i.Value is null).Select(i => i.Key)] : null;

    /// <summary>
    /// The items of a list that are mappings, with their children; a single value is an error with
    /// <paramref name="problem"/> when one is given.
    /// </summary>
    private IEnumerable<(IConfigurationSection Item, string Path, IEnumerable<IConfigurationSection> Children)> Mappings(IConfigurationSection section, string path, string? problem)
    {
        foreach (var (item, children, value) in List(section, path))
        {
            var itemPath = $"{path}[{item.Key}]";
            if (value is null)
            {
                yield return (item, itemPath, children);
            }
            else if (problem is not null)
            {
                errors.Add(item.Path, itemPath, $"\"{value}\" is not allowed; {problem}");
            }
        }
    }

    /// <summary>
    /// The items of the list at <paramref name="section"/>, with their children and, for a single value (one without
    /// children, which the binder skips), its text; recorded for <see cref="Items"/>.
    /// </summary>
    private List<(IConfigurationSection Item, IEnumerable<IConfigurationSection> Children, string? Value)> List(IConfigurationSection section, string path)
    {
        var items = new List<(IConfigurationSection, IEnumerable<IConfigurationSection>, string?)>();
        foreach (var child in section.GetChildren())
        {
            if (!int.TryParse(child.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                errors.Add(child.Path, path, $"must be a list (\"- ...\" items), but it has a key \"{child.Key}\"");
                return [];
            }

            var children = child.GetChildren();
            items.Add((child, children, !children.Any() && child.Value is { Length: > 0 } value ? value : null));
        }

        if (items.Count == 0 && !string.IsNullOrWhiteSpace(section.Value))
        {
            errors.Add(section.Path, path, $"\"{section.Value}\" is not allowed; it must be a list");
            return [];
        }

        lists[section.Path] = [.. items.Select(i => new Item(i.Item1.Key, i.Item3))];
        return items;
    }

    private void CheckKeys(IConfigurationSection section, string path, IEnumerable<IConfigurationSection> children, string[] allowed)
    {
        if (!children.Any() && !string.IsNullOrWhiteSpace(section.Value))
        {
            errors.Add(section.Path, path, $"\"{section.Value}\" is not allowed; it must be a mapping of settings: {string.Join(", ", allowed)}");
        }

        foreach (var child in children)
        {
            if (!allowed.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add(child.Path, $"{path}.{child.Key}", $"is not a known setting{Suggestion(child.Key, allowed)}; allowed here: {string.Join(", ", allowed)}");
            }
        }
    }

    /// <summary>" (did you mean X?)" for the known key nearest to a typo (at most a third of its letters off), else nothing.</summary>
    private static string Suggestion(string key, string[] known)
    {
        if (key.Length > 64)
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
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                d[i, j] = Math.Min(Math.Min(d[i - 1, j], d[i, j - 1]) + 1, d[i - 1, j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
