using System.Text.Json;
using LogCollectorExporter.Configuration;
using LogCollectorExporter.Tests.Support;

namespace LogCollectorExporter.Tests;

/// <summary>
/// Collectors and firewalls named for people: Panorama's hostnames and collector groups, catalogue names for serials,
/// firewall names from a file; and the address a collector collects logs on.
/// </summary>
public sealed class CollectorNamesTests : IDisposable
{
    private const string Estate = PanoramaConfigs.FixtureEstate;

    private readonly TempDirectory directory = new();

    public CollectorNamesTests()
    {
        directory.Write("running-config.xml", PanoramaConfigs.Fixture("running-config.xml"));
    }

    public void Dispose() => directory.Dispose();

    [Fact]
    public void Imported_collectors_carry_Panoramas_hostname_and_collector_group_and_so_do_the_firewalls_groups()
    {
        var config = Load(Estate);

        Assert.Equal(
            [
                "lc-west-2: hostname \"\" group cg-west",
                "009201002984: hostname \"lc-east-1\" group cg-east",
                "009201002985: hostname \"lc-east-2\" group cg-east",
                "009201003301: hostname \"lc-west-1\" group cg-west",
                "000710009999: hostname \"panorama-dc1\" group default",
            ],
            config.Collectors.Select(c => $"{c.Name}: hostname \"{c.Hostname}\" group {c.CollectorGroup}"));
        Assert.Equal(
            ["013201001001 cg-east", "013201001002 cg-east", "013201001003 cg-west", "013201001004 default"],
            config.Groups.Select(g => $"{g.Name} {g.CollectorGroup}"));
    }

    [Fact]
    public void A_catalogue_entry_with_a_name_and_a_serial_and_no_address_names_the_collector_Panorama_gives_the_address_of()
    {
        var config = Load(Estate.Replace("collectors:\n", "collectors:\n  - {name: lc-east, serial: \"009201002984\"}\n  - {name: lc-east-b, serial: \"009201002985\", hostname: east-b}\n", StringComparison.Ordinal));

        var east = config.Collectors.Single(c => c.Serial == "009201002984");
        var eastB = config.Collectors.Single(c => c.Serial == "009201002985");
        Assert.Equal(("lc-east", "192.0.2.224", "lc-east-1", "cg-east"), (east.Name, east.Address, east.Hostname, east.CollectorGroup));
        Assert.Equal(("lc-east-b", "192.0.2.225", "east-b"), (eastB.Name, eastB.Address, eastB.Hostname));
        Assert.Equal(["lc-east", "lc-east-b"], config.Groups.Single(g => g.Name == "013201001001").Collectors.Select(c => c.Name));
    }

    [Theory]
    [InlineData("collectors: [{name: lc-1, serial: \"0099\"}]\ngroups: [{name: g, collectors: [lc-1]}]",
        "groups[0].collectors[0]: \"lc-1\" names a collector in collectors: without an address, for panorama: to give it one")]
    [InlineData("collectors: [{name: lc-1}]\ngroups: [{name: g, collectors: [lc-1]}]",
        "collectors[0].address: is required: an IPv4 or IPv6 address or a DNS name; or, with no address, a name and a serial name the collector of that serial that panorama: imports")]
    [InlineData("collectors: [{name: lc-1, serial: \"0099\"}, {name: lc-2, serial: \"0099\"}]\ngroups: [{name: g, collectors: [{address: 10.0.0.1}]}]",
        "collectors[1].serial: serial \"0099\" is already the serial of collectors[0]; serials in collectors: must be unique")]
    [InlineData("collectors: [{name: lc-1, serial: \"0099\"}, {name: lc-1, address: 10.0.0.2}]\ngroups: [{name: g, collectors: [lc-1]}]",
        "collectors[1].name: \"lc-1\" is already the name of collectors[0]; names in collectors: must be unique")]
    [InlineData("groups: [{name: g, collectors: [{address: 10.0.0.1}]}]\nfirewallNamesFile: {path: x}",
        "firewallNamesFile: is not allowed as a section; it is the name of a file of SERIAL,NAME lines")]
    public void Catalogue_names_without_an_address_and_names_files_are_checked(string yaml, string expected)
    {
        var file = directory.Write("collectors.yaml", yaml);

        var error = Assert.Throws<ConfigurationException>(() => Configs.Loader(file, []).Load());

        Assert.Contains($"{file}: {expected}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_firewall_names_file_names_the_groups_of_those_serials_and_is_watched()
    {
        var names = directory.Write("firewalls.csv", "# serial,name\n013201001001,fw-branch-7\n\n013201001003 , fw-dc-west \n099999999999,fw-not-imported\n");
        var loader = Configs.Loader(directory.Write("collectors.yaml", Estate + "firewallNamesFile: firewalls.csv\n"), []);

        var config = loader.Load();

        Assert.Equal(
            ["013201001001 fw-branch-7", "013201001002 ", "013201001003 fw-dc-west", "013201001004 "],
            config.Groups.Select(g => $"{g.Name} {g.Hostname}"));
        Assert.True(loader.IsCurrent(config.Origin));
        File.AppendAllText(names, "013201001002,fw-branch-8\n");
        Assert.False(loader.IsCurrent(config.Origin));
    }

    [Theory]
    [InlineData("013201001001 fw-branch-7\n", ":1: \"013201001001 fw-branch-7\" is not SERIAL,NAME (a firewall's serial, a comma, its name) (read for firewallNamesFile)")]
    [InlineData("a,one\n# b\na,two\n", ":3: \"a,two\": serial a is already named \"one\" on line 1; a firewall has one name (read for firewallNamesFile)")]
    [InlineData("a,\u001b[31mred\n", ":1: \"a,\\u001B[31mred\": a name is at most 255 characters with no control or format character")]
    public void A_line_of_the_names_file_that_is_not_a_serial_and_a_name_is_an_error_naming_its_line(string text, string expected)
    {
        var names = directory.Write("firewalls.csv", text);

        var error = Assert.Throws<ConfigurationException>(() => Configs.Loader(directory.Write("collectors.yaml", Estate + "firewallNamesFile: firewalls.csv\n"), []).Load());

        Assert.Contains($"{names}{expected}", error.Message, StringComparison.Ordinal);
    }

    [Theory]

    // The documented default: Device Log Collection on the management interface; an Ethernet interface without the flag is not used.
    [InlineData("<ip-address>127.0.0.10</ip-address><eth1><ip-address>127.0.0.11</ip-address></eth1>", "127.0.0.10")]
    [InlineData("<ip-address>127.0.0.10</ip-address><service><disable-device-log-collection>no</disable-device-log-collection></service>", "127.0.0.10")]

    // Moved to an Ethernet interface: its address.
    [InlineData("<ip-address>127.0.0.10</ip-address><service><disable-device-log-collection>yes</disable-device-log-collection></service>"
        + "<eth1><ip-address>127.0.0.11</ip-address></eth1>"
        + "<eth4><ip-address>127.0.0.14</ip-address><service><disable-device-log-collection>no</disable-device-log-collection></service></eth4>", "127.0.0.14")]
    [InlineData("<ip-address>127.0.0.10</ip-address><service><disable-device-log-collection>yes</disable-device-log-collection></service>"
        + "<eth2><ipv6-address>2001:db8::12/64</ipv6-address><service><disable-device-log-collection>no</disable-device-log-collection></service></eth2>", "2001:db8::12")]
    public void A_collector_is_probed_at_the_interface_that_collects_logs(string system, string address)
    {
        var config = Load(OneCollector(system));

        Assert.Equal(address, config.Collectors.Single().Address);
        Assert.Empty(config.Panorama.Single().Warnings);
    }

    [Fact]
    public async Task When_no_interface_reads_as_collecting_logs_check_config_and_the_log_say_so_and_the_management_address_is_probed()
    {
        var yaml = directory.Write("collectors.yaml", OneCollector(
            "<ip-address>127.0.0.10</ip-address><service><disable-device-log-collection>yes</disable-device-log-collection></service><eth1><ip-address>127.0.0.11</ip-address></eth1>"));

        var config = Configs.Loader(yaml, []).Load();
        var (exitCode, text) = await Tools.RunAsync(Tools.Exporter, ["--check-config", yaml]);
        await using var exporter = ExporterProcess.Start(["--config", yaml]);
        await exporter.ListeningAsync();

        Assert.Equal("127.0.0.10", config.Collectors.Single().Address);
        var warning = "collector 009201000001 (in the preference list of firewall 013201000001, collector group cg-1): Device Log Collection is off on its management interface "
            + "(service/disable-device-log-collection) and no Ethernet interface (eth1…) reads as collecting logs: probing its management address, which may not be where "
            + "firewalls send logs; give its address in collectors: (with serial: \"009201000001\")";
        Assert.Equal(0, exitCode);
        Assert.Contains($"    warning: {warning}", text, StringComparison.Ordinal);
        await Eventually.TrueAsync(() => exporter.Output.Contains(warning, StringComparison.Ordinal), "the warning logged");
        Assert.Equal(1, exporter.Output.Split(warning).Length - 1);
    }

    [Theory]
    [InlineData("<service><disable-device-log-collection>maybe</disable-device-log-collection></service>", "line 1: <disable-device-log-collection> is \"maybe\"; PAN-OS writes yes or no")]
    [InlineData("<hostname>lc-\u202Eeast</hostname>", "line 1: <hostname> has a control or format character; a hostname is shown in the log, on the status page and in /metrics")]
    public void A_flag_or_hostname_that_is_not_one_is_an_error_naming_its_line(string system, string expected)
    {
        var error = Assert.Throws<ConfigurationException>(() => Load(OneCollector("<ip-address>127.0.0.10</ip-address>" + system)));

        Assert.Contains($"{Path.Combine(directory.Path, "one.xml")}: {expected}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Preference_lists_and_members_are_read_written_as_entries_or_as_members()
    {
        directory.Write("one.xml", $"""
            <config><devices><entry name="localhost.localdomain">
            <log-collector>
              <entry name="A1"><deviceconfig><system><ip-address>127.0.0.10</ip-address></system></deviceconfig></entry>
              <entry name="A2"><deviceconfig><system><ip-address>127.0.0.11</ip-address></system></deviceconfig></entry>
            </log-collector>
            <log-collector-group><entry name="cg-1"><logfwd-setting>
              <collectors><entry name="A1"/><member>A2</member></collectors>
              <devices><entry name="FW1"><collectors><member>A2</member><entry name="A1"/></collectors></entry></devices>
            </logfwd-setting></entry></log-collector-group>
            </entry></devices></config>
            """);

        var config = Load("panorama: [{configFile: one.xml}]");

        Assert.Equal(["A2 cg-1", "A1 cg-1"], config.Groups.Single().Collectors.Select(c => $"{c.Name} {c.CollectorGroup}"));
    }

    [Fact]
    public async Task The_running_exporter_shows_hostnames_and_collector_groups_in_metrics_the_status_page_and_its_JSON()
    {
        using var collector = Peer.Up();
        directory.Write("one.xml", $"""
            <config><devices><entry name="localhost.localdomain">
            <log-collector><entry name="009201002984"><deviceconfig><system><hostname>lc-east-1</hostname><ip-address>127.0.0.1</ip-address></system></deviceconfig></entry></log-collector>
            <log-collector-group><entry name="cg-east"><logfwd-setting>
              <collectors><member>009201002984</member></collectors>
              <devices><entry name="013201001001"><collectors><entry name="009201002984"/></collectors></entry></devices>
            </logfwd-setting></entry></log-collector-group>
            </entry></devices></config>
            """);
        directory.Write("firewalls.csv", "013201001001,fw-branch-7\n");
        var yaml = directory.Write("collectors.yaml", $$"""
            collectors:
              - {name: lc-east-1, address: 127.0.0.1, port: {{collector.Port}}, serial: "009201002984"}
            panorama: [{configFile: one.xml}]
            firewallNamesFile: firewalls.csv
            """);

        await using var exporter = ExporterProcess.Start(["--config", yaml]);
        var client = new HttpClient { BaseAddress = await exporter.ListeningAsync() };
        await Eventually.TrueAsync(async () => (await client.GetAsync("/-/ready")).IsSuccessStatusCode, "the collector probed");
        var metrics = await client.GetStringAsync("/metrics");
        var page = await client.GetStringAsync("/?group=013201001001");
        using var status = JsonDocument.Parse(await client.GetStringAsync("/api/v1/status"));

        Assert.Equal(1, Exposition.Value(metrics, "logcollector_info", Exposition.L("collector", "lc-east-1"), Exposition.L("address", "127.0.0.1"),
            Exposition.L("port", collector.Port.ToString(System.Globalization.CultureInfo.InvariantCulture)), Exposition.L("serial", "009201002984"),
            Exposition.L("ip", "127.0.0.1"), Exposition.L("hostname", "lc-east-1"), Exposition.L("collector_group", "cg-east")));
        Assert.Equal(1, Exposition.Value(metrics, "logcollector_group_info", Exposition.L("group", "013201001001"), Exposition.L("hostname", "fw-branch-7"),
            Exposition.L("collector_group", "cg-east")));
        Assert.Contains("<h2>013201001001 fw-branch-7 <span", page, StringComparison.Ordinal);
        Assert.Contains("collector group cg-east · ", page, StringComparison.Ordinal);
        Assert.Contains("<span class=\"small muted\">lc-east-1 · 009201002984 · collector group cg-east</span>", page, StringComparison.Ordinal);
        var group = status.RootElement.GetProperty("groups")[0];
        var member = status.RootElement.GetProperty("collectors")[0];
        Assert.Equal(("fw-branch-7", "cg-east"), (group.GetProperty("hostname").GetString(), group.GetProperty("collectorGroup").GetString()));
        Assert.Equal(("lc-east-1", "cg-east"), (member.GetProperty("hostname").GetString(), member.GetProperty("collectorGroup").GetString()));
    }

    /// <summary>A configuration importing one firewall listing one collector whose <c>deviceconfig/system</c> is <paramref name="system"/>.</summary>
    private string OneCollector(string system)
    {
        directory.Write("one.xml", $"""<config><devices><entry name="localhost.localdomain"><log-collector><entry name="009201000001"><deviceconfig><system>{system}</system></deviceconfig></entry></log-collector><log-collector-group><entry name="cg-1"><logfwd-setting><devices><entry name="013201000001"><collectors><entry name="009201000001"/></collectors></entry></devices></logfwd-setting></entry></log-collector-group></entry></devices></config>""");
        return "probe: {ipFamily: any}\npanorama: [{configFile: one.xml}]\n";
    }

    private ExporterConfig Load(string yaml) => Configs.Loader(directory.Write("collectors.yaml", yaml), []).Load();
}
