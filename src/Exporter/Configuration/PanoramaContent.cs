using System.Text;

namespace LogCollectorExporter.Configuration;

/// <summary>
/// What the exporter reads of a Panorama configuration: every collector group's log forwarding preference lists, the
/// managed collectors' addresses, and Panorama's own management address. Immutable; <see cref="Fingerprint"/> tells
/// two imports apart by what they hold, not by how the XML was written.
/// </summary>
public sealed class PanoramaContent
{
    public PanoramaContent(
        IReadOnlyList<PanoramaCollectorGroup> collectorGroups,
        IReadOnlyDictionary<string, ManagedCollector> collectors,
        ManagementAddress panorama)
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

    /// <summary>Panorama's own <c>deviceconfig/system</c> addresses: where its local collector is reached.</summary>
    public ManagementAddress Panorama { get; }

    public string Fingerprint { get; }

    private static string Hash(IReadOnlyList<PanoramaCollectorGroup> groups, IReadOnlyDictionary<string, ManagedCollector> collectors, ManagementAddress panorama)
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

        foreach (var (serial, collector) in collectors.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            Add(serial);
            Add(collector.Address.Ip4);
            Add(collector.Address.Ip6);
        }

        Add(panorama.Ip4);
        Add(panorama.Ip6);
        return Convert.ToHexString(hash.GetCurrentHash());
    }
}

/// <param name="Name">The collector group's name.</param>
/// <param name="HasLogForwarding">Whether it has a <c>logfwd-setting/devices</c> list at all.</param>
/// <param name="Firewalls">Its firewalls' preference lists, in the order of the configuration.</param>
public sealed record PanoramaCollectorGroup(string Name, bool HasLogForwarding, IReadOnlyList<PanoramaFirewall> Firewalls);

/// <param name="Serial">The firewall's serial number.</param>
/// <param name="Collectors">The serials of its collectors, highest priority first.</param>
/// <param name="Line">Where the firewall's entry is in the XML, for messages.</param>
public sealed record PanoramaFirewall(string Serial, IReadOnlyList<string> Collectors, int Line);

/// <param name="Address">Its <c>deviceconfig/system</c> addresses.</param>
/// <param name="Line">Where its entry is in the XML, for messages.</param>
public sealed record ManagedCollector(ManagementAddress Address, int Line);

/// <summary>A <c>deviceconfig/system</c>'s <c>ip-address</c> and <c>ipv6-address</c> (without a prefix length); null where absent.</summary>
public sealed record ManagementAddress(string? Ip4, string? Ip6)
{
    public static readonly ManagementAddress None = new(null, null);

    public bool IsEmpty => Ip4 is null && Ip6 is null;
}
