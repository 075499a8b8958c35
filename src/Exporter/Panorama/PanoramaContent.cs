using System.Text;
using LogCollectorExporter.Configuration;

namespace LogCollectorExporter.Panorama;

/// <summary>
/// What the exporter reads of a Panorama configuration: every collector group's members and log forwarding preference
/// lists, the managed collectors' interfaces and hostnames, and Panorama's own. Immutable; <see cref="Fingerprint"/> tells
/// two imports apart by what they hold, not by how the XML was written.
/// </summary>
public sealed class PanoramaContent
{
    public PanoramaContent(
        IReadOnlyList<PanoramaCollectorGroup> collectorGroups,
        IReadOnlyDictionary<string, ManagedCollector> collectors,
        SystemSettings panorama)
    {
        CollectorGroups = collectorGroups;
        Collectors = collectors;
        Panorama = panorama;
        Fingerprint = Hash(collectorGroups, collectors, panorama);
    }

    /// <summary>In the order of the configuration.</summary>
    public IReadOnlyList<PanoramaCollectorGroup> CollectorGroups { get; }

    /// <summary>Managed collectors (<c>log-collector/entry</c>) by serial.</summary>
    public IReadOnlyDictionary<string, ManagedCollector> Collectors { get; }

    /// <summary>Panorama's own <c>deviceconfig/system</c>: where its local collector is reached.</summary>
    public SystemSettings Panorama { get; }

    public string Fingerprint { get; }

    private static string Hash(IReadOnlyList<PanoramaCollectorGroup> groups, IReadOnlyDictionary<string, ManagedCollector> collectors, SystemSettings panorama)
    {
        var hash = ConfigFiles.NewFingerprint();
        void Add(string? text)
        {
            hash.Append(Encoding.UTF8.GetBytes(text ?? "\u0001"));
            hash.Append([0]);
        }

        foreach (var group in groups)
        {
            Add("group");
            Add(group.Name);
            Add(group.HasLogForwarding ? "lf" : "no lf");
            foreach (var member in group.Members)
            {
                Add(member);
            }

            Add("members end");
            foreach (var firewall in group.Firewalls)
            {
                Add(firewall.Serial);
                foreach (var collector in firewall.Collectors)
                {
                    Add(collector);
                }

                Add("end");
            }
        }

        void AddSystem(SystemSettings system)
        {
            Add(system.Hostname);
            foreach (var face in system.Interfaces)
            {
                Add(face.Name);
                Add(face.Address.Ip4);
                Add(face.Address.Ip6);
                Add(face.CollectsLogs ? "collects" : "does not collect");
            }

            Add("system end");
        }

        foreach (var (serial, collector) in collectors.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            Add(serial);
            AddSystem(collector.System);
        }

        AddSystem(panorama);
        return Convert.ToHexString(hash.GetCurrentHash());
    }
}

/// <param name="Name">The collector group's name.</param>
/// <param name="HasLogForwarding">Whether it has a <c>logfwd-setting/devices</c> list at all.</param>
/// <param name="Firewalls">Its firewalls' preference lists, in the order of the configuration.</param>
/// <param name="Members">The serials of its collectors (<c>logfwd-setting/collectors</c>).</param>
public sealed record PanoramaCollectorGroup(string Name, bool HasLogForwarding, IReadOnlyList<PanoramaFirewall> Firewalls, IReadOnlyList<string> Members);

/// <param name="Serial">The firewall's serial number.</param>
/// <param name="Collectors">The serials of its collectors, highest priority first.</param>
/// <param name="Line">Where the firewall's entry is in the XML, for messages.</param>
public sealed record PanoramaFirewall(string Serial, IReadOnlyList<string> Collectors, int Line);

/// <param name="System">Its <c>deviceconfig/system</c>.</param>
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

    /// <summary>The management interface's addresses.</summary>
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
