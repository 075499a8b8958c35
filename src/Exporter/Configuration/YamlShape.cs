using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace LogCollectorExporter.Configuration;

/// <summary>
/// Rejects YAML that the configuration reader cannot take, before it reads it: a document that is not a mapping of
/// settings (the reader would throw an unexpected exception), nesting so deep that the reader's recursion would
/// overflow the stack (which no catch survives), and aliases that expand to more nodes than any configuration has
/// (a "billion laughs" document would take forever and all memory). Walks the parser's events, which takes neither
/// recursion nor memory in proportion to the expanded document.
/// </summary>
public static class YamlShape
{
    /// <summary>A configuration nests five levels deep (groups, a group, its collectors, a collector); this leaves room for mistakes.</summary>
    public const int MaxDepth = 64;

    /// <summary>Scalars, sequences and mappings after aliases are expanded: some 200,000 collectors' worth.</summary>
    public const long MaxNodes = 1_000_000;

    /// <exception cref="ConfigurationException">The document is not a mapping, nests too deep or expands too far.</exception>
    public static void Check(byte[] bytes, string file)
    {
        using var reader = new StreamReader(new MemoryStream(bytes));
        var parser = new Parser(reader);
        var anchors = new Dictionary<string, long>(StringComparer.Ordinal);
        var open = new Stack<(long Nodes, string? Anchor)>();
        long total = 0;
        try
        {
            while (parser.MoveNext())
            {
                var parsed = parser.Current!;
                if (open.Count == 0 && parsed is NodeEvent and not MappingStart)
                {
                    throw Fail(file, parsed, $"the document is a {(parsed is SequenceStart ? "list" : "single value")}; it must be a mapping of settings (probe:, groups:)");
                }

                switch (parsed)
                {
                    case SequenceStart or MappingStart:
                        if (open.Count == MaxDepth)
                        {
                            throw Fail(file, parsed, $"nesting is deeper than {MaxDepth} levels");
                        }

                        open.Push((0, AnchorOf((NodeEvent)parsed)));
                        break;
                    case SequenceEnd or MappingEnd:
                        var (nodes, anchor) = open.Pop();
                        Count(parsed, nodes + 1, anchor);
                        break;
                    case Scalar scalar:
                        Count(parsed, 1, AnchorOf(scalar));
                        break;
                    case AnchorAlias alias:
                        if (open.Any(o => o.Anchor == alias.Value.Value))
                        {
                            throw Fail(file, parsed, $"the alias *{alias.Value.Value} is inside the node it names, which would make it endless");
                        }

                        // An alias to an unknown anchor is left for the YAML reader to report, as it reports any syntax error.
                        Count(parsed, anchors.GetValueOrDefault(alias.Value.Value, 1), null);
                        break;
                }
            }
        }
        catch (YamlException)
        {
            // Not valid YAML: the configuration reader says where and why.
        }
        catch (Exception e) when (e is not ConfigurationException)
        {
            // The YAML reader fails on some input with exceptions other than its own (found by fuzzing); the
            // configuration reader uses the same one, so the file is rejected here.
            throw new ConfigurationException(file, $"is not valid YAML: the YAML reader failed after {parser.Current?.End.ToString() ?? "the start"}: {e.Message}");
        }

        void Count(ParsingEvent at, long nodes, string? anchor)
        {
            if (anchor is not null)
            {
                anchors[anchor] = nodes;
            }

            if (open.Count > 0)
            {
                var (inside, openAnchor) = open.Pop();
                open.Push((Math.Min(inside + nodes, MaxNodes + 1), openAnchor));
            }

            total = Math.Min(total + nodes, MaxNodes + 1);
            if (total > MaxNodes)
            {
                throw Fail(file, at, $"the document has more than {MaxNodes.ToString("N0", CultureInfo.InvariantCulture)} values once its aliases (*name) are expanded");
            }
        }
    }

    private static string? AnchorOf(NodeEvent node) => node.Anchor.IsEmpty ? null : node.Anchor.Value;

    private static ConfigurationException Fail(string file, ParsingEvent at, string problem) =>
        new(file, $"is not a configuration: line {at.Start.Line.ToString(CultureInfo.InvariantCulture)}, column {at.Start.Column.ToString(CultureInfo.InvariantCulture)}: {problem}");
}
