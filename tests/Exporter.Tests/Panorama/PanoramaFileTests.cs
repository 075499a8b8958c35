using LogCollectorExporter.Configuration;
using LogCollectorExporter.Tests.Support;

namespace LogCollectorExporter.Tests;

/// <summary><c>panorama: - configFile:</c>, a saved Panorama configuration, read with the rest of the configuration.</summary>
public sealed class PanoramaFileTests : IDisposable
{
    private const string Estate = PanoramaConfigs.FixtureEstate;

    private readonly TempDirectory directory = new();

    public PanoramaFileTests()
    {
        directory.Write("running-config.xml", PanoramaConfigs.Fixture("running-config.xml"));
    }

    public void Dispose() => directory.Dispose();

    [Fact]
    public void Every_firewall_of_every_collector_group_is_a_group_named_by_its_serial_with_its_collectors_in_order()
    {
        var config = Load(Estate);

        Assert.Equal(
            [
                "013201001001: 009201002984 192.0.2.224, 009201002985 192.0.2.225",
                "013201001002: 009201002985 192.0.2.225, 009201002984 192.0.2.224",
                "013201001003: 009201003301 2001:db8:f::301, lc-west-2 192.0.2.232",
                "013201001004: 000710009999 192.0.2.5",
            ],
            config.Groups.Select(g => $"{g.Name}: {string.Join(", ", g.Collectors.Select(c => $"{c.Name} {c.Address}"))}"));
        Assert.All(config.Groups, g => Assert.Equal((false, Failback.Immediate, 3978), (g.ForwardToAll, g.Failback, g.Collectors[0].Port)));
        Assert.Equal(
            new CollectorConfig("009201002984", "192.0.2.224", 3978, "009201002984") { Hostname = "lc-east-1", CollectorGroup = "cg-east" },
            config.Collectors.Single(c => c.Name == "009201002984"));
        Assert.Equal("009201003302", config.Collectors.Single(c => c.Name == "lc-west-2").Serial);
        Assert.Equal(5, config.Collectors.Count);
    }

    [Fact]
    public void What_was_imported_is_summarised_per_collector_group_and_a_firewall_found_twice_with_one_list_is_noted()
    {
        var imported = Assert.Single(Load(Estate).Panorama);

        Assert.True(imported.Available);
        Assert.Equal(4, imported.Firewalls);
        Assert.Equal(
            ["cg-east: 2", "cg-west: 1", "default: 1", "cg-archive: no logfwd-setting"],
            imported.CollectorGroups.Select(g => $"{g.Name}: {(g.HasLogForwarding ? g.Firewalls.ToString(System.Globalization.CultureInfo.InvariantCulture) : "no logfwd-setting")}"));
        var note = Assert.Single(imported.Notes);
        Assert.Contains("firewall 013201001002 of collector group cg-west is also in collector group cg-east", note, StringComparison.Ordinal);
    }

    [Fact]
    public void Both_peers_of_an_HA_pair_import_each_firewall_once()
    {
        directory.Write("peer-b.xml", PanoramaConfigs.Fixture("running-config.xml"));

        var config = Load(Estate + "\n  - {configFile: peer-b.xml, panoramaSerial: \"000710009999\"}\n");

        Assert.Equal(["013201001001", "013201001002", "013201001003", "013201001004"], config.Groups.Select(g => g.Name));
        Assert.Equal([4, 0], config.Panorama.Select(p => p.Firewalls));
        Assert.Contains(config.Panorama[1].Notes, note => note.StartsWith("firewall 013201001001 of collector group cg-east is also in collector group cg-east of panorama[0]", StringComparison.Ordinal));
    }

    [Fact]
    public void The_settings_of_the_source_apply_to_every_imported_group_and_collectorGroups_limits_the_import()
    {
        var config = Load("""
            panorama:
              - configFile: running-config.xml
                collectorGroups: [cg-east]
                forwardToAll: true
                failback: sticky
            """);

        Assert.Equal(["013201001001", "013201001002"], config.Groups.Select(g => g.Name));
        Assert.All(config.Groups, g => Assert.Equal((true, Failback.Sticky), (g.ForwardToAll, g.Failback)));
    }

    [Fact]
    public void A_collector_without_an_address_and_not_in_the_catalogue_is_an_error_naming_its_serial_and_the_file()
    {
        var error = LoadError("""
            probe: {ipFamily: any}
            panorama:
              - configFile: running-config.xml
                panoramaSerial: "000710009999"
            """);

        var file = Path.Combine(directory.Path, "running-config.xml");
        Assert.Equal(
            $"configuration error: {file}: collector 009201003302 (in the preference list of firewall 013201001003, collector group cg-west) has no address in the configuration; give it one in collectors: (with serial: \"009201003302\") (read for panorama[0].configFile)",
            error);
    }

    [Fact]
    public void Panoramas_local_collector_needs_panoramaSerial_and_the_error_says_so()
    {
        var error = LoadError("""
            probe: {ipFamily: any}
            collectors:
              - {name: lc-west-2, address: 192.0.2.232, serial: "009201003302"}
            panorama:
              - configFile: running-config.xml
            """);

        Assert.Contains("collector 000710009999 (in the preference list of firewall 013201001004, collector group default) has no address in the configuration", error, StringComparison.Ordinal);
        Assert.Contains("if it is Panorama's own local collector, set panorama[0].panoramaSerial: \"000710009999\"", error, StringComparison.Ordinal);
    }

    [Fact]
    public void An_IPv6_only_collector_needs_ipFamily_any_or_ip6_and_ip6_takes_the_IPv6_address_of_a_dual_stack_one()
    {
        var ip4 = LoadError(Estate.Replace("probe: {ipFamily: any}", "probe: {ipFamily: ip4}", StringComparison.Ordinal));
        var ip6 = LoadError(Estate.Replace("probe: {ipFamily: any}", "probe: {ipFamily: ip6}", StringComparison.Ordinal)
            .Replace("address: 192.0.2.232", "address: \"2001:db8:f::302\"", StringComparison.Ordinal));

        Assert.Contains("collector 009201003301 (in the preference list of firewall 013201001003, collector group cg-west) has only the address 2001:db8:f::301 (its log-collector entry, line", ip4, StringComparison.Ordinal);
        Assert.Contains("and probe.ipFamily is ip4; set probe.ipFamily to any", ip4, StringComparison.Ordinal);

        // IPv4-only collectors cannot be reached over IPv6; the dual-stack 009201002985 can, at its ipv6-address.
        Assert.Contains("collector 009201002984 (in the preference list of firewall 013201001001, collector group cg-east) has only the address 192.0.2.224", ip6, StringComparison.Ordinal);
        Assert.Contains("collector 000710009999", ip6, StringComparison.Ordinal);
        Assert.DoesNotContain("collector 009201002985", ip6, StringComparison.Ordinal);
        Assert.DoesNotContain("collector 009201003301", ip6, StringComparison.Ordinal);
    }

    [Fact]
    public void A_firewall_in_two_collector_groups_with_different_lists_is_an_error_naming_both()
    {
        var conflicting = PanoramaConfigs.Fixture("running-config.xml").Replace(
            """
                          <!-- Also in cg-east's region, with the same list: one firewall, one preference list. -->
                          <entry name="013201001002">
                            <collectors>
                              <entry name="009201002985"/>
                              <entry name="009201002984"/>
            """,
            """
                          <entry name="013201001002">
                            <collectors>
                              <entry name="009201002984"/>
            """,
            StringComparison.Ordinal);
        Assert.NotEqual(PanoramaConfigs.Fixture("running-config.xml"), conflicting);
        directory.Write("running-config.xml", conflicting);

        var error = LoadError(Estate);

        Assert.Contains(
            "firewall 013201001002 is in collector group cg-west of panorama[0] (" + Path.Combine(directory.Path, "running-config.xml") + ") with the preference list 009201002984, and in collector group cg-east of panorama[0]",
            error,
            StringComparison.Ordinal);
        Assert.Contains("with 009201002985, 009201002984: a firewall has one preference list", error, StringComparison.Ordinal);
        Assert.Contains("limit the import with collectorGroups", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_collector_group_that_is_not_in_the_file_is_an_error_listing_those_that_are()
    {
        var error = LoadError("""
            panorama:
              - {configFile: running-config.xml, collectorGroups: [cg-north]}
            """);

        Assert.EndsWith("has no collector group \"cg-north\" (panorama[0].collectorGroups); it has: cg-east, cg-west, default, cg-archive (read for panorama[0].configFile)", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<config><devices><entry name=\"localhost.localdomain\"><log-collector-group><entry name=\"cg\">", "is not valid XML: Unexpected end of file has occurred.")]
    [InlineData("<config><devices><entry name=\"localhost.localdomain\">\n<log-collector-group>\n<entry>", "line 3: an <entry> of log-collector-group has no name")]
    [InlineData("Forward to all: No\n", "is not valid XML: Data at the root level is invalid. Line 1, position 1.")]
    [InlineData("<response status=\"success\"><result/></response>", "has no firewall's preference list")]
    [InlineData("<html><body>Login</body></html>", "line 1: the root element is <html>; a Panorama configuration is <config> (saved) or <response> (an XML API answer)")]
    [InlineData("<config><devices><entry name=\"fw\"/></devices></config>", "has no /config/devices/entry[@name='localhost.localdomain']: it is not a Panorama configuration")]
    [InlineData("<config><devices><entry name=\"localhost.localdomain\"><log-collector><entry name=\"lc\"><deviceconfig><system><ip-address>10.0.0.300</ip-address></system></deviceconfig></entry></log-collector></entry></devices></config>", "line 1: <ip-address> \"10.0.0.300\" is not an IPv4 address")]
    [InlineData("<?xml version=\"1.0\"?>\n<!DOCTYPE config [<!ENTITY lol \"lol\">]>\n<config/>", "is not valid XML: For security reasons DTD is prohibited in this XML document.")]
    public void A_malformed_file_is_an_error_naming_the_file_and_what_is_wrong(string xml, string expected)
    {
        var file = directory.Write("running-config.xml", xml);

        var error = LoadError("panorama:\n  - configFile: running-config.xml\n");

        Assert.StartsWith($"configuration error: {file}: ", error, StringComparison.Ordinal);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.EndsWith("(read for panorama[0].configFile)", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("panorama:\n  - {configFile: missing.xml}", "missing.xml: cannot read the file")]
    [InlineData("panorama:\n  - {url: \"http://admin:secret@panorama.example.net\", apiKeyFile: key}", "panorama[0].url: is not allowed; use an https:// URL of Panorama")]
    [InlineData("panorama:\n  - {url: \"panorama.example.net?key=secret\", apiKeyFile: key}", "panorama[0].url: is not allowed; use an https:// URL of Panorama")]
    [InlineData("panorama:\n  - {url: \"https://admin:secret@panorama.example.net\", apiKeyFile: key}", "panorama[0].url: is not allowed with a user, a query or a fragment (https://panorama.example.net...); the API key goes in apiKeyFile")]
    [InlineData("panorama:\n  - {url: \"https://panorama.example.net/?key=secret\", apiKeyFile: key}", "panorama[0].url: is not allowed with a user, a query or a fragment")]
    [InlineData("panorama:\n  - {url: \"https://panorama.example.net\", apiKeyFile: key, caFile: running-config.xml}", "panorama[0].caFile: ")]
    [InlineData("panorama:\n  - {configFile: running-config.xml}\n  - {configFile: ./running-config.xml}", "panorama[1]: imports ")]
    [InlineData("groups:\n  - {name: \"013201001001\", collectors: [{address: 192.0.2.9}]}\ncollectors:\n  - {name: lc-west-2, address: 192.0.2.232, serial: \"009201003302\"}\nprobe: {ipFamily: any}\npanorama:\n  - {configFile: running-config.xml, panoramaSerial: \"000710009999\"}", "groups[0].name: \"013201001001\" is also a firewall that panorama: imports; group names must be unique")]
    public void A_bad_panorama_entry_is_an_error_naming_its_key(string yaml, string expected)
    {
        var error = LoadError(yaml);

        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_live_source_alone_is_a_valid_configuration_before_its_first_import()
    {
        directory.Write("api-key", "not a real key");

        var config = Load("panorama:\n  - {url: \"https://panorama.example.net:8443\", apiKeyFile: api-key}\n");

        Assert.Empty(config.Groups);
        var imported = Assert.Single(config.Panorama);
        Assert.False(imported.Available);
        Assert.Equal("https://panorama.example.net:8443", imported.Source.Label);
        Assert.Equal(Path.Combine(directory.Path, "api-key"), imported.Source.ApiKeyFile);
        Assert.Equal((TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(30)), (imported.Source.Refresh, imported.Source.Timeout));
    }

    [Fact]
    public void The_saved_configuration_is_one_of_the_files_a_change_of_which_reloads()
    {
        var config = Load(Estate);

        Assert.Contains(Path.Combine(directory.Path, "running-config.xml"), config.Origin.Files);
        var loader = Configs.Loader(Path.Combine(directory.Path, "collectors.yaml"), []);
        Assert.True(loader.IsCurrent(config.Origin));
        directory.Write("running-config.xml", PanoramaConfigs.Fixture("running-config.xml").Replace("192.0.2.224", "192.0.2.124", StringComparison.Ordinal));
        Assert.False(loader.IsCurrent(config.Origin));
    }

    private ExporterConfig Load(string yaml) => Configs.Loader(directory.Write("collectors.yaml", yaml), []).Load();

    private string LoadError(string yaml) =>
        Assert.Throws<ConfigurationException>(() => Configs.Loader(directory.Write("collectors.yaml", yaml), []).Load()).Message;
}
