using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using LogCollectorExporter.Platform;
using YamlDotNet.RepresentationModel;

namespace LogCollectorExporter.Configuration;

/// <summary>
/// Reads the settings file (with the <c>probe:</c> settings <see cref="ConfigLoader"/> put in) into a validated
/// configuration, every error at once. Each section is read by the type it fills, a setting a line
/// (<see cref="ProbeSettings.Read"/>); this reads the lists and applies the rules across sections: collector and
/// group names, the preference list files, the Panorama imports, the firewall names.
/// </summary>
/// <remarks>
/// To add a setting: one line in the Read of its section, with its key, default, conversion and rule (a rule across
/// settings after the lines), and the property it fills; then README.md and a test. A new section is a property of
/// its parent's type read by <see cref="Section.Nested"/> in the parent's Read, or, at the top level, a key of
/// <see cref="TopLevel"/> read here.
/// </remarks>
internal sealed class ConfigReader(YamlWalker walker, ConfigFiles files, string? baseDirectory)
{
    internal static readonly string[] TopLevel = ["probe", "collectors", "groups", "panorama", "firewallNamesFile"];

    private readonly ConfigErrors errors = walker.Errors;
    private readonly CollectorDefinitions definitions = new();

    // The groups, the file's then the imported ones, with their members' names in priority order; the file's by name, with their paths.
    private readonly List<(GroupConfig Group, IReadOnlyList<string> Members)> groups = [];
    private readonly Dictionary<string, string> groupPaths = new(StringComparer.Ordinal);

    /// <param name="root">The file's settings; null when it has none.</param>
    /// <param name="baseDirectory">Where relative file names start: the configuration file's folder.</param>
    /// <param name="now">When this read happens, for the file sources' outcomes.</param>
    /// <param name="savedMayFail">As <see cref="ConfigLoader.SavedMayFail"/>.</param>
    /// <exception cref="ConfigurationException">The configuration cannot be used.</exception>
    public static (ProbeSettings Probe, IReadOnlyList<CollectorConfig> Collectors, IReadOnlyList<GroupConfig> Groups, IReadOnlyList<PanoramaImportResult> Panorama) Read(
        YamlWalker walker, YamlMappingNode? root, string? baseDirectory, ConfigFiles files, IPanoramaImporter panorama, DateTimeOffset now, bool savedMayFail)
    {
        var top = Section.Open(walker, root, "", TopLevel);
        var reader = new ConfigReader(walker, files, baseDirectory);
        var probe = ProbeSettings.Read(top.Nested("probe", ProbeSettings.Keys));
        reader.ReadCatalogue(top.Node("collectors"), probe.IpFamily);
        reader.ReadGroups(top.Node("groups"), probe.IpFamily);

        // Imported after every group of the file: a serial the catalogue has is that collector, however Panorama defines it.
        var sources = reader.ReadPanorama(top.Node("panorama"), out var sourcesWritten);
        var imported = panorama.Import(sources, files, reader.definitions, probe.IpFamily, reader.errors, now, savedMayFail);
        reader.AddImported(imported.Groups);
        var names = reader.ReadFirewallNames(top);

        // A source that imports nothing is an error of its own, and a live one may import its firewalls later.
        var groupList = top.Node("groups");
        if ((YamlWalker.IsEmpty(groupList) || groupList is YamlMappingNode or YamlSequenceNode { Children.Count: 0 }) && sourcesWritten == 0)
        {
            walker.Error(null, "groups", "at least one group is required (in groups:, or imported by panorama:); a group is a log collector preference list");
        }

        if (reader.errors.Count > 0)
        {
            throw new ConfigurationException(reader.errors.All);
        }

        // Collectors are resolved once every definition is in: a later one may give a serial an earlier one did not.
        return (probe, reader.definitions.All,
            [.. reader.groups.Select(g =>
                g.Group with { Collectors = [.. g.Members.Select(reader.definitions.Get)], Hostname = names.GetValueOrDefault(g.Group.Name) ?? "" })],
            imported.Imported);
    }

    /// <summary>The sections of a list's items that are mappings (or empty); any other is an error with <paramref name="problem"/>.</summary>
    private IEnumerable<Section> Sections(YamlNode? list, string path, IReadOnlyList<string> keys, string problem)
    {
        foreach (var (itemPath, item) in walker.Items(list, path))
        {
            if (item is YamlMappingNode || YamlWalker.IsEmpty(item))
            {
                yield return Section.Open(walker, item, itemPath, keys);
            }
            else
            {
                walker.Error(item, itemPath, $"{YamlWalker.Describe(item)} is not allowed; {problem}");
            }
        }
    }

    private void ReadCatalogue(YamlNode? catalogue, IpFamily family)
    {
        var problem = "a collector of the catalogue is a mapping: {name, address, port, serial, hostname}";
        foreach (var section in Sections(catalogue, "collectors", CollectorConfig.Keys, problem))
        {
            Define(section, family, inCatalogue: true);
        }
    }

    /// <summary>Defines a collector written as a mapping; its name, or null when it cannot be used (said).</summary>
    private string? Define(Section section, IpFamily family, bool inCatalogue)
    {
        if (CollectorConfig.Read(section, family, inCatalogue) is not { } collector)
        {
            return null;
        }

        // No address: a name for the collector of this serial, wherever panorama: or a preference list file gives its address.
        var path = section.Path;
        var problem = collector.Address.Length == 0 ? definitions.Name(collector, path) : definitions.Define(collector, path, inCatalogue);
        if (problem is not null)
        {
            walker.Error(null, $"{path}.{problem.Setting}", problem.Problem);
        }

        return problem is null ? collector.Name : null;
    }

    private void ReadGroups(YamlNode? list, IpFamily family)
    {
        foreach (var section in Sections(list, "groups", GroupConfig.Keys, "a group is a mapping: {name, collectors, ...}"))
        {
            var (path, (group, forwardToAll, collectors)) = (section.Path, GroupConfig.Read(section));
            if (section.Failed("preferenceListFile") || ReadMembers(group, forwardToAll, collectors, path, family) is not { } read || section.Failed("name"))
            {
                continue;
            }

            if (!groupPaths.TryAdd(group.Name, path))
            {
                walker.Error(null, $"{path}.name", $"\"{group.Name}\" is already the name of {groupPaths[group.Name]}; group names must be unique");
                continue;
            }

            groups.Add(read);
        }
    }

    /// <returns>The group, and its collectors' names in priority order; null when it has none that can be used (the errors are recorded).</returns>
    private (GroupConfig Group, IReadOnlyList<string> Members)? ReadMembers(GroupConfig group, bool? forwardToAll, IReadOnlyList<(string Path, YamlNode Item)> collectors, string path, IpFamily family)
    {
        if (group.PreferenceListFile is { } listFile)
        {
            if (collectors.Count > 0)
            {
                walker.Error(null, path, "has both collectors and preferenceListFile; use one of them");
                return null;
            }

            return ReadPreferenceList(path, listFile, forwardToAll, family) is { Members.Count: > 0 } imported
                ? (group with { ForwardToAll = imported.ForwardToAll }, imported.Members)
                : null;
        }

        var members = new List<string>();
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (itemPath, item) in collectors)
        {
            if (Member(item, itemPath, family) is not { } name)
            {
                continue;
            }

            if (!seen.TryAdd(name, itemPath))
            {
                walker.Error(item, itemPath, $"\"{name}\" is already listed at {seen[name]}; a group lists a collector once (the name defaults to the address)");
                continue;
            }

            members.Add(name);
        }

        if (collectors.Count == 0)
        {
            walker.Error(null, $"{path}.collectors", "a group needs at least one collector (or a preferenceListFile)");
        }

        return members.Count > 0 ? (group, members) : null;
    }

    /// <summary>A group's collector: the name of one of the catalogue's, or one written out; null when it is neither (said).</summary>
    private string? Member(YamlNode item, string path, IpFamily family)
    {
        if (item is not YamlScalarNode { Value: { } reference } || YamlWalker.IsEmpty(item))
        {
            return Define(Section.Open(walker, item, path, CollectorConfig.Keys), family, inCatalogue: false);
        }

        var name = reference.Trim();
        if (!definitions.IsCatalogued(name))
        {
            walker.Error(item, path, definitions.IsNamedWithoutAddress(name)
                ? $"\"{reference}\" names a collector in collectors: without an address, for panorama: to give it one; a group of the file lists collectors that have an address"
                : $"\"{reference}\" is not the name of a collector in collectors:; define it there, or write it here as {{name, address, port}}");
            return null;
        }

        return name;
    }

    /// <summary>The <c>panorama:</c> sources that can be imported, each once; what they import is <see cref="IPanoramaImporter"/>'s.</summary>
    /// <param name="written">How many sources are written, whether or not they can be imported.</param>
    private List<PanoramaSource> ReadPanorama(YamlNode? list, out int written)
    {
        var sources = new List<PanoramaSource>();
        written = 0;
        var problem = "a Panorama source is a mapping: {configFile, ...} or {url, apiKeyFile, ...}";
        foreach (var section in Sections(list, "panorama", PanoramaSource.Keys, problem))
        {
            written++;
            if (PanoramaSource.Read(section, FullPath, ReadCertificates) is not { } source)
            {
                continue;
            }

            if (sources.FirstOrDefault(s => s.Label == source.Label) is { } same)
            {
                walker.Error(null, section.Path, $"imports {source.Label}, as {same.Path} does already");
                continue;
            }

            sources.Add(source);
        }

        return sources;
    }

    /// <summary>The certificates of a <c>caFile</c>, which is fingerprinted: a new CA is a reload. Null when there are none (the error is recorded).</summary>
    private X509Certificate2Collection? ReadCertificates(Section source, string caFile)
    {
        if (ReadFile(caFile, $"{source.Path}.caFile", $"{source.Path}.caFile", text => text) is not { } pem)
        {
            return null;
        }

        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPem(pem);
        }
        catch (CryptographicException e)
        {
            source.Error("caFile", $"{caFile} is not PEM certificates: {e.Message}", quote: false);
            return null;
        }

        if (certificates.Count == 0)
        {
            source.Error("caFile", $"{caFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----)", quote: false);
            return null;
        }

        return certificates;
    }

    /// <summary>The names <c>firewallNamesFile</c> gives, by serial; none when it is not set or does not read (the errors are recorded).</summary>
    private IReadOnlyDictionary<string, string> ReadFirewallNames(Section top)
    {
        if (top.Node("firewallNamesFile") is YamlMappingNode or YamlSequenceNode)
        {
            top.Error("firewallNamesFile", "is not allowed as a section; it is the name of a file of SERIAL,NAME lines");
        }
        else if (top.FileName("firewallNamesFile") is { } file && FullPath(file) is var path
            && ReadFile(path, "firewallNamesFile", "firewallNamesFile", text => FirewallNamesFile.Parse(text, path)) is { } names)
        {
            return names;
        }

        return new Dictionary<string, string>();
    }

    /// <summary>
    /// A group's <c>preferenceListFile</c>: its collectors in priority order, each the catalogue's collector of its
    /// serial or defined by it, and "Forward to all"; null when the file cannot be used (the errors are recorded).
    /// </summary>
    /// <param name="explicitForwardToAll">The group's <c>forwardToAll</c>, when it has one.</param>
    private (bool ForwardToAll, IReadOnlyList<string> Members)? ReadPreferenceList(string groupPath, string listFile, bool? explicitForwardToAll, IpFamily family)
    {
        var fullPath = FullPath(listFile);
        var setting = $"{groupPath}.preferenceListFile";
        if (ReadFile(fullPath, setting, groupPath, text => PreferenceListFile.Parse(text, fullPath)) is not { } content)
        {
            return null;
        }

        if (explicitForwardToAll is { } configured && configured != content.ForwardToAll)
        {
            walker.Error(null, $"{groupPath}.forwardToAll",
                $"\"{(configured ? "true" : "false")}\" contradicts \"Forward to all: {(content.ForwardToAll ? "Yes" : "No")}\" in {fullPath}; remove forwardToAll, the preference list file sets it");
            return null;
        }

        var members = new List<string>();
        var readFor = ConfigErrors.ReadFor(setting);
        foreach (var entry in content.Collectors)
        {
            // A serial that the catalogue knows is that collector, reached the way the catalogue says.
            var name = definitions.CataloguedSerial(entry.Serial);
            if (name is null)
            {
                if (!Setting.InFamily(System.Net.IPAddress.Parse(entry.Address), family))
                {
                    errors.Add(new(entry.Where, null, $"serial number {entry.Serial} has only the address {entry.Address} {readFor}, and probe.ipFamily is {EnumText.Of(family)}; set probe.ipFamily to any, or give the collector an address in collectors:"), groupPath);
                    continue;
                }

                // Named by the catalogue without an address, it takes that name and this address.
                (name, var conflict) = definitions.DefineBySerial(entry.Serial, entry.Address, $"{entry.Where} {readFor}");
                if (conflict is not null)
                {
                    errors.Add(new(entry.Where, null, $"{conflict} {readFor}"), groupPath);
                    continue;
                }
            }

            if (members.Contains(name, StringComparer.Ordinal))
            {
                errors.Add(new(entry.Where, null, $"serial number {entry.Serial} is listed twice {readFor}; a group lists a collector once"), groupPath);
                continue;
            }

            members.Add(name);
        }

        return (content.ForwardToAll, members);
    }

    /// <summary>A file a setting names, parsed; null when it does not read (the errors, read for the setting, are recorded).</summary>
    /// <param name="about">The key path the errors are about, as in <see cref="ConfigErrors.Add"/>.</param>
    private T? ReadFile<T>(string file, string setting, string about, Func<string, T> parse)
        where T : class
    {
        try
        {
            return parse(Encoding.UTF8.GetString(files.ReadAllBytes(file)));
        }
        catch (ConfigurationException e)
        {
            errors.AddReadFor(e, setting, about);
            return null;
        }
    }

    private string FullPath(string file) => Path.GetFullPath(file, baseDirectory ?? Directory.GetCurrentDirectory());

    /// <summary>Adds the groups <c>panorama:</c> imports after those of the file: a group name is still one group's.</summary>
    private void AddImported(IReadOnlyList<(GroupConfig Group, IReadOnlyList<string> Members)> imported)
    {
        foreach (var (group, members) in imported)
        {
            if (groupPaths.TryGetValue(group.Name, out var path))
            {
                walker.Error(null, $"{path}.name", $"\"{group.Name}\" is also a firewall that panorama: imports; group names must be unique");
                continue;
            }

            groups.Add((group, members));
        }
    }
}
