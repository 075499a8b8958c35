using System.Text;
using LogCollectorExporter.Configuration;

namespace LogCollectorExporter.Panorama;

/// <summary>
/// What the exporter reads of a Panorama configuration: every collector group's members and log forwarding preference
/// lists, the managed collectors' interfaces and hostnames, and Panorama's own. Immutable; <see cref="Fingerprint"/> tells
/// two imports apart by what they hold, not by how the XML was written.
/// </summary>
public sealed class PanoramaContent(
    IReadOnlyList<PanoramaCollectorGroup> collectorGroups,
    IReadOnlyDictionary<string, ManagedCollector> collectors,
    SystemSettings panorama)
{
    /// <summary>In the order of the configuration.</summary>
    public IReadOnlyList<PanoramaCollectorGroup> CollectorGroups { get; } = collectorGroups;

    /// <summary>Managed collectors (<c>log-collector/entry</c>) by serial.</summary>
    public IReadOnlyDictionary<string, ManagedCollector> Collectors { get; } = collectors;

    /// <summary>Panorama's own <c>deviceconfig/system</c>: where its local collector is reached.</summary>
    public SystemSettings Panorama { get; } = panorama;

    public string Fingerprint { get; } = Hash(collectorGroups, collectors, panorama);

    private static string Hash(IReadOnlyList<PanoramaCollectorGroup> groups, IReadOnlyDictionary<string, ManagedCollector> collectors, SystemSettings panorama)
    {
        var fields = groups.SelectMany(g => new[] { "group", g.Name, g.HasLogForwarding ? "lf" : "no lf" }.Concat(g.Members).Append("members end")
                .Concat(g.Firewalls.SelectMany(f => f.Collectors.Prepend(f.Serial).Append("end"))))
            .Concat(collectors.OrderBy(c => c.Key, StringComparer.Ordinal).SelectMany(c => System(c.Value.System).Prepend(c.Key)))
            .Concat(System(panorama));
        var hash = ConfigFiles.NewFingerprint();
        foreach (var field in fields)
        {
            hash.Append(Encoding.UTF8.GetBytes(field ?? "\u0001"));
            hash.Append([0]);
        }

        return Convert.ToHexString(hash.GetCurrentHash());

        static IEnumerable<string?> System(SystemSettings system) =>
            system.Interfaces.SelectMany(i => new[] { i.Name, i.Address.Ip4, i.Address.Ip6, i.CollectsLogs ? "collects" : "does not collect" })
                .Prepend(system.Hostname).Append("system end");
    }
}

/// <param name="HasLogForwarding">Whether it has a <c>logfwd-setting/devices</c> list at all.</param>
/// <param name="Firewalls">Its firewalls' preference lists, in the order of the configuration.</param>
/// <param name="Members">The serials of its collectors (<c>logfwd-setting/collectors</c>).</param>
public sealed record PanoramaCollectorGroup(string Name, bool HasLogForwarding, IReadOnlyList<PanoramaFirewall> Firewalls, IReadOnlyList<string> Members);

/// <param name="Collectors">The serials of its collectors, highest priority first.</param>
/// <param name="Line">Where the firewall's entry is in the XML, for messages.</param>
public sealed record PanoramaFirewall(string Serial, IReadOnlyList<string> Collectors, int Line);

/// <param name="Line">Where its entry is in the XML, for messages.</param>
public sealed record ManagedCollector(SystemSettings System, int Line);

/// <summary>
/// What a <c>deviceconfig/system</c> says of a collector's (or Panorama's) interfaces and name. A firewall sends its logs
/// to the interface that has Device Log Collection on: the management interface unless its
/// <c>service/disable-device-log-collection</c> is <c>yes</c> (confirmed in real configurations), or an Ethernet
/// interface <c>eth1</c>…<c>eth5</c> whose own flag is explicitly <c>no</c> (the shape is inferred: no public
/// configuration shows one). README "What Panorama's configuration gives" says so.
/// </summary>
/// <param name="Interfaces">The management interface first (named <c>mgmt</c>), then each <c>ethN</c> in the order of the configuration.</param>
/// <param name="Hostname">Its <c>hostname</c>, or "".</param>
public sealed record SystemSettings(IReadOnlyList<CollectorInterface> Interfaces, string Hostname)
{
    public const string Management = "mgmt";

    public static readonly SystemSettings None = new([], "");

    public ManagementAddress ManagementAddress => Interfaces.FirstOrDefault(i => i.Name == Management)?.Address ?? ManagementAddress.None;

    /// <summary>
    /// The interface firewalls send logs to: the first that collects logs and has an address, the management interface
    /// first. Null when none does: the management interface has log collection off and no Ethernet interface reads as
    /// collecting.
    /// </summary>
    public CollectorInterface? LogCollection => Interfaces.FirstOrDefault(i => i.CollectsLogs && !i.Address.IsEmpty);
}

/// <param name="Name"><c>mgmt</c>, or the element's name (<c>eth1</c>).</param>
/// <param name="CollectsLogs">Whether Device Log Collection is on for it.</param>
public sealed record CollectorInterface(string Name, ManagementAddress Address, bool CollectsLogs);

/// <summary>A <c>deviceconfig/system</c>'s <c>ip-address</c> and <c>ipv6-address</c> (without a prefix length); null where absent.</summary>
public sealed record ManagementAddress(string? Ip4, string? Ip6)
{
    public static readonly ManagementAddress None = new(null, null);

    public bool IsEmpty => Ip4 is null && Ip6 is null;
}
