using System.Globalization;
using System.Text;
using CsCheck;
using LogCollectorExporter.Configuration;

namespace LogCollectorExporter.Tests.Support;

/// <summary>
/// Generators of configuration input for property tests: files shaped like a configuration with good and hostile
/// values, the same files mutated (truncated, bytes flipped, lines duplicated), and inputs made to hurt a parser
/// (binary, deep nesting, alias bombs, very long names, huge numbers, duplicate keys).
/// </summary>
public static class ConfigInputs
{
    /// <summary>Name of the preference list file that generated configurations may refer to, beside the configuration.</summary>
    public const string ListFileName = "fw.txt";

    /// <summary>Name of the saved Panorama configuration that generated configurations may import, beside the configuration.</summary>
    public const string PanoramaFileName = "running-config.xml";

    private static readonly Gen<string> Huge = Gen.OneOf(
        Gen.Const("99999999999999999999999999999"), Gen.Const("-99999999999999999999"), Gen.Const("2147483648"), Gen.Const("-2147483649"),
        Gen.Const("1e309"), Gen.Const("-1e309"), Gen.Const("NaN"), Gen.Const(".inf"), Gen.Const("-.inf"), Gen.Const("0x7fffffff"), Gen.Const("1_000"),
        Gen.Const("9223372036854775807"), Gen.Const("4.9e-324"), Gen.Const(new string('9', 5000)));

    private static readonly Gen<string> Weird = Gen.OneOf(
        Gen.Const(""), Gen.Const(" "), Gen.Const("~"), Gen.Const("null"), Gen.Const("yes"), Gen.Const("no"), Gen.Const("on"), Gen.Const("true"),
        Gen.Const("\0"), Gen.Const("\u202e"), Gen.Const("\ud800"), Gen.Const("lc\n- x"), Gen.Const("'"), Gen.Const("\""), Gen.Const("&a"), Gen.Const("*a"),
        Gen.Const("!!binary AAAA"), Gen.Const("{a: b}"), Gen.Const("[1, 2]"), Gen.Const("/dev/zero"), Gen.Const("/proc/self/mem"), Gen.Const("/"),
        Gen.Const("../../../../etc/passwd"), Gen.Const("%"), Gen.Const("<script>"), Gen.Const("groups"), Gen.Const("::"), Gen.Const("-"),
        Gen.String[0, 40], Gen.String[Gen.Char.AlphaNumeric, 1000, 20_000]);

    private static readonly Gen<string> Durations = Gen.OneOf(
        Gen.Const("1s"), Gen.Const("500ms"), Gen.Const("1m"), Gen.Const("1h30m"), Gen.Const("00:00:01"), Gen.Const("0s"), Gen.Const("-1s"),
        Gen.Const("1000000y"), Gen.Const("999999999w"), Gen.Const("292y"), Gen.Const("50d"), Gen.Const("49d17h2m47s295ms"), Gen.Const("25h"),
        Gen.Const("10675199.02:48:05.4775807"), Gen.Const("-10675199.02:48:05.4775808"), Gen.Const("1ms1s"), Gen.Const("1.5s"), Gen.Const("1ns"),
        Gen.Int[0, 100_000].Select(n => n.ToString(CultureInfo.InvariantCulture) + "ms"),
        Gen.Int[0, 1000].Select(n => n.ToString(CultureInfo.InvariantCulture) + "s"));

    private static readonly Gen<string> Addresses = Gen.OneOf(
        Gen.Const("127.0.0.1"), Gen.Const("::1"), Gen.Const("10.10.10.224"), Gen.Const("lc.example"), Gen.Const("localhost"), Gen.Const("256.1.1.1"),
        Gen.Const("fe80::1%eth0"), Gen.Const("[::1]"), Gen.Const("a..b"), Gen.Const("-a.example"), Gen.Const(new string('a', 64) + ".example"),
        Gen.Const(string.Join('.', Enumerable.Repeat(new string('a', 63), 5))), Gen.Const("0"), Gen.Const("4294967295"), Gen.Const("1.2.3"),
        Gen.Int[0, 255].Select(n => $"127.0.0.{n}"));

    private static readonly Gen<string> Names = Gen.OneOf(
        Gen.String[Gen.Char["abc-_.:019"], 1, 12], Gen.Const("lc-1"), Gen.Const("lc-1"), Gen.Const("LC-1"), Gen.Const("cg east"), Gen.Const("ü"),
        Gen.String[Gen.Char.AlphaNumeric, 1000, 20_000]);

    /// <summary>Values for any key: good ones for it, and hostile ones.</summary>
    private static Gen<string> ValueFor(string key) => Gen.Frequency(
        (5, key.ToLowerInvariant() switch
        {
            "interval" or "timeout" or "refresh" => Durations,
            "mode" => Gen.OneOf(Gen.Const("handshake"), Gen.Const("hold"), Gen.Const("HOLD"), Gen.Const("fin")),
            "close" => Gen.OneOf(Gen.Const("fin"), Gen.Const("rst"), Gen.Const("RST"), Gen.Const("hold")),
            "ipfamily" => Gen.OneOf(Gen.Const("ip4"), Gen.Const("ip6"), Gen.Const("any"), Gen.Const("ipv4")),
            "sourceaddress" => Gen.OneOf(Gen.Const(""), Gen.Const("127.0.0.1"), Gen.Const("::1"), Gen.Const("10.0.0.300")),
            "failurethreshold" or "recoverythreshold" or "maxconcurrency" => Gen.OneOf(Gen.Int[-5, 100_005].Select(n => n.ToString(CultureInfo.InvariantCulture)), Huge),
            "port" => Gen.OneOf(Gen.Int[-1, 70_000].Select(n => n.ToString(CultureInfo.InvariantCulture)), Huge),
            "forwardtoall" => Gen.OneOf(Gen.Const("true"), Gen.Const("false"), Gen.Const("yes"), Gen.Const("True")),
            "failback" => Gen.OneOf(Gen.Const("immediate"), Gen.Const("sticky"), Gen.Const("never")),
            "address" => Addresses,
            "name" => Names,
            "serial" => Gen.OneOf(Gen.Const("009201002984"), Gen.Const("0"), Names),
            "preferencelistfile" => Gen.OneOf(Gen.Const(ListFileName), Gen.Const(ListFileName), Gen.Const("missing.txt"), Gen.Const("."),
                Gen.Const("/dev/zero"), Gen.Const("/dev/null"), Gen.Const("/proc/self/status"), Gen.Const(new string('x', 5000))),
            "configfile" => Gen.OneOf(Gen.Const(PanoramaFileName), Gen.Const(PanoramaFileName), Gen.Const(ListFileName), Gen.Const("missing.xml"),
                Gen.Const("/dev/zero"), Gen.Const("/dev/null")),
            "url" => Gen.OneOf(Gen.Const("https://panorama.example.net"), Gen.Const("https://127.0.0.1:8443/"), Gen.Const("http://panorama.example.net"),
                Gen.Const("https://user:secret@panorama.example.net"), Gen.Const("https://panorama.example.net/?key=secret"), Gen.Const("panorama")),
            "apikeyfile" or "cafile" => Gen.OneOf(Gen.Const("api-key"), Gen.Const(ListFileName), Gen.Const(PanoramaFileName), Gen.Const("/dev/zero")),
            "panoramaserial" => Gen.OneOf(Gen.Const("000710009999"), Names),
            _ => Weird,
        }),
        (1, Huge),
        (1, Weird));

    private static Gen<string> Key(IReadOnlyList<string> known) => Gen.Frequency(
        (12, Gen.OneOf([.. known.Select(Gen.Const)])),
        (2, Gen.OneOf([.. known.Select(Gen.Const)]).Select(k => k.ToUpperInvariant())),
        (1, Gen.OneOf([.. known.Select(Gen.Const)]).Select(k => k + "l")),
        (1, Gen.OneOf(Gen.Const(""), Gen.Const("a:b"), Gen.Const("<<"), Gen.Const("0"), Gen.Const("-1"), Gen.Const("__"), Gen.String[Gen.Char.AlphaNumeric, 1, 8])));

    private static Gen<Node> Entry(IReadOnlyList<string> known) =>
        Key(known).SelectMany(key => ValueFor(key).Select(value => (Node)new Pair(key, new Scalar(value))));

    private static readonly Gen<Node> Collector =
        Entry(CollectorConfig.Keys).Array[0, 5].Select(entries => (Node)new Map([.. entries.Cast<Pair>()]));

    // A group's collector: written inline, or a name of the catalogue's (or not).
    private static readonly Gen<Node> Member = Gen.Frequency((3, Collector), (2, Names.Select(name => (Node)new Scalar(name))));

    private static readonly Gen<Node> Group = Gen.Select(
        Entry([.. GroupConfig.Keys.Where(k => k != "collectors")]).Array[0, 4],
        Gen.Frequency((6, Member.Array[1, 6]), (1, Member.Array[0, 0]), (1, Member.Array[100, 400])),
        Gen.Bool,
        (entries, collectors, withCollectors) =>
        {
            List<Pair> pairs = [.. entries.Cast<Pair>()];
            if (withCollectors)
            {
                pairs.Add(new Pair("collectors", new Sequence([.. collectors])));
            }

            return (Node)new Map(pairs);
        });

    private static readonly Gen<Node> PanoramaSource = Gen.Select(
        Entry([.. Configuration.PanoramaSource.Keys.Where(k => k != "collectorGroups")]).Array[0, 5],
        Gen.Frequency((3, Gen.OneOf(Gen.Const("cg-east"), Gen.Const("cg-west"), Names)), (1, Weird)).Array[0, 3],
        Gen.Bool,
        (entries, collectorGroups, withGroups) =>
        {
            List<Pair> pairs = [.. entries.Cast<Pair>()];
            if (withGroups)
            {
                pairs.Add(new Pair("collectorGroups", new Sequence([.. collectorGroups.Select(name => (Node)new Scalar(name))])));
            }

            return (Node)new Map(pairs);
        });

    private static readonly Gen<Node> Probe =
        Entry(ProbeSettings.Keys).Array[0, 8].SelectMany(entries => Gen.Bool.SelectMany(withBuckets => Gen.Double[-1, 10].Array[0, 20].Select(buckets =>
        {
            List<Pair> pairs = [.. entries.Cast<Pair>()];
            if (withBuckets)
            {
                pairs.Add(new Pair("buckets", new Sequence([.. buckets.Select(b => (Node)new Scalar(b.ToString("R", CultureInfo.InvariantCulture)))])));
            }

            return (Node)new Map(pairs);
        })));

    private static readonly Gen<Node> Document = Gen.Select(Probe, Collector.Array[0, 6], Group.Array[0, 4], PanoramaSource.Array[1, 3], Gen.Int[0, 9], (probe, catalogue, groups, panorama, shape) =>
    {
        List<Pair> root = [];
        if (shape != 0)
        {
            root.Add(new Pair("probe", probe));
        }

        if (shape >= 5)
        {
            root.Add(new Pair("collectors", new Sequence([.. catalogue])));
        }

        if (shape != 1)
        {
            root.Add(new Pair("groups", new Sequence([.. groups])));
        }

        if (shape == 2)
        {
            // The same key twice, differing in case: keys are case-insensitive.
            root.Add(new Pair("Groups", new Sequence([.. groups])));
        }

        if (shape is 1 or 3 or 6 or 9)
        {
            root.Add(new Pair("panorama", new Sequence([.. panorama])));
        }

        return (Node)new Map(root);
    });

    /// <summary>A configuration file's text, rendered in block or flow style.</summary>
    public static readonly Gen<string> ShapedYaml = Gen.Select(Document, Gen.Bool, (document, flow) => Render(document, flow));

    /// <summary>
    /// A well-formed configuration of groups over collectors on 127.0.0.1, written inline in each group or once in the
    /// catalogue and named by the groups (in their own orders): the raw material of mutations.
    /// </summary>
    public static readonly Gen<string> ValidYaml = Gen.Select(Gen.Int[1, 8], Gen.Int[1, 3], Gen.Bool, Gen.Bool, (collectors, groups, hold, catalogue) =>
    {
        string Collector(int c) => $"{{name: lc-{c}, address: 127.0.0.{c + 1}, port: {3978 + c}, serial: \"00920100{c:D4}\"}}";
        var text = new StringBuilder($"probe:\n  interval: 1s\n  timeout: 500ms\n  mode: {(hold ? "hold" : "handshake")}\n");
        if (catalogue)
        {
            text.Append("collectors:\n").AppendJoin("", Enumerable.Range(0, collectors).Select(c => $"  - {Collector(c)}\n"));
        }

        text.Append("groups:\n");
        for (var g = 0; g < groups; g++)
        {
            text.Append(CultureInfo.InvariantCulture, $"  - name: g{g}\n    failback: sticky\n    collectors:\n");
            for (var i = 0; i < collectors; i++)
            {
                var c = (i + g) % collectors;
                text.Append(CultureInfo.InvariantCulture, $"      - {(catalogue ? $"lc-{c}" : Collector(c))}\n");
            }
        }

        return text.ToString();
    });

    /// <summary>Inputs made to hurt a YAML parser.</summary>
    public static readonly Gen<string> HostileYaml = Gen.OneOf(
        Gen.Int[1, 200_000].Select(depth => "groups: " + new string('[', depth) + new string(']', depth) + "\n"),
        Gen.Int[1, 200_000].Select(depth => "groups: " + string.Concat(Enumerable.Repeat("{a: ", depth)) + "b" + new string('}', depth) + "\n"),
        Gen.Int[1, 2_000].Select(depth => "probe:\n" + string.Concat(Enumerable.Range(1, depth).Select(i => new string(' ', i) + "a:\n"))),
        Gen.Int[1, 100_000].Select(depth => "groups:\n" + string.Concat(Enumerable.Range(0, depth).Select(i => "- ")) + "x\n"),
        Gen.Select(Gen.Int[2, 12], Gen.Int[2, 12], AliasBomb),
        Gen.Int[1000, 5_000].Select(count => "groups:\n  - name: g\n    collectors:\n" +
            string.Concat(Enumerable.Range(0, count).Select(i => $"      - {{name: c{i}, address: 127.0.0.1}}\n"))),
        Gen.Int[1000, 10_000].Select(count => "probe:\n" + string.Concat(Enumerable.Range(0, count).Select(_ => "  interval: 1s\n"))),
        Gen.Int[10_000, 1_000_000].Select(length => $"groups:\n  - name: g\n    collectors:\n      - {{name: {new string('n', length)}, address: 127.0.0.1}}\n"),
        Gen.Int[10, 5000].Select(count => "probe:\n  buckets: [" + string.Join(", ", Enumerable.Range(1, count)) + "]\ngroups: [{name: g, collectors: [{address: 127.0.0.1}]}]\n"),
        Gen.Const("%YAML 1.2\n---\ngroups: []\n---\ngroups: []\n...\n"),
        Gen.Const("!!python/object:os.system [\"true\"]\n"),
        Gen.Const("groups: !!binary |\n  R0lGODlhDAAMAIQAAP//9/X17unp5WZmZgAAAOfn515eXvPz7Y6OjuDg4J+fn5\n"),
        Gen.Const("\ufeffgroups: [{name: g, collectors: [{address: 127.0.0.1}]}]\n"),
        Gen.Const("groups: [{name: g, collectors: [{address: 127.0.0.1}]}]\0\0\0"),
        Gen.Const("? [a, b]\n: c\n"),
        Gen.Const("groups: &g [{name: g, collectors: *g}]\n"));

    /// <summary>Any bytes: mostly configuration-shaped, some mutated, some hostile, some binary.</summary>
    public static readonly Gen<byte[]> YamlBytes = Gen.Frequency(
        (4, ShapedYaml.Select(Utf8)),
        (6, Gen.Select(Gen.OneOf(ValidYaml, ShapedYaml), Gen.Int[1, 4], Gen.Long).Select((text, count, seed) => Mutate(Utf8(text), count, seed))),
        (1, HostileYaml.Select(Utf8)),
        (1, Gen.Byte.Array[0, 4096]),
        (1, Gen.String[0, 2000].Select(Utf8)));

    private static readonly Gen<string> Serials = Gen.OneOf(Gen.Const("009201002984"), Gen.Const("009201002985"), Gen.String[Gen.Char.AlphaNumeric, 1, 20], Gen.Const("x y"));

    private static readonly Gen<string> ListAddresses = Gen.OneOf(
        Gen.Const("unknown"), Gen.Const("UNKNOWN"), Gen.Const("10.10.10.224"), Gen.Const("2001:db8::e0"), Gen.Const("300.1.1.1"), Gen.Const("::ffff:1.2.3.4"),
        Gen.Const("fe80::1%eth0"), Gen.Const(""), Gen.Const("1.2.3.4.5"), Gen.Int[0, 255].Select(n => $"127.0.0.{n}"), Gen.String[0, 10]);

    private static readonly Gen<string> ListLine = Gen.Frequency(
        (30, Gen.Select(Serials, ListAddresses, ListAddresses, (serial, ip4, ip6) => $"Serial Number: {serial} IP Address: {ip4} IPV6 Address: {ip6}")),
        (10, Gen.OneOf(Gen.Const("Forward to all: No"), Gen.Const("Forward to all: Yes"), Gen.Const("Forward to all: maybe"), Gen.Const("forward TO ALL:yes"))),
        (10, Gen.OneOf(Gen.Const("Log collector Preference List"), Gen.Const(""), Gen.Const("   "), Gen.Const("admin@fw> show log-collector preference-list"))),
        (5, Gen.String[0, 80]),
        (1, Gen.OneOf(Gen.String[Gen.Char.AlphaNumeric, 10_000, 100_000], Gen.Const("Serial Number:"), Gen.Const("\0\0"),
            Gen.Const("Serial Number: " + new string(' ', 100_000) + "x"), Gen.Const(string.Concat(Enumerable.Repeat("Serial Number: a IP Address: ", 5_000))),
            Gen.Const(new string('>', 100_000) + " show"))));

    /// <summary>Text of a saved <c>show log-collector preference-list</c>, good, damaged or hostile.</summary>
    public static readonly Gen<string> PreferenceListText = Gen.Frequency(
        (6, Gen.Select(ListLine.Array[0, 30], Gen.OneOf(Gen.Const("\n"), Gen.Const("\r\n"), Gen.Const("\r"), Gen.Const("\u2028")), (lines, ending) => string.Join(ending, lines))),
        (3, Gen.Select(ListLine.Array[1, 30], Gen.Int[1, 4], Gen.Long, (lines, count, seed) =>
            Encoding.UTF8.GetString(Mutate(Utf8(string.Join("\n", lines)), count, seed)))),
        (1, Gen.Byte.Array[0, 4096].Select(bytes => Encoding.UTF8.GetString(bytes))),
        (1, Gen.Int[1_000, 20_000].Select(count => "Forward to all: No\n" +
            string.Concat(Enumerable.Range(0, count).Select(i => $"Serial Number: {i} IP Address: 10.0.{i / 250 % 256}.{i % 250} IPV6 Address: unknown\n")))));

    /// <summary>Applies <paramref name="count"/> random damages: truncation, byte flips, insertions, deletions, duplicated lines, nesting.</summary>
    public static byte[] Mutate(byte[] input, int count, long seed)
    {
        var random = new Random(unchecked((int)seed ^ (int)(seed >> 32)));
        var bytes = new List<byte>(input);
        for (var i = 0; i < count; i++)
        {
            var at = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
            switch (random.Next(8))
            {
                case 0:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 1 when bytes.Count > 0:
                    bytes[at] = (byte)random.Next(256);
                    break;
                case 2:
                    var noise = new byte[random.Next(1, 16)];
                    random.NextBytes(noise);
                    bytes.InsertRange(at, noise);
                    break;
                case 3:
                    bytes.RemoveRange(at, Math.Min(bytes.Count - at, random.Next(1, 64)));
                    break;
                case 4 when bytes.Count > 0:
                    var lineStart = bytes.LastIndexOf((byte)'\n', Math.Max(0, at - 1)) + 1;
                    var lineEnd = bytes.IndexOf((byte)'\n', at);
                    var line = bytes.GetRange(lineStart, (lineEnd < 0 ? bytes.Count : lineEnd + 1) - lineStart);
                    bytes.InsertRange(lineStart, line);
                    break;
                case 5:
                    bytes.InsertRange(at, Utf8(random.Next(2) == 0 ? new string('[', random.Next(1, 5000)) : "{" + new string(' ', random.Next(1, 8))));
                    break;
                case 6:
                    bytes.InsertRange(at, Utf8(random.Next(4) switch { 0 => "&a ", 1 => "*a", 2 => "\n  ", _ => ": " }));
                    break;
                default:
                    bytes.InsertRange(at, Utf8(random.Next(3) switch { 0 => "99999999999999999999", 1 => "\t", _ => "\"" }));
                    break;
            }
        }

        return [.. bytes];
    }

    private static string AliasBomb(int levels, int fanOut)
    {
        var text = new StringBuilder("a0: &a0 [x]\n");
        for (var level = 1; level < levels; level++)
        {
            text.Append(CultureInfo.InvariantCulture, $"a{level}: &a{level} [{string.Join(", ", Enumerable.Repeat($"*a{level - 1}", fanOut))}]\n");
        }

        return text.Append(CultureInfo.InvariantCulture, $"groups: [{{name: g, collectors: *a{levels - 1}}}]\n").ToString();
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static string Render(Node node, bool flow)
    {
        var text = new StringBuilder();
        if (flow)
        {
            RenderFlow(node, text);
            text.Append('\n');
        }
        else
        {
            RenderBlock(node, 0, text);
        }

        return text.ToString();
    }

    private static void RenderFlow(Node node, StringBuilder text)
    {
        switch (node)
        {
            case Scalar scalar:
                text.Append(Quote(scalar.Text));
                break;
            case Map map:
                text.Append('{').AppendJoin(", ", map.Entries.Select(e =>
                {
                    var inner = new StringBuilder(Quote(e.Key)).Append(": ");
                    RenderFlow(e.Value, inner);
                    return inner.ToString();
                })).Append('}');
                break;
            case Sequence sequence:
                text.Append('[').AppendJoin(", ", sequence.Items.Select(item =>
                {
                    var inner = new StringBuilder();
                    RenderFlow(item, inner);
                    return inner.ToString();
                })).Append(']');
                break;
        }
    }

    private static void RenderBlock(Node node, int indent, StringBuilder text)
    {
        var pad = new string(' ', indent);
        switch (node)
        {
            case Map map:
                foreach (var (key, value) in map.Entries)
                {
                    text.Append(pad).Append(Quote(key)).Append(':');
                    if (value is Scalar scalar)
                    {
                        text.Append(' ').Append(Quote(scalar.Text)).Append('\n');
                    }
                    else
                    {
                        text.Append('\n');
                        RenderBlock(value, indent + 2, text);
                    }
                }

                break;
            case Sequence sequence:
                foreach (var item in sequence.Items)
                {
                    text.Append(pad).Append("- ");
                    var inner = new StringBuilder();
                    RenderFlow(item, inner);
                    text.Append(inner).Append('\n');
                }

                break;
            case Scalar scalar:
                text.Append(pad).Append(Quote(scalar.Text)).Append('\n');
                break;
        }
    }

    /// <summary>A YAML double-quoted scalar, or the plain text when that reads back the same.</summary>
    private static string Quote(string value)
    {
        if (value.Length > 0 && value.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_' or '/') && !char.IsAsciiDigit(value[0]) && value[0] != '-')
        {
            return value;
        }

        var quoted = new StringBuilder("\"");
        foreach (var c in value)
        {
            quoted.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                _ when char.IsControl(c) || char.IsSurrogate(c) => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }

        return quoted.Append('"').ToString();
    }

    private abstract record Node;

    private sealed record Scalar(string Text) : Node;

    private sealed record Pair(string Key, Node Value) : Node;

    private sealed record Map(List<Pair> Entries) : Node;

    private sealed record Sequence(List<Node> Items) : Node;
}
