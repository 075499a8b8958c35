using System.Globalization;
using LogCollectorExporter.Configuration;

namespace LogCollectorExporter.Panorama;

/// <summary>
/// Stops XML whose shape would cost memory in proportion to its size before .NET's XML reader takes it in: nesting
/// deeper than <see cref="MaxDepth"/> (the reader keeps every open element), and a tag, comment, declaration or
/// processing instruction longer than <see cref="MaxMarkup"/> (the reader holds a whole tag, every attribute with its
/// name and value, at many times its size). Text between tags, which the reader skips a buffer at a time, may be as
/// long as the file. Reads the bytes as they pass, for both Panorama paths (a saved configuration and an XML API
/// answer), so a deep nesting is refused as it passes the bound, not after gigabytes of memory.
/// </summary>
/// <remarks>
/// A Panorama configuration nests some 30 elements deep (a template's interface settings) and its tags are a name
/// with a few attributes (<c>&lt;entry name="…" uuid="…"&gt;</c>), so the bounds are far from what a configuration has.
/// </remarks>
internal sealed class XmlShape(Stream inner, string where) : BoundedStream(inner)
{
    public const int MaxDepth = 128;

    /// <summary>One tag with its attributes, from its <c>&lt;</c> to its <c>&gt;</c>.</summary>
    public const int MaxMarkup = 16 * 1024;

    private State state = State.Text;
    private State tagState;
    private byte quote;
    private int depth;
    private int markupLength;
    private int line = 1;
    private byte previous;
    private byte beforePrevious;

    private enum State
    {
        Text,
        Open,
        StartTag,
        EndTag,
        Quoted,
        Bang,
        Comment,
        CData,
        Declaration,
        Instruction,
    }

    protected override void Consumed(ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes)
        {
            line += b == (byte)'\n' ? 1 : 0;
            if (state != State.Text && state != State.CData && ++markupLength > MaxMarkup)
            {
                throw Refuse($"a tag longer than {MaxMarkup / 1024} KiB, which no Panorama configuration has");
            }

            Step(b);
            (beforePrevious, previous) = (previous, b);
        }
    }

    private void Step(byte b)
    {
        switch (state)
        {
            case State.Text when b == (byte)'<':
                (state, markupLength) = (State.Open, 1);
                break;
            case State.Open:
                state = b switch
                {
                    (byte)'/' => State.EndTag,
                    (byte)'!' => State.Bang,
                    (byte)'?' => State.Instruction,
                    _ => State.StartTag,
                };
                break;
            case State.StartTag or State.EndTag when b is (byte)'"' or (byte)'\'':
                (tagState, state, quote) = (state, State.Quoted, b);
                break;
            case State.StartTag when b == (byte)'>':
                // A start tag that ends in "/>" opens no element.
                if (previous != (byte)'/' && ++depth > MaxDepth)
                {
                    throw Refuse($"elements nested more than {MaxDepth} deep, which no Panorama configuration is");
                }

                state = State.Text;
                break;
            case State.EndTag when b == (byte)'>':
                depth--;
                state = State.Text;
                break;
            case State.Quoted when b == quote:
                state = tagState;
                break;
            case State.Bang:
                // <!-- a comment, <![CDATA[ text, or a declaration such as <!DOCTYPE (which the reader refuses).
                state = b == (byte)'-' ? State.Comment : b == (byte)'[' ? State.CData : State.Declaration;
                break;
            case State.Comment when b == (byte)'>' && previous == (byte)'-' && beforePrevious == (byte)'-':
            case State.CData when b == (byte)'>' && previous == (byte)']' && beforePrevious == (byte)']':
            case State.Instruction when b == (byte)'>' && previous == (byte)'?':
            case State.Declaration when b == (byte)'>':
                state = State.Text;
                break;
        }
    }

    private ConfigurationException Refuse(string problem) =>
        new(where, $"line {line.ToString(CultureInfo.InvariantCulture)}: is not a Panorama configuration: {problem}");
}
