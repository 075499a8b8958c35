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
    private readonly CollectorDefinitions definitions = new();

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
    /// <param name="files">Reads the preference list files and saved Panorama configurations, and fingerprints them.</param>
    /// <param name="panorama">The live Panorama sources' last good imports; file sources' outcomes are recorded there.</param>
    /// <param name="now">When this read happens, for the file sources' outcomes.</param>
    public static (ProbeSettings Probe, IReadOnlyList<CollectorConfig> Collectors, IReadOnlyList<GroupConfig> Groups, IReadOnlyList<PanoramaImported> Panorama) Read(
        IConfigurationRoot root, IReadOnlyList<Func<string, string>> providerNames, string defaultSource, string? baseDirectory, ConfigFiles files,
        PanoramaImports panorama, DateTimeOffset now)
    {
        var reader = new ConfigReader(root, providerNames, defaultSource, baseDirectory, files);
        var probe = reader.ReadProbe(root.GetSection("probe"));
        reader.ReadCatalogue(root.GetSection("collectors"), probe);
        var sources = reader.ReadPanorama(root.GetSection("panorama"));
        var groups = reader.ReadGroups(root.GetSection("groups"), probe, required: sources.Count == 0);

        // Imported after every group of the file: a serial the catalogue has is that collector, however Panorama defines it.
        var import = new PanoramaImport(panorama, files, reader.definitions, probe.IpFamily, reader.errors);
        import.AddTo(groups, sources, defaultSource, now);
        if (reader.errors.Count > 0)
        {
            throw new ConfigurationException(reader.errors);
        }

        // Collectors are resolved once every definition is in: a later one may give a serial an earlier one did not.
        return (probe, reader.definitions.All, [.. groups.Select(g => g.Group with { Collectors = [.. g.Members.Select(reader.definitions.Get)] })], import.Imported);
    }

    /// <summary>The <c>panorama:</c> sources' keys; what the sources are and what they import is <see cref="PanoramaSource"/>'s and <see cref="PanoramaImport"/>'s.</summary>
    private List<PanoramaSource> ReadPanorama(IConfigurationSection section)
    {
        var sources = new List<PanoramaSource>();
        foreach (var item in ListItems(section, "panorama"))
        {
            var path = $"panorama[{item.Key}]";
            CheckKeys(item, path, PanoramaSource.Keys);
            var settings = new PanoramaSettings(
                item["configFile"]?.Trim(),
                item["url"]?.Trim(),
                item["apiKeyFile"]?.Trim(),
                item["caFile"]?.Trim(),
                ReadDuration(item, path + ".refresh", "refresh", PanoramaSource.DefaultRefresh),
                ReadDuration(item, path + ".timeout", "timeout", PanoramaSource.DefaultTimeout),
                [.. ListItems(item.GetSection("collectorGroups"), path + ".collectorGroups").Select(group => group.Value?.Trim() ?? "")],
                item["panoramaSerial"]?.Trim(),
                ReadBool(item, path + ".forwardToAll", "forwardToAll") ?? false,
                ReadEnum(item, path + ".failback", "failback", Failback.Immediate),
                [.. item.GetChildren().Select(child => child.Key)]);
            var source = PanoramaSource.Create(path, settings, FullPath, files, out var problems, out var fileErrors);
            foreach (var (key, problem) in problems)
            {
                Error(key is null ? item.Path : ConfigurationPath.Combine(item.Path, key), key is null ? path : $"{path}.{key}", problem);
            }

            errors.AddRange(fileErrors);
            if (source is not null && sources.FirstOrDefault(s => s.Label == source.Label) is { } same)
            {
                Error(item.Path, path, $"imports {source.Label}, as {same.Path} does already");
            }
            else if (source is not null)
            {
                sources.Add(source);
            }
        }

        return sources;
    }

    private string FullPath(string file) => Path.GetFullPath(file, baseDirectory ?? Directory.GetCurrentDirectory());

    private ProbeSettings ReadProbe(IConfigurationSection section)
    {
        var defaults = ProbeSettings.Default;
        CheckKeys(section, "probe", ProbeKeys);
        var interval = ReadDuration(section, "probe.interval", "interval", defaults.Interval);
        var timeout = ReadDuration(section, "probe.timeout", "timeout", defaults.Timeout);
        if (interval < ProbeSettings.MinInterval)
        {
            Error(section, "interval", "probe.interval", $"\"{Duration.Format(interval)}\" is not allowed; the shortest is {Duration.Format(ProbeSettings.MinInterval)}: no collector is probed more than once a second");
        }
        else if (interval > TimeSpan.Zero && timeout > TimeSpan.Zero && timeout >= interval)
        {
            Error(section, "timeout", "probe.timeout", $"\"{Duration.Format(timeout)}\" must be shorter than probe.interval (\"{Duration.Format(interval)}\")");
        }

        var ipFamily = ReadEnum(section, "probe.ipFamily", "ipFamily", defaults.IpFamily);
        var source = ReadSourceAddress(section, ipFamily);
        return new ProbeSettings(
            interval,
            timeout,
            ReadEnum(section, "probe.mode", "mode", defaults.Mode),
            ReadEnum(section, "probe.close", "close", defaults.Close),
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

    private void ReadCatalogue(IConfigurationSection section, ProbeSettings probe)
    {
        foreach (var item in ListItems(section, "collectors"))
        {
            var path = $"collectors[{item.Key}]";
            if (item.Value is { } scalar)
            {
                Error(item.Path, path, $"\"{scalar}\" is not allowed; a collector of the catalogue is a mapping: {{name, address, port, serial}}");
                continue;
            }

            if (ReadCollector(item, path, probe) is { } collector)
            {
                Define(item, path, collector, inCatalogue: true);
            }
        }
    }

    /// <returns>The groups without their collectors, and their names in priority order.</returns>
    private List<(GroupConfig Group, IReadOnlyList<string> Members)> ReadGroups(IConfigurationSection section, ProbeSettings probe, bool required)
    {
        var items = ListItems(section, "groups");
        if (items.Count == 0 && section.Value is null)
        {
            if (required)
            {
                errors.Add(new(defaultSource, "groups", "at least one group is required; a group is a log collector preference list"));
            }

            return [];
        }

        var groups = new List<(GroupConfig Group, IReadOnlyList<string> Members)>();
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            var path = $"groups[{item.Key}]";
            if (ReadGroup(item, path, probe) is not { } group)
            {
                continue;
            }

            if (seen.TryGetValue(group.Group.Name, out var first))
            {
                Error(item, "name", path + ".name", $"\"{group.Group.Name}\" is already the name of {first}; group names must be unique");
                continue;
            }

            seen[group.Group.Name] = path;
            groups.Add(group);
        }

        return groups;
    }

    /// <returns>The group without its collectors, and their names in priority order.</returns>
    private (GroupConfig Group, IReadOnlyList<string> Members)? ReadGroup(IConfigurationSection section, string path, ProbeSettings probe)
    {
        CheckKeys(section, path, GroupKeys);
        var name = section["name"]?.Trim();
        var validName = !string.IsNullOrEmpty(name) && GroupNamePattern().IsMatch(name);
        if (string.IsNullOrEmpty(name))
        {
            Error(section, "name", path + ".name", "is required");
        }
        else if (!validName)
        {
            Error(section, "name", path + ".name", $"\"{name}\" is not allowed; use letters, digits and _ . : -");
        }

        var explicitForwardToAll = ReadBool(section, path + ".forwardToAll", "forwardToAll");
        var failback = ReadEnum(section, path + ".failback", "failback", Failback.Immediate);
        var listFile = section["preferenceListFile"]?.Trim();
        var collectorItems = ListItems(section.GetSection("collectors"), path + ".collectors");

        IReadOnlyList<string> members;
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
            members = imported.Value.Members;
        }
        else
        {
            members = ReadMembers(path, collectorItems, probe);
        }

        if (members.Count == 0)
        {
            if (collectorItems.Count == 0 && string.IsNullOrEmpty(listFile))
            {
                Error(section, "collectors", path + ".collectors", "a group needs at least one collector (or a preferenceListFile)");
            }

            return null;
        }

        return !validName
            ? null
            : (new GroupConfig(name!, forwardToAll, failback, string.IsNullOrEmpty(listFile) ? null : listFile, []), members);
    }

    private (bool ForwardToAll, IReadOnlyList<string> Members)? ReadPreferenceListFile(
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

        var members = new List<string>();
        foreach (var entry in content.Collectors)
        {
            // A serial that the catalogue knows is that collector, reached the way the catalogue says.
            var name = definitions.CataloguedSerial(entry.Serial);
            if (name is null)
            {
                if (IsOtherFamily(IPAddress.Parse(entry.Address), family))
                {
                    errors.Add(new(entry.Where, null, $"serial number {entry.Serial} has only the address {entry.Address} (read for {path}.preferenceListFile), and probe.ipFamily is {Describe(family)}; set probe.ipFamily to any, or give the collector an address in collectors:"));
                    continue;
                }

                name = entry.Serial;
                var where = $"{entry.Where} (read for {path}.preferenceListFile)";
                if (definitions.Define(new CollectorConfig(name, entry.Address, CollectorConfig.DefaultPort, entry.Serial), where, inCatalogue: false) is { } conflict)
                {
                    errors.Add(new(entry.Where, null, $"{conflict} (read for {path}.preferenceListFile)"));
                    continue;
                }
            }

            if (members.Contains(name, StringComparer.Ordinal))
            {
                errors.Add(new(entry.Where, null, $"serial number {entry.Serial} is listed twice (read for {path}.preferenceListFile); a group lists a collector once"));
                continue;
            }

            members.Add(name);
        }

        return (content.ForwardToAll, members);
    }

    /// <summary>A group's collectors: names of the catalogue's, or inline definitions.</summary>
    private List<string> ReadMembers(string groupPath, List<IConfigurationSection> items, ProbeSettings probe)
    {
        var members = new List<string>();
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var item in items)
        {
            var path = $"{groupPath}.collectors[{item.Key}]";
            string name;
            if (item.Value is { } reference)
            {
                name = reference.Trim();
                if (!definitions.IsCatalogued(name))
                {
                    Error(item.Path, path, $"\"{reference}\" is not the name of a collector in collectors:; define it there, or write it here as {{name, address, port}}");
                    continue;
                }
            }
            else if (ReadCollector(item, path, probe) is { } collector && Define(item, path, collector, inCatalogue: false))
            {
                name = collector.Name;
            }
            else
            {
                continue;
            }

            if (seen.TryGetValue(name, out var first))
            {
                Error(item.Path, path, $"\"{name}\" is already listed at {first}; a group lists a collector once (the name defaults to the address)");
                continue;
            }

            seen[name] = path;
            members.Add(name);
        }

        return members;
    }

    /// <summary>A collector written as a mapping; null when it is not valid (the errors are recorded).</summary>
    private CollectorConfig? ReadCollector(IConfigurationSection item, string path, ProbeSettings probe)
    {
        CheckKeys(item, path, CollectorKeys);
        var address = item["address"]?.Trim();
        if (string.IsNullOrEmpty(address))
        {
            Error(item, "address", path + ".address", "is required: an IPv4 or IPv6 address or a DNS name");
            return null;
        }

        if (!CheckAddress(item, path, address, probe.IpFamily))
        {
            return null;
        }

        var port = ReadInt(item, path + ".port", "port", CollectorConfig.DefaultPort, 1, 65535);
        var name = item["name"]?.Trim();
        if (string.IsNullOrEmpty(name))
        {
            name = address;
        }

        return new CollectorConfig(name, address, port, item["serial"]?.Trim() ?? "");
    }

    private bool Define(IConfigurationSection item, string path, CollectorConfig collector, bool inCatalogue)
    {
        if (definitions.Define(collector, path, inCatalogue) is not { } conflict)
        {
            return true;
        }

        Error(item, "name", path + ".name", conflict);
        return false;
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

    private static string Describe(IpFamily family) => EnumText.Of(family);

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

    private T ReadEnum<T>(IConfigurationSection section, string path, string key, T fallback)
        where T : struct, Enum
    {
        var text = section[key]?.Trim();
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }

        if (EnumText.TryParse<T>(text, out var value))
        {
            return value;
        }

        Error(section, key, path, $"\"{text}\" is not allowed; use one of: {string.Join(", ", EnumText.All<T>())}");
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
