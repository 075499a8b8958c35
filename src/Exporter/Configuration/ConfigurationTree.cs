using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Primitives;

namespace LogCollectorExporter.Configuration;

/// <summary>
/// The layered configuration merged once into a tree whose sections hold their children, for the reader to walk and
/// the binder to bind. The configuration root answers every "children of this section" by asking each layer, which
/// lists and sorts its keys, and every value by building the key's path and asking each layer: walking and binding a
/// file of 5,000 groups that way allocated 46 MB, merged first about 15. Reads as the root does (ConfigurationTreeTests); the root still says
/// which layer each value came from.
/// </summary>
internal sealed class ConfigurationTree : IConfigurationSection
{
    private const int IndexedFrom = 8;

    private static readonly IChangeToken Unchanging = new CancellationChangeToken(CancellationToken.None);

    private readonly ConfigurationTree? parent;
    private List<ConfigurationTree>? children;
    private Dictionary<string, ConfigurationTree>? byKey;
    private string? path;
    private string? value;

    private ConfigurationTree(ConfigurationTree? parent, string key, string? path = null)
    {
        this.parent = parent;
        Key = key;
        this.path = path;
    }

    public string Key { get; }

    public string Path => path ??= parent is null ? "" : parent.parent is null ? Key : $"{parent.Path}{ConfigurationPath.KeyDelimiter}{Key}";

    public string? Value
    {
        get => value;
        set => throw new NotSupportedException("the configuration tree is read only");
    }

    public string? this[string key]
    {
        get => Find(key)?.Value;
        set => throw new NotSupportedException("the configuration tree is read only");
    }

    /// <summary>Merges the layers of <paramref name="root"/>, lowest first: a later layer's value wins, as in the root.</summary>
    public static ConfigurationTree Of(IConfigurationRoot root)
    {
        var tree = new ConfigurationTree(null, "");
        foreach (var provider in root.Providers)
        {
            if (provider is IndexedYamlProvider yaml)
            {
                foreach (var (key, value) in yaml.Values)
                {
                    tree.Add(key).SetValue(value);
                }
            }
            else
            {
                tree.AddAll(provider, null);
            }
        }

        tree.Sort();
        return tree;
    }

    /// <summary>The section at <paramref name="key"/>, which may be a path (<c>probe:buckets</c>); an empty one when there is none, as the root gives.</summary>
    public IConfigurationSection GetSection(string key) =>
        Find(key) ?? new ConfigurationTree(this, key[(key.LastIndexOf(ConfigurationPath.KeyDelimiter, StringComparison.Ordinal) + 1)..], Path.Length == 0 ? key : ConfigurationPath.Combine(Path, key));

    public IEnumerable<IConfigurationSection> GetChildren() => children ?? [];

    public IChangeToken GetReloadToken() => Unchanging;

    private void SetValue(string? text) => value = text;

    private ConfigurationTree? Find(string key)
    {
        var node = this;
        foreach (var range in key.AsSpan().Split(ConfigurationPath.KeyDelimiter[0]))
        {
            if (node.Child(key.AsSpan()[range]) is not { } child)
            {
                return null;
            }

            node = child;
        }

        return node;
    }

    // Most sections have a few children (a collector's address and port), which a scan finds sooner than an index; a
    // list of thousands (a group's collectors) is indexed, or adding its items one by one would be quadratic.
    private ConfigurationTree? Child(ReadOnlySpan<char> key)
    {
        if (byKey is not null)
        {
            return byKey.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(key, out var indexed) ? indexed : null;
        }

        if (children is not null)
        {
            foreach (var child in children)
            {
                if (child.Key.AsSpan().Equals(key, StringComparison.OrdinalIgnoreCase))
                {
                    return child;
                }
            }
        }

        return null;
    }

    private ConfigurationTree Add(string key)
    {
        var node = this;
        foreach (var range in key.AsSpan().Split(ConfigurationPath.KeyDelimiter[0]))
        {
            var segment = key.AsSpan()[range];
            if (node.Child(segment) is not { } child)
            {
                child = new ConfigurationTree(node, segment.ToString());
                (node.children ??= []).Add(child);
                if (node.byKey is not null)
                {
                    node.byKey.Add(child.Key, child);
                }
                else if (node.children.Count > IndexedFrom)
                {
                    node.byKey = node.children.ToDictionary(c => c.Key, StringComparer.OrdinalIgnoreCase);
                }
            }

            node = child;
        }

        return node;
    }

    /// <summary>Every key of a layer that offers no list of them (environment variables, command line): a few dozen.</summary>
    private void AddAll(IConfigurationProvider provider, string? parentPath)
    {
        foreach (var key in provider.GetChildKeys([], parentPath).Distinct(StringComparer.OrdinalIgnoreCase))
        {
            var keyPath = parentPath is null ? key : ConfigurationPath.Combine(parentPath, key);
            var node = Add(keyPath);
            if (provider.TryGet(keyPath, out var value))
            {
                node.SetValue(value);
            }

            AddAll(provider, keyPath);
        }
    }

    private void Sort()
    {
        if (children is null)
        {
            return;
        }

        children.Sort((a, b) => ConfigurationKeyComparer.Instance.Compare(a.Key, b.Key));
        foreach (var child in children)
        {
            child.Sort();
        }
    }
}
