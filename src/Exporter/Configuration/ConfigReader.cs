using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace LogCollectorExporter.Configuration;

/// <summary>
/// Turns the layered configuration (file, environment, command line) into a validated <see cref="ExporterConfig"/>,
/// collecting every error with the source it came from, its key path, the bad value and what is allowed.
/// </summary>
internal sealed partial class ConfigReader
{
    private static readonly string[] ProbeKeys =
        ["interval", "timeout", "mode", "close", "ipFamily", "sourceAddress", "failureThreshold", "recoveryThreshold", "maxConcurrency", "buckets"];

    // Longer would make no sense for a health check, and timers (Task.Delay) take at most 49 days.
    private static readonly TimeSpan MaxDuration = TimeSpan.FromHours(24);

    private static readonly string[] GroupKeys = ["name", "forwardToAll", "failback", "preferenceListFile", "collectors"];
    private static readonly string[] CollectorKeys = ["name", "address", "port", "serial"];

    private readonly IConfigurationRoot root;
    private readonly IReadOnlyList<Func<string, string>> providerNames;
    private readonly string defaultSource;
    private readonly string? baseDirectory;
    private readonly ConfigFiles files;
    private readonly List<ConfigurationError> errors = [];

    private ConfigReader(IConfigurationRoot root, IReadOnlyList<Func<string, string>> providerNames, string defaultSource, string? baseDirectory, ConfigFiles files)
    {
        this.root = root;
        this.providerNames = providerNames;
        this.defaultSource = defaultSource;
        this.baseDirectory = baseDirectory;
        this.files = files;
    }

    [GeneratedRegex("^[A-Za-z0-9_.:-]+$", RegexOptions.CultureInvariant)]
    private static partial Regex GroupNamePattern();

    [GeneratedRegex(@"^(?=.{1,253}$)[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,62}))*\.?$", RegexOptions.CultureInvariant)]
    private static partial Regex HostNamePattern();

    /// <param name="root">The layered configuration.</param>
    /// <param name="providerNames">For each provider of <paramref name="root"/>, in order, how to name it in an error about a key.</param>
    /// <param name="defaultSource">The name used for errors that no single value caused (a missing key, an empty list).</param>
    /// <param name="baseDirectory">Where relative <c>preferenceListFile</c> paths start.</param>
    /// <param name="files">Reads the preference list files, and fingerprints them.</param>
    public static (ProbeSettings Probe, IReadOnlyList<GroupConfig> Groups) Read(
        IConfigurationRoot root, IReadOnlyList<Func<string, string>> providerNames, string defaultSource, string? baseDirectory, ConfigFiles files)
    {
        var reader = new ConfigReader(root, providerNames, defaultSource, baseDirectory, files);
        var probe = reader.ReadProbe(root.GetSection("probe"));
        var groups = reader.ReadGroups(root.GetSection("groups"), probe);
        if (reader.errors.Count > 0)
        {
            throw new ConfigurationException(reader.errors);
        }

        return (probe, groups);
    }

    private ProbeSettings ReadProbe(IConfigurationSection section)
    {
        var defaults = ProbeSettings.Default;
        CheckKeys(section, "probe", ProbeKeys);
        var interval = ReadDuration(section, "probe.interval", "interval", defaults.Interval);
        var timeout = ReadDuration(section, "probe.timeout", "timeout", defaults.Timeout);
        if (interval > TimeSpan.Zero && timeout > TimeSpan.Zero && timeout >= interval)
        {
            Error(section, "timeout", "probe.timeout", $"\"{Duration.Format(timeout)}\" must be shorter than probe.interval (\"{Duration.Format(interval)}\")");
        }

        var ipFamily = ReadEnum(section, "probe.ipFamily", "ipFamily", defaults.IpFamily, ("ip4", IpFamily.Ip4), ("ip6", IpFamily.Ip6), ("any", IpFamily.Any));
        var source = ReadSourceAddress(section, ipFamily);
        return new ProbeSettings(
            interval,
            timeout,
            ReadEnum(section, "probe.mode", "mode", defaults.Mode, ("handshake", ProbeMode.Handshake), ("hold", ProbeMode.Hold)),
            ReadEnum(section, "probe.close", "close", defaults.Close, ("fin", CloseMode.Fin), ("rst", CloseMode.Rst)),
            ipFamily,
            source,
            ReadInt(section, "probe.failureThreshold", "failureThreshold", defaults.FailureThreshold, 1, int.MaxValue),
            ReadInt(section, "probe.recoveryThreshold", "recoveryThreshold", defaults.RecoveryThreshold, 1, int.MaxValue),
            ReadInt(section, "probe.maxConcurrency", "maxConcurrency", defaults.MaxConcurrency, 1, 100_000),
            ReadBuckets(section, defaults.Buckets));
    }

    private IPAddress? ReadSourceAddress(IConfigurationSection section, IpFamily family)
    {
        var text = section["sourceAddress"];
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        if (!IPAddress.TryParse(text.Trim(), out var address))
        {
            Error(section, "sourceAddress", "probe.sourceAddress", $"\"{text}\" is not allowed; use an IPv4 or IPv6 address of this host, or \"\"");
            return null;
        }

        var expected = family switch
        {
            IpFamily.Ip4 => AddressFamily.InterNetwork,
            IpFamily.Ip6 => AddressFamily.InterNetworkV6,
            _ => address.AddressFamily,
        };
        if (address.AddressFamily != expected)
        {
            Error(section, "sourceAddress", "probe.sourceAddress", $"\"{text}\" is not an address of probe.ipFamily {Describe(family)}");
        }

        return address;
    }

    private IReadOnlyList<double> ReadBuckets(IConfigurationSection probe, IReadOnlyList<double> defaults)
    {
        var section = probe.GetSection("buckets");
        var items = new List<(string Path, string Key, IConfigurationSection Owner, string Text)>();
        if (section.Value is { } scalar)
        {
            // A single value, as an environment variable or command-line override gives it: "0.001,0.01,0.1".
            if (string.IsNullOrWhiteSpace(scalar))
            {
                return defaults;
            }

            var parts = scalar.Split(',', StringSplitOptions.TrimEntries);
            items.AddRange(parts.Select(p => ("probe.buckets", "buckets", probe, p)));
        }
        else
        {
            var children = ListItems(section, "probe.buckets");
            if (children.Count == 0)
            {
                return defaults;
            }

            items.AddRange(children.Select(c => ($"probe.buckets[{c.Key}]", c.Key, section, c.Value ?? "")));
        }

        var buckets = new List<double>();
        foreach (var (path, key, owner, text) in items)
        {
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var bound) || !double.IsFinite(bound) || bound <= 0)
            {
                Error(owner, key, path, $"\"{text}\" is not allowed; a bucket is a positive number of seconds");
                return defaults;
            }

            if (buckets.Count > 0 && bound <= buckets[^1])
            {
                Error(owner, key, path, $"\"{text}\" is not allowed; buckets must be strictly increasing, and the one before it is {buckets[^1].ToString(CultureInfo.InvariantCulture)}");
                return defaults;
            }

            buckets.Add(bound);
        }

        return buckets;
    }

    private List<GroupConfig> ReadGroups(IConfigurationSection section, ProbeSettings probe)
    {
        var groups = new List<GroupConfig>();
        var items = ListItems(section, "groups");
        if (items.Count == 0 && section.Value is null)
        {
            errors.Add(new(defaultSource, "groups", "at least one group is required; a group is a log collector preference list"));
            return groups;
        }

        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            var path = $"groups[{item.Key}]";
            var group = ReadGroup(item, path, probe);
            if (group is null)
            {
                continue;
            }

            if (seen.TryGetValue(group.Name, out var first))
            {
                Error(item, "name", path + ".name", $"\"{group.Name}\" is already the name of {first}; group names must be unique");
                continue;
            }

            seen[group.Name] = path;
            groups.Add(group);
        }

        return groups;
    }

    private GroupConfig? ReadGroup(IConfigurationSection section, string path, ProbeSettings probe)
    {
        CheckKeys(section, path, GroupKeys);
        var name = section["name"]?.Trim();
        if (string.IsNullOrEmpty(name))
        {
            Error(section, "name", path + ".name", "is required");
        }
        else if (!GroupNamePattern().IsMatch(name))
        {
            Error(section, "name", path + ".name", $"\"{name}\" is not allowed; use letters, digits and _ . : -");
        }

        var explicitForwardToAll = ReadBool(section, path + ".forwardToAll", "forwardToAll");
        var failback = ReadEnum(section, path + ".failback", "failback", Failback.Immediate, ("immediate", Failback.Immediate), ("sticky", Failback.Sticky));
        var listFile = section["preferenceListFile"]?.Trim();
        var collectorItems = ListItems(section.GetSection("collectors"), path + ".collectors");

        IReadOnlyList<CollectorConfig> collectors;
        var forwardToAll = explicitForwardToAll ?? false;
        if (!string.IsNullOrEmpty(listFile))
        {
            if (collectorItems.Count > 0)
            {
                Error(section, "preferenceListFile", path, "has both collectors and preferenceListFile; use one of them");
                return null;
            }

            var imported = ReadPreferenceListFile(section, path, listFile, explicitForwardToAll, probe.IpFamily);
            if (imported is null)
            {
                return null;
            }

            forwardToAll = imported.Value.ForwardToAll;
            collectors = imported.Value.Collectors;
        }
        else
        {
            collectors = ReadCollectors(section, path, collectorItems, probe);
        }

        if (collectors.Count == 0)
        {
            if (collectorItems.Count == 0 && string.IsNullOrEmpty(listFile))
            {
                Error(section, "collectors", path + ".collectors", "a group needs at least one collector (or a preferenceListFile)");
            }

            return null;
        }

        return string.IsNullOrEmpty(name) || !GroupNamePattern().IsMatch(name)
            ? null
            : new GroupConfig(name, forwardToAll, failback, string.IsNullOrEmpty(listFile) ? null : listFile, collectors);
    }

    private (bool ForwardToAll, IReadOnlyList<CollectorConfig> Collectors)? ReadPreferenceListFile(
        IConfigurationSection section, string path, string listFile, bool? explicitForwardToAll, IpFamily family)
    {
        if (listFile.Contains('\0', StringComparison.Ordinal))
        {
            Error(section, "preferenceListFile", path + ".preferenceListFile", "is not a file name: it contains a NUL character");
            return null;
        }

        var fullPath = Path.GetFullPath(listFile, baseDirectory ?? Directory.GetCurrentDirectory());
        PreferenceListFile.Content content;
        try
        {
            var text = System.Text.Encoding.UTF8.GetString(files.ReadAllBytes(fullPath));
            content = PreferenceListFile.Parse(text, fullPath);
        }
        catch (ConfigurationException e)
        {
            errors.AddRange(e.Errors.Select(error => error with { Problem = $"{error.Problem} (read for {path}.preferenceListFile)" }));
            return null;
        }

        if (explicitForwardToAll is { } configured && configured != content.ForwardToAll)
        {
            Error(section, "forwardToAll", path + ".forwardToAll",
                $"\"{(configured ? "true" : "false")}\" contradicts \"Forward to all: {(content.ForwardToAll ? "Yes" : "No")}\" in {fullPath}; remove forwardToAll, the preference list file sets it");
            return null;
        }

        var collectors = new List<CollectorConfig>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in content.Collectors)
        {
            if (IsOtherFamily(IPAddress.Parse(entry.Address), family))
            {
                errors.Add(new(fullPath, null, $"serial number {entry.Serial} has only the address {entry.Address} (read for {path}.preferenceListFile), and probe.ipFamily is {Describe(family)}; set probe.ipFamily to any"));
                continue;
            }

            if (!seen.Add(entry.Serial))
            {
                errors.Add(new(fullPath, null, $"serial number {entry.Serial} is listed twice (read for {path}.preferenceListFile); collector names must be unique in a group"));
                continue;
            }

            collectors.Add(new CollectorConfig(entry.Serial, entry.Address, CollectorConfig.DefaultPort, entry.Serial, collectors.Count + 1));
        }

        return (content.ForwardToAll, collectors);
    }

    private List<CollectorConfig> ReadCollectors(IConfigurationSection group, string groupPath, List<IConfigurationSection> items, ProbeSettings probe)
    {
        var collectors = new List<CollectorConfig>();
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            var path = $"{groupPath}.collectors[{item.Key}]";
            CheckKeys(item, path, CollectorKeys);
            var address = item["address"]?.Trim();
            if (string.IsNullOrEmpty(address))
            {
                Error(item, "address", path + ".address", "is required: an IPv4 or IPv6 address or a DNS name");
                continue;
            }

            if (!CheckAddress(item, path, address, probe.IpFamily))
            {
                continue;
            }

            var port = ReadInt(item, path + ".port", "port", CollectorConfig.DefaultPort, 1, 65535);
            var name = item["name"]?.Trim();
            if (string.IsNullOrEmpty(name))
            {
                name = address;
            }

            if (seen.TryGetValue(name, out var first))
            {
                Error(item, "name", path + ".name", $"\"{name}\" is already the name of {first}; collector names must be unique in a group (the name defaults to the address)");
                continue;
            }

            seen[name] = path;
            collectors.Add(new CollectorConfig(name, address, port, item["serial"]?.Trim() ?? "", collectors.Count + 1));
        }

        return collectors;
    }

    private bool CheckAddress(IConfigurationSection item, string path, string address, IpFamily family)
    {
        if (IPAddress.TryParse(address, out var ip))
        {
            if (IsOtherFamily(ip, family))
            {
                Error(item, "address", path + ".address", $"\"{address}\" is not an {(family == IpFamily.Ip4 ? "IPv4" : "IPv6")} address, and probe.ipFamily is {Describe(family)}");
                return false;
            }

            return true;
        }

        if (!HostNamePattern().IsMatch(address))
        {
            Error(item, "address", path + ".address", $"\"{address}\" is not allowed; use an IPv4 or IPv6 address or a DNS name");
            return false;
        }

        return true;
    }

    private static bool IsOtherFamily(IPAddress address, IpFamily family) =>
        (family == IpFamily.Ip4 && address.AddressFamily != AddressFamily.InterNetwork)
        || (family == IpFamily.Ip6 && address.AddressFamily != AddressFamily.InterNetworkV6);

    private static string Describe(IpFamily family) => family.ToString().ToLowerInvariant();

    private void CheckKeys(IConfigurationSection section, string path, string[] allowed)
    {
        foreach (var child in section.GetChildren())
        {
            if (!allowed.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                Error(section, child.Key, $"{path}.{child.Key}", $"is not a known setting; allowed here: {string.Join(", ", allowed)}");
            }
        }
    }

    private List<IConfigurationSection> ListItems(IConfigurationSection section, string path)
    {
        var items = new List<IConfigurationSection>();
        foreach (var child in section.GetChildren())
        {
            if (!int.TryParse(child.Key, NumberStyles.None, CultureInfo.InvariantCulture, out _))
            {
                Error(section, child.Key, path, $"must be a list (\"- ...\" items), but it has a key \"{child.Key}\"");
                return [];
            }

            items.Add(child);
        }

        if (items.Count == 0 && !string.IsNullOrWhiteSpace(section.Value))
        {
            Error(section.Path, path, $"\"{section.Value}\" is not allowed; it must be a list");
        }

        return items;
    }

    private TimeSpan ReadDuration(IConfigurationSection section, string path, string key, TimeSpan fallback)
    {
        var text = section[key];
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        if (!Duration.TryParse(text, out var value))
        {
            Error(section, key, path, $"\"{text}\" is not allowed; use {Duration.Allowed}");
            return fallback;
        }

        if (value <= TimeSpan.Zero)
        {
            Error(section, key, path, $"\"{text}\" is not allowed; the duration must be greater than zero");
            return fallback;
        }

        if (value > MaxDuration)
        {
            Error(section, key, path, $"\"{text}\" is not allowed; the longest is {Duration.Format(MaxDuration)}");
            return fallback;
        }

        return value;
    }

    private int ReadInt(IConfigurationSection section, string path, string key, int fallback, int min, int max)
    {
        var text = section[key];
        if (string.IsNullOrWhiteSpace(text))
        {
            return fallback;
        }

        if (!int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            var range = max == int.MaxValue ? $"{min} or more" : $"{min} to {max}";
            Error(section, key, path, $"\"{text}\" is not allowed; use a whole number, {range}");
            return fallback;
        }

        return value;
    }

    private bool? ReadBool(IConfigurationSection section, string path, string key)
    {
        var text = section[key]?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        if (bool.TryParse(text, out var value))
        {
            return value;
        }

        Error(section, key, path, $"\"{text}\" is not allowed; use true or false");
        return null;
    }

    private T ReadEnum<T>(IConfigurationSection section, string path, string key, T fallback, params (string Name, T Value)[] values)
    {
        var text = section[key]?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }

        foreach (var (name, value) in values)
        {
            if (name.Equals(text, StringComparison.OrdinalIgnoreCase))
            {
                return value;
            }
        }

        Error(section, key, path, $"\"{text}\" is not allowed; use one of: {string.Join(", ", values.Select(v => v.Name))}");
        return fallback;
    }

    private void Error(IConfigurationSection owner, string key, string path, string problem) =>
        Error(ConfigurationPath.Combine(owner.Path, key), path, problem);

    private void Error(string configurationKey, string path, string problem) =>
        errors.Add(new ConfigurationError(SourceOf(configurationKey), path, problem));

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
