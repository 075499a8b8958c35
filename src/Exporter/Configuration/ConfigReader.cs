using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.Extensions.Configuration;

namespace LogCollectorExporter.Configuration;

/// <summary>
/// Turns the layered configuration (file, environment, command line) into a validated <see cref="ExporterConfig"/>,
/// collecting every error with the source it came from, its key path, the bad value and what is allowed. In four
/// steps: <see cref="ConfigLayout"/> walks the keys; the source-generated binder fills <see cref="ExporterOptions"/>;
/// the generated <see cref="ExporterOptionsValidator"/> checks each setting; this reads the options into the
/// configuration, with the rules across settings and sections: collector names and catalogue names, group names, the
/// address families, the preference list files and the Panorama imports.
/// </summary>
internal sealed class ConfigReader
{
    private readonly ConfigErrors errors;
    private readonly ConfigLayout layout;
    private readonly CollectorDefinitions definitions = new();
    private readonly PreferenceListImport preferenceLists;
    private readonly ConfigFiles files;
    private readonly string? baseDirectory;

    private ConfigReader(ConfigErrors errors, ConfigLayout layout, ConfigFiles files, string? baseDirectory)
    {
        this.errors = errors;
        this.layout = layout;
        this.files = files;
        this.baseDirectory = baseDirectory;
        preferenceLists = new PreferenceListImport(files, baseDirectory, definitions, errors);
    }

    /// <param name="root">The layered configuration.</param>
    /// <param name="providerNames">For each provider of <paramref name="root"/>, in order, how to name it in an error about a key.</param>
    /// <param name="defaultSource">The name used for errors that no single value caused (a missing key, an empty list).</param>
    /// <param name="baseDirectory">Where relative <c>preferenceListFile</c> and <c>panorama:</c> paths start.</param>
    /// <param name="files">Reads the preference list files and saved Panorama configurations, and fingerprints them.</param>
    /// <param name="panorama">The live Panorama sources' last good imports; file sources' outcomes are recorded there.</param>
    /// <param name="now">When this read happens, for the file sources' outcomes.</param>
    /// <param name="savedMayFail">Whether a saved Panorama configuration that cannot be read is a failed import rather than an error (<see cref="PanoramaImport"/>).</param>
    public static (ProbeSettings Probe, IReadOnlyList<CollectorConfig> Collectors, IReadOnlyList<GroupConfig> Groups, IReadOnlyList<PanoramaImported> Panorama) Read(
        IConfigurationRoot root, IReadOnlyList<Func<string, string>> providerNames, string defaultSource, string? baseDirectory, ConfigFiles files,
        PanoramaImports panorama, DateTimeOffset now, bool savedMayFail)
    {
        var errors = new ConfigErrors(root, providerNames, defaultSource);
        var tree = ConfigurationTree.Of(root);
        var layout = ConfigLayout.Walk(tree, root.Providers.First().GetChildKeys([], null), errors);
        var options = new ExporterOptions();
        tree.Bind(options);
        foreach (var failure in new ExporterOptionsValidator().Validate(null, options).Failures ?? [])
        {
            if (!ValidationMessage.TryRead(failure, out var displayPath, out var problem, out var quote))
            {
                throw new InvalidOperationException($"a validation failure that names no setting: {failure}");
            }

            if (layout.Locate(displayPath) is not { } at)
            {
                continue;
            }

            if (quote)
            {
                errors.AddQuoted(at.Key, at.Path, problem);
            }
            else
            {
                errors.Add(at.Key, at.Path, problem);
            }
        }

        var reader = new ConfigReader(errors, layout, files, baseDirectory);
        var probe = reader.ReadProbe(options.Probe, tree.GetSection("probe:buckets"));
        reader.ReadCatalogue(options.Collectors, probe.IpFamily);
        var written = reader.ReadGroups(options.Groups, probe.IpFamily);

        // Imported after every group of the file: a serial the catalogue has is that collector, however Panorama defines it.
        var import = new PanoramaImport(panorama, files, reader.definitions, probe.IpFamily, errors, savedMayFail);
        import.Import(reader.ReadPanorama(options.Panorama), now);
        var groups = reader.WithImported(written, import.Groups);
        var names = reader.ReadFirewallNames(options.FirewallNamesFile);

        // A source that imports nothing is an error of its own, and a live one may import its firewalls later.
        if (layout.Items("groups").Count == 0 && tree["groups"] is null && options.Panorama.Count == 0)
        {
            errors.AddUnsourced("groups", "at least one group is required (in groups:, or imported by panorama:); a group is a log collector preference list");
        }

        if (errors.Count > 0)
        {
            throw new ConfigurationException(errors.All);
        }

        // Collectors are resolved once every definition is in: a later one may give a serial an earlier one did not.
        return (probe, reader.definitions.All,
            [.. groups.Select(g => g.Group with { Collectors = [.. g.Members.Select(reader.definitions.Get)], Hostname = names.GetValueOrDefault(g.Group.Name) ?? "" })],
            import.Imported);
    }

    // Every setting is valid here unless an error is recorded, and then the result is not used: a setting that does not
    // read takes its default, so that the rules across settings still run and find what else is wrong.
    private ProbeSettings ReadProbe(ProbeOptions probe, IConfigurationSection buckets)
    {
        var defaults = ProbeSettings.Default;
        return new ProbeSettings(
            Setting.Duration(probe.Interval, defaults.Interval),
            Setting.Duration(probe.Timeout, defaults.Timeout),
            Setting.Enum(probe.Mode, defaults.Mode),
            Setting.Enum(probe.Close, defaults.Close),
            Setting.Enum(probe.IpFamily, defaults.IpFamily),
            Setting.IpAddress(probe.SourceAddress),
            Setting.WholeNumber(probe.FailureThreshold, defaults.FailureThreshold),
            Setting.WholeNumber(probe.RecoveryThreshold, defaults.RecoveryThreshold),
            Setting.WholeNumber(probe.MaxConcurrency, defaults.MaxConcurrency),
            ReadBuckets(buckets, defaults.Buckets))
        {
            Certificates = ReadCertificateCheck(probe.Certificates),
        };
    }

    private static CertificateCheckSettings ReadCertificateCheck(CertificateCheckOptions certificates)
    {
        var defaults = CertificateCheckSettings.Default;
        return new CertificateCheckSettings(
            Setting.TrueOrFalse(certificates.Enabled) ?? defaults.Enabled,
            Setting.Duration(certificates.Interval, defaults.Interval),
            Setting.Duration(certificates.Timeout, defaults.Timeout));
    }

    /// <summary>A list of bounds, or one comma-separated value, as an environment variable or command-line override gives it: "0.001,0.01,0.1".</summary>
    private IReadOnlyList<double> ReadBuckets(IConfigurationSection section, IReadOnlyList<double> defaults)
    {
        IEnumerable<(string Key, string Path, string Text)> items;
        if (section.Value is { } scalar)
        {
            if (string.IsNullOrWhiteSpace(scalar))
            {
                return defaults;
            }

            items = scalar.Split(',', StringSplitOptions.TrimEntries).Select(text => (section.Path, "probe.buckets", text));
        }
        else
        {
            var list = layout.Items(section.Path);
            if (list.Count == 0)
            {
                return defaults;
            }

            items = list.Select(item => ($"{section.Path}:{item.Key}", $"probe.buckets[{item.Key}]", item.Value ?? ""));
        }

        var buckets = new List<double>();
        foreach (var (key, path, text) in items)
        {
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var bound) || !double.IsFinite(bound) || bound <= 0)
            {
                errors.Add(key, path, $"\"{text}\" is not allowed; a bucket is a positive number of seconds");
                return defaults;
            }

            if (buckets.Count > 0 && bound <= buckets[^1])
            {
                errors.Add(key, path, $"\"{text}\" is not allowed; buckets must be strictly increasing, and the one before it is {buckets[^1].ToString(CultureInfo.InvariantCulture)}");
                return defaults;
            }

            buckets.Add(bound);
        }

        return buckets;
    }

    private void ReadCatalogue(List<CollectorOptions> catalogue, IpFamily family)
    {
        foreach (var (key, options) in layout.Bound("collectors", catalogue))
        {
            var (itemKey, path) = ($"collectors:{key}", $"collectors[{key}]");
            if (string.IsNullOrEmpty(options.Address) && !string.IsNullOrEmpty(options.Serial) && !string.IsNullOrEmpty(options.Name))
            {
                // No address: a name for the collector of this serial, wherever panorama: or a preference list file gives its address.
                var named = new CollectorConfig(options.Name, "", CollectorConfig.DefaultPort, options.Serial) { Hostname = options.Hostname ?? "" };
                if (definitions.Name(named, path) is { } problem)
                {
                    errors.Add($"{itemKey}:{problem.Setting}", $"{path}.{problem.Setting}", problem.Problem);
                }
            }
            else if (ReadCollector(options, itemKey, path, family, "; or, with no address, a name and a serial name the collector of that serial that panorama: imports") is { } collector)
            {
                Define(itemKey, path, collector, inCatalogue: true);
            }
        }
    }

    /// <returns>The groups without their collectors, and their names in priority order, with the key of each.</returns>
    private List<(string Key, GroupConfig Group, IReadOnlyList<string> Members)> ReadGroups(List<GroupOptions> bound, IpFamily family)
    {
        var groups = new List<(string Key, GroupConfig Group, IReadOnlyList<string> Members)>();
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, options) in layout.Bound("groups", bound))
        {
            var (groupKey, path) = ($"groups:{key}", $"groups[{key}]");
            if (ReadGroup(options, groupKey, path, family) is not { } group)
            {
                continue;
            }

            if (seen.TryGetValue(group.Group.Name, out var first))
            {
                errors.Add($"{groupKey}:name", $"{path}.name", $"\"{group.Group.Name}\" is already the name of {first}; group names must be unique");
                continue;
            }

            seen[group.Group.Name] = path;
            groups.Add((key, group.Group, group.Members));
        }

        return groups;
    }

    /// <returns>The group without its collectors, and their names in priority order; null when it cannot be used (the errors are recorded).</returns>
    private (GroupConfig Group, IReadOnlyList<string> Members)? ReadGroup(GroupOptions group, string groupKey, string path, IpFamily family)
    {
        var explicitForwardToAll = Setting.TrueOrFalse(group.ForwardToAll);
        var listFile = string.IsNullOrEmpty(group.PreferenceListFile) ? null : group.PreferenceListFile;
        var written = layout.Items($"{groupKey}:collectors").Count;
        IReadOnlyList<string> members;
        var forwardToAll = explicitForwardToAll ?? false;
        if (listFile is not null)
        {
            if (written > 0)
            {
                errors.Add($"{groupKey}:preferenceListFile", path, "has both collectors and preferenceListFile; use one of them");
                return null;
            }

            if (preferenceLists.Read(groupKey, path, listFile, explicitForwardToAll, family) is not { } imported)
            {
                return null;
            }

            (forwardToAll, members) = imported;
        }
        else
        {
            members = ReadMembers(group.Collectors, groupKey, path, family);
        }

        if (members.Count == 0)
        {
            if (written == 0 && listFile is null)
            {
                errors.Add($"{groupKey}:collectors", $"{path}.collectors", "a group needs at least one collector (or a preferenceListFile)");
            }

            return null;
        }

        return string.IsNullOrEmpty(group.Name)
            ? null
            : (new GroupConfig(group.Name, forwardToAll, Setting.Enum(group.Failback, Failback.Immediate), listFile, []), members);
    }

    /// <summary>A group's collectors: names of the catalogue's, or inline definitions.</summary>
    private List<string> ReadMembers(List<CollectorOptions> inline, string groupKey, string groupPath, IpFamily family)
    {
        var members = new List<string>();
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, reference, options) in layout.Items($"{groupKey}:collectors", inline))
        {
            var (itemKey, path) = ($"{groupKey}:collectors:{key}", $"{groupPath}.collectors[{key}]");
            string name;
            if (reference is not null)
            {
                name = reference.Trim();
                if (!definitions.IsCatalogued(name) && definitions.IsNamedWithoutAddress(name))
                {
                    errors.Add(itemKey, path, $"\"{reference}\" names a collector in collectors: without an address, for panorama: to give it one; a group of the file lists collectors that have an address");
                    continue;
                }

                if (!definitions.IsCatalogued(name))
                {
                    errors.Add(itemKey, path, $"\"{reference}\" is not the name of a collector in collectors:; define it there, or write it here as {{name, address, port}}");
                    continue;
                }
            }
            else if (ReadCollector(options!, itemKey, path, family, "") is { } collector && Define(itemKey, path, collector, inCatalogue: false))
            {
                name = collector.Name;
            }
            else
            {
                continue;
            }

            if (seen.TryGetValue(name, out var first))
            {
                errors.Add(itemKey, path, $"\"{name}\" is already listed at {first}; a group lists a collector once (the name defaults to the address)");
                continue;
            }

            seen[name] = path;
            members.Add(name);
        }

        return members;
    }

    /// <summary>A collector written as a mapping; null when its address is not one, or not one that <c>probe.ipFamily</c> reaches.</summary>
    /// <param name="otherwise">What else the place allows without an address, for the message when there is none.</param>
    private CollectorConfig? ReadCollector(CollectorOptions collector, string key, string path, IpFamily family, string otherwise)
    {
        if (string.IsNullOrEmpty(collector.Address))
        {
            errors.Add($"{key}:address", $"{path}.address", $"is required: an IPv4 or IPv6 address or a DNS name{otherwise}");
            return null;
        }

        if (!Setting.IsHostOrAddress(collector.Address))
        {
            return null;
        }

        if (Setting.IpAddress(collector.Address) is { } ip && !Setting.InFamily(ip, family))
        {
            errors.AddQuoted($"{key}:address", $"{path}.address", $"is not an {(family == IpFamily.Ip4 ? "IPv4" : "IPv6")} address, and probe.ipFamily is {EnumText.Of(family)}");
            return null;
        }

        var name = string.IsNullOrEmpty(collector.Name) ? collector.Address : collector.Name;
        return new CollectorConfig(name, collector.Address, Setting.WholeNumber(collector.Port, CollectorConfig.DefaultPort), collector.Serial ?? "")
        {
            Hostname = collector.Hostname ?? "",
        };
    }

    private bool Define(string key, string path, CollectorConfig collector, bool inCatalogue)
    {
        if (definitions.Define(collector, path, inCatalogue) is not { } problem)
        {
            return true;
        }

        errors.Add($"{key}:{problem.Setting}", $"{path}.{problem.Setting}", problem.Problem);
        return false;
    }

    /// <summary>The <c>panorama:</c> sources that can be imported, each once; what they import is <see cref="PanoramaImport"/>'s.</summary>
    private List<PanoramaSource> ReadPanorama(List<PanoramaSourceOptions> bound)
    {
        var sources = new List<PanoramaSource>();
        foreach (var (key, options) in layout.Bound("panorama", bound))
        {
            var (sourceKey, path) = ($"panorama:{key}", $"panorama[{key}]");
            if (ReadSource(options, sourceKey, path) is not { } source)
            {
                continue;
            }

            if (sources.FirstOrDefault(s => s.Label == source.Label) is { } same)
            {
                errors.Add(sourceKey, path, $"imports {source.Label}, as {same.Path} does already");
                continue;
            }

            sources.Add(source);
        }

        return sources;
    }

    /// <summary>A source; null when it is not one (the validator or the layout has said why) or its files are not (said here).</summary>
    private PanoramaSource? ReadSource(PanoramaSourceOptions source, string sourceKey, string path)
    {
        var live = !string.IsNullOrEmpty(source.Url);
        var url = Setting.HttpsUrl(source.Url);
        if (live == !string.IsNullOrEmpty(source.ConfigFile) || (live && (url is null || string.IsNullOrEmpty(source.ApiKeyFile)))
            || source.CollectorGroups.Any(string.IsNullOrWhiteSpace))
        {
            return null;
        }

        (string Setting, string? File)[] named = live ? [("apiKeyFile", source.ApiKeyFile), ("caFile", source.CaFile)] : [("configFile", source.ConfigFile)];
        if (named.FirstOrDefault(n => n.File?.Contains('\0', StringComparison.Ordinal) == true) is { File: not null } bad)
        {
            errors.Add($"{sourceKey}:{bad.Setting}", $"{path}.{bad.Setting}", "is not a file name: it contains a NUL character");
            return null;
        }

        var refresh = Setting.Duration(source.Refresh, PanoramaSource.DefaultRefresh);
        X509Certificate2Collection? ca = null;
        if (live && !string.IsNullOrEmpty(source.CaFile) && (ca = ReadCertificates(FullPath(source.CaFile), $"{sourceKey}:caFile", $"{path}.caFile")) is null)
        {
            return null;
        }

        return new PanoramaSource(
            path,
            live ? null : FullPath(source.ConfigFile!),
            url,
            live ? FullPath(source.ApiKeyFile!) : null,
            ca,
            refresh,
            Setting.Duration(source.Timeout, PanoramaSource.DefaultTimeoutFor(refresh)),
            [.. source.CollectorGroups.Select(group => group.Trim())],
            string.IsNullOrEmpty(source.PanoramaSerial) ? null : source.PanoramaSerial,
            Setting.TrueOrFalse(source.ForwardToAll) ?? false,
            Setting.Enum(source.Failback, Failback.Immediate));
    }

    /// <summary>The certificates of a <c>caFile</c>, which is fingerprinted: a new CA is a reload. Null when there are none (the error is recorded).</summary>
    private X509Certificate2Collection? ReadCertificates(string caFile, string key, string path)
    {
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPem(Encoding.UTF8.GetString(files.ReadAllBytes(caFile)));
        }
        catch (ConfigurationException e)
        {
            errors.AddReadFor(e, path, path);
            return null;
        }
        catch (CryptographicException e)
        {
            errors.Add(key, path, $"{caFile} is not PEM certificates: {e.Message}");
            return null;
        }

        if (certificates.Count == 0)
        {
            errors.Add(key, path, $"{caFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
            return null;
        }

        return certificates;
    }

    /// <summary>The names <c>firewallNamesFile</c> gives, by serial; none when it is not set or does not read (the errors are recorded).</summary>
    private IReadOnlyDictionary<string, string> ReadFirewallNames(string? file)
    {
        if (string.IsNullOrEmpty(file))
        {
            return new Dictionary<string, string>();
        }

        if (file.Contains('\0', StringComparison.Ordinal))
        {
            errors.Add("firewallNamesFile", "firewallNamesFile", "is not a file name: it contains a NUL character");
            return new Dictionary<string, string>();
        }

        var path = FullPath(file);
        try
        {
            return FirewallNamesFile.Parse(Encoding.UTF8.GetString(files.ReadAllBytes(path)), path);
        }
        catch (ConfigurationException e)
        {
            errors.AddReadFor(e, "firewallNamesFile", "firewallNamesFile");
            return new Dictionary<string, string>();
        }
    }

    private string FullPath(string file) => Path.GetFullPath(file, baseDirectory ?? Directory.GetCurrentDirectory());

    /// <summary>The groups of the file, then those imported: a group name is still one group's.</summary>
    private List<(GroupConfig Group, IReadOnlyList<string> Members)> WithImported(
        List<(string Key, GroupConfig Group, IReadOnlyList<string> Members)> written, IReadOnlyList<(GroupConfig Group, IReadOnlyList<string> Members)> imported)
    {
        var groups = written.Select(g => (g.Group, g.Members)).ToList();
        var keys = written.ToDictionary(g => g.Group.Name, g => g.Key, StringComparer.Ordinal);
        foreach (var (group, members) in imported)
        {
            if (keys.TryGetValue(group.Name, out var key))
            {
                errors.Add($"groups:{key}:name", $"groups[{key}].name", $"\"{group.Name}\" is also a firewall that panorama: imports; group names must be unique");
                continue;
            }

            groups.Add((group, members));
        }

        return groups;
    }
}
