using System.Globalization;
using System.Text;

namespace LogCollectorExporter.Tests.Support;

/// <summary>Panorama configurations for the tests: the fixtures of Fixtures/Panorama, and estates made to measure.</summary>
public static class PanoramaConfigs
{
    /// <summary>
    /// A configuration importing Fixtures/Panorama/running-config.xml (saved as running-config.xml next to it) whole: the
    /// catalogue knows the collector whose address the fixture does not give; the fixture's local collector is Panorama's.
    /// </summary>
    public const string FixtureEstate = """
        probe: {ipFamily: any}
        collectors:
          - {name: lc-west-2, address: 192.0.2.232, serial: "009201003302"}
        panorama:
          - configFile: running-config.xml
            panoramaSerial: "000710009999"

        """;

    /// <summary>A fixture's text (Fixtures/Panorama/NAME).</summary>
    public static string Fixture(string name) => File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "Panorama", name));

    /// <summary>
    /// A saved Panorama configuration of <paramref name="firewalls"/> firewalls (serials 0132010xxxxx) in collector groups
    /// of 100, each listing <paramref name="perFirewall"/> of <paramref name="collectors"/> managed collectors (serials
    /// 0092010xxxxx on 127.0.0.x, or at the addresses given) in orders that differ from firewall to firewall;
    /// <paramref name="more"/> writes what else Panorama's entry holds after the collector groups.
    /// </summary>
    public static string Estate(int firewalls, int collectors, int perFirewall, Func<int, string>? address = null, Action<StringBuilder>? more = null)
    {
        address ??= i => $"127.0.0.{i + 1}";
        var xml = new StringBuilder("<?xml version=\"1.0\"?>\n<config version=\"10.2.0\" urldb=\"paloaltonetworks\">\n  <devices>\n    <entry name=\"localhost.localdomain\">\n");
        xml.Append("      <deviceconfig><system><hostname>panorama</hostname><ip-address>127.0.0.250</ip-address></system></deviceconfig>\n      <log-collector>\n");
        for (var c = 0; c < collectors; c++)
        {
            xml.Append(CultureInfo.InvariantCulture, $"        <entry name=\"{CollectorSerial(c)}\"><deviceconfig><system><hostname>lc-{c}</hostname><ip-address>{address(c)}</ip-address><netmask>255.0.0.0</netmask></system></deviceconfig></entry>\n");
        }

        xml.Append("      </log-collector>\n      <log-collector-group>\n");
        var random = new Random(7);
        var order = Enumerable.Range(0, collectors).ToArray();
        for (var f = 0; f < firewalls; f++)
        {
            if (f % 100 == 0)
            {
                xml.Append(CultureInfo.InvariantCulture, $"        {(f > 0 ? "</devices></logfwd-setting></entry>\n        " : "")}<entry name=\"cg-{f / 100}\"><logfwd-setting><devices>\n");
            }

            random.Shuffle(order);
            xml.Append(CultureInfo.InvariantCulture, $"          <entry name=\"{FirewallSerial(f)}\"><collectors>{string.Concat(order.Take(perFirewall).Select(c => $"<entry name=\"{CollectorSerial(c)}\"/>"))}</collectors></entry>\n");
        }

        xml.Append(firewalls > 0 ? "        </devices></logfwd-setting></entry>\n" : "").Append("      </log-collector-group>\n");
        more?.Invoke(xml);
        return xml.Append("    </entry>\n  </devices>\n</config>\n").ToString();
    }

    public static string FirewallSerial(int i) => string.Create(CultureInfo.InvariantCulture, $"0132010{i:D5}");

    public static string CollectorSerial(int i) => string.Create(CultureInfo.InvariantCulture, $"0092010{i:D5}");
}
