using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace LogCollectorExporter.Configuration;

/// <summary>
/// Loads a YAML file into YamlDotNet's representation model within bounds no file can pass: nesting deep enough to
/// overflow the loader's stack (which no catch survives), an alias inside the node it names (an endless walk), and
/// aliases that expand to more nodes than any configuration has ("billion laughs"). The parser's events are counted as
/// the loader takes them, in neither recursion nor memory in proportion to the expanded document.
/// </summary>
public static class YamlGuard
{
    /// <summary>Scalars, sequences and mappings after aliases are expanded: some 200,000 collectors' worth.</summary>
    public const long MaxNodes = 1_000_000;

    /// <summary>The root of the file's first document; null when it has none, or an empty one.</summary>
    /// <param name="what">What the file is, for a message about its shape: <c>configuration</c>.</param>
    /// <exception cref="ConfigurationException">The file is not valid YAML, or passes a bound.</exception>
    public static YamlNode? Load(byte[] bytes, string file, string what, int maxDepth)
    {
        using var text = new StreamReader(new MemoryStream(bytes));
        var parser = new GuardedParser(new Parser(text), maxDepth);
        var stream = new YamlStream();
        try
        {
            stream.Load(parser);
        }
        catch (Bound e)
        {
            throw new ConfigurationException(file, $"is not a {what}: {At(e.Start)}: {e.Message}");
        }
        catch (YamlException e)
        {
            throw new ConfigurationException(file, $"is not valid YAML: {At(e.Start)}: {e.Message.Split("): ", 2)[^1]}");
        }
        catch (Exception e)
        {
            // The YAML reader fails on some malformed input (an alias where it takes none) with exceptions other than
            // its own (found by fuzzing): still a bad file, not a crash.
            throw new ConfigurationException(file, $"is not valid YAML: the YAML reader failed after {parser.Current?.End.ToString() ?? "the start"}: {e.Message}");
        }

        return stream.Documents.Count == 0 || YamlWalker.IsEmpty(stream.Documents[0].RootNode) ? null : stream.Documents[0].RootNode;
    }

    /// <summary>"line 3, column 7".</summary>
    public static string At(Mark mark) =>
        $"line {mark.Line.ToString(CultureInfo.InvariantCulture)}, column {mark.Column.ToString(CultureInfo.InvariantCulture)}";

    private sealed class Bound(Mark start, string problem) : Exception(problem)
    {
        public Mark Start { get; } = start;
    }

    private sealed class GuardedParser(IParser parser, int maxDepth) : IParser
    {
        private readonly Dictionary<string, long> anchors = new(StringComparer.Ordinal);
        private readonly Stack<(long Nodes, string? Anchor)> open = new();
        private long total;

        public ParsingEvent? Current => parser.Current;

        public bool MoveNext()
        {
            if (!parser.MoveNext())
            {
                return false;
            }

            var parsed = parser.Current!;
            switch (parsed)
            {
                case SequenceStart or MappingStart:
                    if (open.Count == maxDepth)
                    {
                        throw new Bound(parsed.Start, $"nesting is deeper than {maxDepth} levels");
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
                        throw new Bound(parsed.Start, $"the alias *{alias.Value.Value} is inside the node it names, which would make it endless");
                    }

                    // An alias to an unknown anchor is left for the loader to report, as it reports any syntax error.
                    Count(parsed, anchors.GetValueOrDefault(alias.Value.Value, 1), null);
                    break;
            }

            return true;
        }

        private void Count(ParsingEvent at, long nodes, string? anchor)
        {
            if (anchor is not null)
            {
                anchors[anchor] = nodes;
            }

            if (open.TryPop(out var inside))
            {
                open.Push((Math.Min(inside.Nodes + nodes, MaxNodes + 1), inside.Anchor));
            }

            total = Math.Min(total + nodes, MaxNodes + 1);
            if (total > MaxNodes)
            {
                throw new Bound(at.Start, $"the document has more than {MaxNodes.ToString("N0", CultureInfo.InvariantCulture)} values once its aliases (*name) are expanded");
            }
        }

        private static string? AnchorOf(NodeEvent node) => node.Anchor.IsEmpty ? null : node.Anchor.Value;
    }
}
