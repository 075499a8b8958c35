using System.Globalization;
using System.Net;
using LogCollectorExporter.Configuration;
using LogCollectorExporter.Platform;

namespace LogCollectorExporter.Panorama;

/// <summary>
/// Turns the Panorama sources of a configuration into groups: one per firewall, named by its serial, listing its
/// collectors in priority order. A collector is named by its serial, unless a collector of the catalogue has that
/// serial: then it is that collector, reached the way the catalogue says. Otherwise it is reached at the address its
/// managed collector entry gives (IPv4, else IPv6; IPv6 first with <c>probe.ipFamily: ip6</c>), or, for Panorama's own
/// local collector (<c>panoramaSerial</c>), at Panorama's management address; a collector with none of these is an error
/// naming its serial. A firewall listed more than once (in two collector groups, or by two sources) is one group when
/// every list agrees, and an error when they differ: a firewall has one preference list, and which one it has would
/// be a guess.
/// </summary>
/// <param name="savedMayFail">
/// Whether a saved configuration that cannot be read is a failed import, as a live source's failure is: recorded in
/// <paramref name="imports"/>, its last good import used (or none), the configuration valid without it. The running
/// exporter's way, so that an export caught mid-copy at start is not a crash loop; <c>--check-config</c> makes it an error.
/// </param>
internal sealed class PanoramaImport(PanoramaImportState imports, ConfigFiles files, CollectorDefinitions definitions, IpFamily family, ConfigErrors errors,
    bool savedMayFail)
{
    private readonly Dictionary<string, Firewall> firewalls = new(StringComparer.Ordinal);

    /// <summary>The groups imported, in order, without their collectors: the names of their members.</summary>
    public List<(GroupConfig Group, IReadOnlyList<string> Members)> Groups { get; } = [];

    public List<PanoramaImportResult> Imported { get; } = [];

    /// <summary>Reads a file source now, or takes a live source's last good import, and adds its firewalls to <see cref="Groups"/>.</summary>
    public void Add(PanoramaSource source, DateTimeOffset now)
    {
        var errorsBefore = errors.Count;
        var content = source.IsLive ? imports.LastGood(source.Label) : Read(source, now);
        if (content is null)
        {
            Imported.Add(new PanoramaImportResult(source, false, [], 0, [], [], []));
            return;
        }

        var chosen = Choose(source, content);
        var names = new Dictionary<string, string?>(StringComparer.Ordinal);
        var summary = new List<ImportedCollectorGroup>();
        var notes = new List<string>();
        var warnings = new List<string>();
        var collectors = new List<string>();

        // Firewalls with a preference list, those another collector group or source already brought in included.
        var listed = 0;
        foreach (var group in chosen)
        {
            if (!ErrorText.IsPrintable(group.Name))
            {
                Error(source, $"collector group \"{group.Name}\" has a control or format character in its name, which is shown in the log and on the status page");
                continue;
            }

            var imported = 0;
            foreach (var firewall in group.Firewalls)
            {
                var at = source.IsLive ? "" : $"line {firewall.Line.ToString(CultureInfo.InvariantCulture)}: ";
                if (firewall.Collectors.Count == 0)
                {
                    notes.Add($"firewall {firewall.Serial} of collector group {group.Name} lists no collectors: not imported");
                    continue;
                }

                if (!Setting.IsGroupName(firewall.Serial))
                {
                    Error(source, $"{at}firewall \"{firewall.Serial}\" of collector group {group.Name}: a serial that is not a group name (letters, digits and _ . : -)");
                    continue;
                }

                var members = new List<string>(firewall.Collectors.Count);
                foreach (var serial in firewall.Collectors)
                {
                    if (!names.TryGetValue(serial, out var name))
                    {
                        names[serial] = name = Resolve(source, content, serial, firewall, group.Name, warnings.Add);
                        if (name is not null)
                        {
                            collectors.Add(name);
                        }
                    }

                    if (name is not null && members.Contains(name, StringComparer.Ordinal))
                    {
                        Error(source, $"{at}firewall {firewall.Serial} of collector group {group.Name} lists collector {serial} twice; a preference list lists a collector once");
                    }
                    else if (name is not null)
                    {
                        members.Add(name);
                    }
                }

                if (members.Count != firewall.Collectors.Count)
                {
                    continue;
                }

                listed++;
                var config = new GroupConfig(firewall.Serial, source.ForwardToAll, source.Failback, null, []) { CollectorGroup = group.Name };
                var here = $"collector group {group.Name} of {source.Description}";
                if (firewalls.TryGetValue(firewall.Serial, out var first))
                {
                    if (!first.Members.SequenceEqual(members, StringComparer.Ordinal) || first.Group.ForwardToAll != config.ForwardToAll || first.Group.Failback != config.Failback)
                    {
                        Error(source,
                            $"{at}firewall {firewall.Serial} is in {here} with the preference list {string.Join(", ", members)}, and in {first.Where} with {string.Join(", ", first.Members)}: a firewall has one preference list, and which of these it has is not in the configuration; limit the import with collectorGroups, or make the lists the same");
                    }
                    else
                    {
                        notes.Add($"firewall {firewall.Serial} of collector group {group.Name} is also in {first.Where}, with the same preference list: one group");
                    }

                    continue;
                }

                firewalls[firewall.Serial] = new Firewall(config, members, here);
                Groups.Add((config, members));
                imported++;
            }

            summary.Add(new ImportedCollectorGroup(group.Name, group.HasLogForwarding, imported));
        }

        if (!source.IsLive && listed == 0 && errors.Count == errorsBefore)
        {
            Error(source, $"has no firewall's preference list (log-collector-group/entry/logfwd-setting/devices/entry/collectors){(source.CollectorGroups.Count > 0 ? $" in collector groups {string.Join(", ", source.CollectorGroups)}" : "")}");
        }

        Imported.Add(new PanoramaImportResult(source, true, summary, summary.Sum(g => g.Firewalls), collectors, notes, warnings));
    }

    private PanoramaContent? Read(PanoramaSource source, DateTimeOffset now)
    {
        var path = source.ConfigFile!;
        try
        {
            var content = files.Read(path, stream => PanoramaXml.Read(stream, path, new PanoramaContentBuilder()).Build());
            imports.Succeeded(source.Label, content, now);
            return content;
        }
        catch (ConfigurationException e)
        {
            imports.Failed(source.Label, e.Errors[0].ToString(), now);

            // Watched whatever it holds, so that the file fixed is a reload.
            files.Watch(path);
            if (savedMayFail)
            {
                return imports.LastGood(source.Label);
            }

            errors.AddReadFor(e, $"{source.Path}.configFile", source.Path);
            return null;
        }
    }

    /// <summary>The collector groups to import: every one, or those <c>collectorGroups</c> names (each must be there).</summary>
    private IReadOnlyList<PanoramaCollectorGroup> Choose(PanoramaSource source, PanoramaContent content)
    {
        if (source.CollectorGroups.Count == 0)
        {
            return content.CollectorGroups;
        }

        foreach (var missing in source.CollectorGroups.Where(name => !content.CollectorGroups.Any(g => g.Name == name)))
        {
            var known = content.CollectorGroups.Count == 0 ? "none" : string.Join(", ", content.CollectorGroups.Select(g => g.Name));
            Error(source, $"has no collector group \"{missing}\" ({source.Path}.collectorGroups); it has: {known}");
        }

        return [.. content.CollectorGroups.Where(g => source.CollectorGroups.Contains(g.Name, StringComparer.Ordinal))];
    }

    /// <summary>
    /// The name of the collector of this serial, defined where its address comes from, with its hostname and collector
    /// group; null when it has no address (the error is recorded).
    /// </summary>
    private string? Resolve(PanoramaSource source, PanoramaContent content, string serial, PanoramaFirewall firewall, string group, Action<string> warn)
    {
        var managed = content.Collectors.GetValueOrDefault(serial);
        var local = serial == source.PanoramaSerial;

        // Panorama's own local collector's entry has no address: it is reached where Panorama is.
        var (system, entry) = managed is not null && managed.System.Interfaces.Any(i => !i.Address.IsEmpty)
            ? (managed.System, source.IsLive ? "its log-collector entry" : $"its log-collector entry, line {managed.Line.ToString(CultureInfo.InvariantCulture)}")
            : local ? (content.Panorama, "Panorama's deviceconfig/system (panoramaSerial)") : (SystemSettings.None, "");
        var hostname = managed?.System.Hostname is { Length: > 0 } own ? own : local ? content.Panorama.Hostname : "";
        var collectorGroup = content.CollectorGroups.FirstOrDefault(g => g.Members.Contains(serial, StringComparer.Ordinal))?.Name ?? group;
        if (definitions.CataloguedSerial(serial) is { } catalogued)
        {
            definitions.Annotate(catalogued, hostname, collectorGroup);
            return catalogued;
        }

        var listedBy = $"collector {serial} (in the preference list of firewall {firewall.Serial}, collector group {group})";
        if (system.Interfaces.All(i => i.Address.IsEmpty))
        {
            var fix = source.PanoramaSerial is null
                ? $"; if it is Panorama's own local collector, set {source.Path}.panoramaSerial: \"{serial}\""
                : local ? "; Panorama's deviceconfig/system has no ip-address either" : "";
            Error(source, $"{listedBy} has no address in the configuration; give it one in collectors: (with serial: \"{serial}\"){fix}");
            return null;
        }

        var collecting = system.LogCollection;
        var (address, from) = collecting is null
            ? (system.ManagementAddress, $"{entry}, management interface")
            : (collecting.Address, collecting.Name == SystemSettings.Management ? entry : $"{entry}, interface {collecting.Name}");
        if (collecting is null)
        {
            warn($"{listedBy}: Device Log Collection is off on its management interface (service/disable-device-log-collection) and no Ethernet interface "
                + $"(eth1…) reads as collecting logs: probing its management address, which may not be where firewalls send logs; give its address in collectors: (with serial: \"{serial}\")");
        }

        if (address.IsEmpty)
        {
            Error(source, $"{listedBy} has no address on its management interface ({from}); give it one in collectors: (with serial: \"{serial}\")");
            return null;
        }

        var chosen = family == IpFamily.Ip6 ? address.Ip6 ?? address.Ip4! : address.Ip4 ?? address.Ip6!;
        if (!Setting.InFamily(IPAddress.Parse(chosen), family))
        {
            Error(source, $"{listedBy} has only the address {chosen} ({from}), and probe.ipFamily is {EnumText.Of(family)}; set probe.ipFamily to any, or give the collector an address in collectors: (with serial: \"{serial}\")");
            return null;
        }

        var (name, conflict) = definitions.DefineBySerial(serial, chosen, $"{Where(source)} ({from})", hostname, collectorGroup);
        if (conflict is not null)
        {
            Error(source, $"{listedBy}: {conflict}");
            return null;
        }

        return name;
    }

    /// <summary>An error about what a source imports: in its file, said to be read for its <c>configFile</c>.</summary>
    private void Error(PanoramaSource source, string problem) => errors.Add(
        new ConfigurationError(Where(source), null, source.IsLive ? problem : $"{problem} {ConfigErrors.ReadFor($"{source.Path}.configFile")}"), source.Path);

    private static string Where(PanoramaSource source) => source.ConfigFile ?? source.Description;

    private sealed record Firewall(GroupConfig Group, IReadOnlyList<string> Members, string Where);
}
