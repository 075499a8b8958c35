using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using System.Xml;
using LogCollectorExporter.Configuration;

namespace LogCollectorExporter.Panorama;

/// <summary>
/// Reads the parts of a Panorama configuration that hold the preference lists, a stream at a time: a saved configuration
/// (<c>&lt;config&gt;</c>, from <c>show config running</c> or an exported snapshot) or the XML API's answer to
/// <c>type=config&amp;action=show</c> (<c>&lt;response&gt;</c>). Everything else is skipped unread, so a configuration of
/// thousands of firewalls costs what its preference lists cost, not what the file weighs. No DTD, no entity, no
/// external resource is processed.
/// </summary>
/// <remarks>
/// Where the data is (from the vendor's own parser, PaloAltoNetworks/pan-os-php <c>LogCollectorGroup</c>, and public
/// scripts that set it through the XML API), under <c>/config/devices/entry[@name='localhost.localdomain']</c>:
/// <c>log-collector-group/entry[@name=GROUP]/logfwd-setting/devices/entry[@name=FIREWALL]/collectors/entry[@name=COLLECTOR]</c>
/// in priority order, <c>log-collector-group/entry[@name=GROUP]/logfwd-setting/collectors</c> for its members,
/// <c>log-collector/entry[@name=SERIAL]/deviceconfig/system</c> for the managed collectors, and
/// <c>deviceconfig/system</c> for Panorama itself.
/// </remarks>
public static partial class PanoramaXml
{
    public const string PanoramaEntry = "localhost.localdomain";

    private const string PanoramaXpath = $"/config/devices/entry[@name='{PanoramaEntry}']";

    /// <summary>The xpath of what holds the preference lists.</summary>
    public const string CollectorGroupsXpath = $"{PanoramaXpath}/log-collector-group";

    public const string CollectorsXpath = $"{PanoramaXpath}/log-collector";

    public const string SystemXpath = $"{PanoramaXpath}/deviceconfig/system";

    private const int MaxMessageLength = 300;

    /// <summary>The longest IPv6 address written out with a prefix length, and more.</summary>
    private const int MaxAddressLength = 100;

    /// <summary>A DNS name's length: PAN-OS hostnames are shorter, and serials are 12 digits.</summary>
    private const int MaxNameLength = 255;

    private const int MaxFlagLength = 16;

    private static readonly XmlReaderSettings Settings = new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        MaxCharactersFromEntities = 0,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        IgnoreWhitespace = true,
        CloseInput = false,
    };

    /// <summary>Reads one document into <paramref name="into"/>, and returns it.</summary>
    /// <param name="where">The file or the request, for messages.</param>
    /// <exception cref="ConfigurationException">The XML is malformed, is not a Panorama configuration, or is an error answer.</exception>
    public static PanoramaContentBuilder Read(Stream stream, string where, PanoramaContentBuilder into)
    {
        try
        {
            using var reader = XmlReader.Create(new XmlShape(stream, where), Settings);
            reader.MoveToContent();
            var document = new Document(reader, where, into);
            Action read = reader.LocalName switch
            {
                "config" => document.Configuration,
                "response" => document.Response,
                _ => throw document.Error($"the root element is <{reader.LocalName}>; a Panorama configuration is <config> (saved) or <response> (an XML API answer)"),
            };
            read();
            return into;
        }
        catch (XmlException e)
        {
            throw new ConfigurationException(where, $"is not valid XML: {e.Message}");
        }
    }

    [GeneratedRegex("^eth[0-9]+$")]
    private static partial Regex EthernetName();

    private sealed class Document(XmlReader reader, string where, PanoramaContentBuilder into)
    {
        private readonly IXmlLineInfo lines = (IXmlLineInfo)reader;

        public void Configuration()
        {
            var sawPanorama = false;
            Under("devices", () => Children(name => name != "entry" || reader.GetAttribute("name") != PanoramaEntry ? null : () =>
            {
                sawPanorama = true;
                Children(PanoramaPart);
            }));
            if (!sawPanorama)
            {
                throw new ConfigurationException(where, $"has no /config/devices/entry[@name='{PanoramaEntry}']: it is not a Panorama configuration");
            }
        }

        public void Response()
        {
            var status = reader.GetAttribute("status");
            if (status != "success")
            {
                var code = reader.GetAttribute("code");
                throw new ConfigurationException(where, $"Panorama answered status \"{status}\"{(code is null ? "" : $" (code {code})")}: {Text()}");
            }

            // Answers name the node asked for; "system" is deviceconfig/system.
            Under("result", () => Children(name => name == "system" ? () => into.Panorama = System() : PanoramaPart(name)));
        }

        public ConfigurationException Error(string problem) => Error(lines.LineNumber, problem);

        private ConfigurationException Error(int line, string problem) => new(where, $"line {line.ToString(CultureInfo.InvariantCulture)}: {problem}");

        /// <summary>A child of Panorama's own entry (or of an answer's result).</summary>
        private Action? PanoramaPart(string name) => name switch
        {
            "log-collector-group" => () => Entries(name, CollectorGroup),
            "log-collector" => () => Entries(name, ManagedCollector),
            "deviceconfig" => () => Under("system", () => into.Panorama = System()),
            _ => null,
        };

        private void CollectorGroup(string name, int line)
        {
            var firewalls = new List<PanoramaFirewall>();
            var members = new List<string>();
            var logForwarding = false;
            Under("logfwd-setting", () => Children(part => part switch
            {
                "devices" => () =>
                {
                    logForwarding = true;
                    Entries($"log-collector-group entry \"{name}\" logfwd-setting/devices", (serial, at) => firewalls.Add(Firewall(serial, at)));
                },
                "collectors" => () => Serials($"the collectors of collector group {name}", members),
                _ => null,
            }));
            into.CollectorGroups.Add(new PanoramaCollectorGroup(name, logForwarding, firewalls, members));
        }

        private PanoramaFirewall Firewall(string serial, int line)
        {
            var collectors = new List<string>();
            Under("collectors", () => Serials($"the preference list of firewall {serial}", collectors));
            return new PanoramaFirewall(into.Intern(serial), collectors, line);
        }

        private void ManagedCollector(string serial, int line)
        {
            var system = SystemSettings.None;
            Under("deviceconfig/system", () => system = System());
            into.Collectors[into.Intern(serial)] = new ManagedCollector(system, line);
        }

        /// <summary>
        /// A list of collectors by serial: <c>&lt;entry name="SERIAL"/&gt;</c>, as preference lists are written, or
        /// <c>&lt;member&gt;SERIAL&lt;/member&gt;</c>, as a collector group's members are; each list has been seen in
        /// both forms, so either is read.
        /// </summary>
        private void Serials(string list, List<string> serials) => Children(name => name switch
        {
            "entry" => () => Entry(list, (serial, _) =>
            {
                serials.Add(into.Intern(serial));
                reader.Skip();
            }),
            "member" => () =>
            {
                var text = Value(MaxNameLength, name).Text;
                serials.Add(text.Length > 0 ? into.Intern(text) : throw Error($"a <member> of {list} is empty"));
            },
            _ => null,
        });

        /// <summary>
        /// A <c>deviceconfig/system</c>: the management interface's settings (directly under it), each Ethernet
        /// interface's (<c>eth1</c>…, inferred shape: <see cref="SystemSettings"/>), and the <c>hostname</c>.
        /// </summary>
        private SystemSettings System()
        {
            var hostname = "";
            var interfaces = new List<CollectorInterface>();
            var management = Interface(SystemSettings.Management, collectsUnlessDisabled: true, name => name switch
            {
                "hostname" => () => hostname = Hostname(),

                // An Ethernet interface collects logs only when its flag says so: the GUI leaves it off.
                _ when EthernetName().IsMatch(name) => () => interfaces.Add(Interface(name, collectsUnlessDisabled: false)),
                _ => null,
            });
            return new SystemSettings([management, .. interfaces], hostname);
        }

        /// <summary>
        /// The interface whose settings are the current element's children: <c>ip-address</c>, <c>ipv6-address</c> and
        /// <c>service/disable-device-log-collection</c>; <paramref name="other"/> reads any other child it knows.
        /// </summary>
        private CollectorInterface Interface(string name, bool collectsUnlessDisabled, Func<string, Action?>? other = null)
        {
            string? ip4 = null, ip6 = null;
            var collects = collectsUnlessDisabled;
            Children(element => element switch
            {
                "ip-address" => () => ip4 = IpAddress(element, AddressFamily.InterNetwork),
                "ipv6-address" => () => ip6 = IpAddress(element, AddressFamily.InterNetworkV6),
                "service" => () => Under("disable-device-log-collection", () => collects = Collects(collectsUnlessDisabled)),
                _ => other?.Invoke(element),
            });
            return new CollectorInterface(name, new ManagementAddress(ip4, ip6), collects);
        }

        /// <summary>What a <c>disable-device-log-collection</c> flag, PAN-OS's <c>yes</c> or <c>no</c>, says of collecting logs.</summary>
        private bool Collects(bool unlessDisabled)
        {
            var (text, line) = Value(MaxFlagLength, "disable-device-log-collection");
            return text switch
            {
                "" => unlessDisabled,
                "yes" => false,
                "no" => true,
                _ => throw Error(line, $"<disable-device-log-collection> is \"{text}\"; PAN-OS writes yes or no"),
            };
        }

        private string Hostname()
        {
            var (text, line) = Value(MaxNameLength, "hostname");
            return ErrorText.IsPrintable(text)
                ? into.Intern(text)
                : throw Error(line, "<hostname> has a control or format character; a hostname is shown in the log, on the status page and in /metrics");
        }

        private string? IpAddress(string element, AddressFamily family)
        {
            var (text, line) = Value(MaxAddressLength, element);

            // An interface's IPv6 address may carry its prefix length (2001:db8::10/64): the address is before it.
            var address = family == AddressFamily.InterNetworkV6 && text.IndexOf('/', StringComparison.Ordinal) is var slash and > 0 ? text[..slash] : text;
            return text.Length == 0 ? null : Setting.IpAddress(address, family)?.ToString()
                ?? throw Error(line, $"<{element}> \"{text}\" is not an {(family == AddressFamily.InterNetwork ? "IPv4" : "IPv6")} address");
        }

        /// <summary>Reads each <c>entry</c> child with its name; anything else in the list is skipped.</summary>
        private void Entries(string list, Action<string, int> read) => Children(name => name == "entry" ? () => Entry(list, read) : null);

        /// <summary>Reads the current <c>entry</c> with its name, which it must have, and its line.</summary>
        private void Entry(string list, Action<string, int> read)
        {
            var line = lines.LineNumber;
            var name = reader.GetAttribute("name")?.Trim();
            read(string.IsNullOrEmpty(name) ? throw Error($"an <entry> of {list} has no name") : name, line);
        }

        /// <summary>Reads the elements at <paramref name="path"/> below the current one (<c>deviceconfig/system</c>) with <paramref name="read"/>.</summary>
        private void Under(string path, Action read)
        {
            var slash = path.IndexOf('/', StringComparison.Ordinal);
            var (first, rest) = slash < 0 ? (path, null) : (path[..slash], path[(slash + 1)..]);
            Children(name => name != first ? null : rest is null ? read : () => Under(rest, read));
        }

        /// <summary>
        /// Reads each child element of the current one with what <paramref name="read"/> gives for its name, which must
        /// read it whole, or skips it when that is null; leaves the reader after the current element's end.
        /// </summary>
        private void Children(Func<string, Action?> read)
        {
            var (depth, empty) = (reader.Depth, reader.IsEmptyElement);
            reader.Read();
            while (reader.Depth > depth)
            {
                // Skip reads past any other node: the text beside the elements.
                if (reader.NodeType == XmlNodeType.Element && read(reader.LocalName) is { } child)
                {
                    child();
                }
                else
                {
                    reader.Skip();
                }
            }

            if (!empty)
            {
                reader.Read();
            }
        }

        /// <summary>The text inside the current element (an error answer's message), at most a few hundred characters.</summary>
        private string Text()
        {
            var text = new StringBuilder();
            var depth = reader.Depth;
            while (reader.Read() && reader.Depth > depth && text.Length < MaxMessageLength)
            {
                if (reader.NodeType is XmlNodeType.Text or XmlNodeType.CDATA)
                {
                    text.Append(text.Length > 0 ? " " : "");
                    AppendValue(text, MaxMessageLength);
                }
            }

            return text.Length == 0 ? "(no message)" : text.ToString(0, Math.Min(text.Length, MaxMessageLength)).Trim();
        }

        /// <summary>
        /// The trimmed text of an element that holds text only (an address, a hostname), refused when longer than
        /// <paramref name="max"/>, and the line it starts on.
        /// </summary>
        private (string Text, int Line) Value(int max, string element)
        {
            var (text, line, depth, empty) = (new StringBuilder(), lines.LineNumber, reader.Depth, reader.IsEmptyElement);
            while (reader.Read() && reader.Depth > depth)
            {
                if (reader.NodeType == XmlNodeType.Element)
                {
                    throw Error($"<{element}> holds an element; it holds text");
                }

                if ((reader.NodeType is XmlNodeType.Text or XmlNodeType.CDATA or XmlNodeType.SignificantWhitespace) && !AppendValue(text, max))
                {
                    throw Error($"<{element}> is longer than {max} characters, more than any it holds");
                }
            }

            if (!empty)
            {
                reader.Read();
            }

            return (text.ToString().Trim(), line);
        }

        /// <summary>
        /// Appends the current text node a chunk at a time, so that no more of it than <paramref name="max"/> characters
        /// is ever held (the reader would otherwise make a string of all of it); false when it is longer.
        /// </summary>
        private bool AppendValue(StringBuilder text, int max)
        {
            var buffer = new char[256];
            int read;
            while ((read = reader.ReadValueChunk(buffer, 0, buffer.Length)) > 0)
            {
                if (text.Length + read > max)
                {
                    text.Append(buffer, 0, max - text.Length);
                    return false;
                }

                text.Append(buffer, 0, read);
            }

            return true;
        }
    }
}

/// <summary>Collects what <see cref="PanoramaXml.Read"/> finds in one or more documents (a file, or the answers of one fetch).</summary>
public sealed class PanoramaContentBuilder
{
    private readonly Dictionary<string, string> strings = new(StringComparer.Ordinal);

    internal List<PanoramaCollectorGroup> CollectorGroups { get; } = [];

    internal Dictionary<string, ManagedCollector> Collectors { get; } = new(StringComparer.Ordinal);

    internal SystemSettings Panorama { get; set; } = SystemSettings.None;

    public PanoramaContent Build() => new(CollectorGroups, Collectors, Panorama);

    /// <summary>One string per serial: thousands of preference lists name the same few collectors.</summary>
    internal string Intern(string text) => CollectionsMarshal.GetValueRefOrAddDefault(strings, text, out _) ??= text;
}
