using System.Globalization;
using System.Text;

namespace LogCollectorExporter.Configuration;

/// <summary>
/// The one place that shapes an error's text for wherever it goes (stderr, the log, the HTTP answers): one line, its
/// control and direction-changing characters escaped, of bounded length. Input decides what an error quotes (a 10 MB
/// value), so without a bound an error could be megabytes, copied into every answer and log line (README, "Errors").
/// </summary>
public static class ErrorText
{
    /// <summary>What one error may take: a key path, a file name and a quoted value, with room to spare.</summary>
    public const int MaxLine = 1000;

    /// <summary>What a message of every error of a configuration may take: some 16 long lines, or a hundred short ones.</summary>
    public const int MaxMessage = 16 * 1024;

    /// <summary>
    /// <paramref name="text"/> as one line of at most <see cref="MaxLine"/> characters: what is cut is said, and every
    /// character that could break a line, move the cursor or reverse the text is escaped.
    /// </summary>
    public static string Line(string text)
    {
        if (text.Length <= MaxLine && IsPrintable(text))
        {
            return text;
        }

        var line = new StringBuilder(Math.Min(text.Length, MaxLine));
        foreach (var rune in text.EnumerateRunes())
        {
            if (line.Length >= MaxLine - 40)
            {
                return line.Append(CultureInfo.InvariantCulture, $"… (cut: {text.Length:N0} characters)").ToString();
            }

            line.Append(IsPrintable(rune) ? rune.ToString() : string.Create(CultureInfo.InvariantCulture, $"\\u{rune.Value:X4}"));
        }

        return line.ToString();
    }

    /// <summary>
    /// Lines, one per error, joined under <paramref name="heading"/> until <see cref="MaxMessage"/>; the ones that do not
    /// fit are counted at the end.
    /// </summary>
    public static string Lines(string heading, IEnumerable<string> lines, int count)
    {
        var message = new StringBuilder(heading);
        var shown = 0;
        foreach (var line in lines)
        {
            if (message.Length + line.Length + 3 > MaxMessage - 100)
            {
                break;
            }

            message.Append(Environment.NewLine).Append("  ").Append(line);
            shown++;
        }

        if (shown < count)
        {
            message.Append(Environment.NewLine).Append(CultureInfo.InvariantCulture, $"  … and {count - shown:N0} more errors");
        }

        return message.ToString();
    }

    /// <summary>
    /// Whether text may be shown as it is: no control, format (such as a right-to-left override), line or paragraph
    /// separator, private or unassigned character, and no lone half of a surrogate pair. Names in the configuration
    /// must be (<see cref="CollectorDefinitions.Define"/>).
    /// </summary>
    public static bool IsPrintable(string text) =>
        !text.AsSpan().ContainsAnyExceptInRange(' ', '~') || text.EnumerateRunes().All(IsPrintable);

    private static bool IsPrintable(Rune rune) => Rune.GetUnicodeCategory(rune) switch
    {
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
            or UnicodeCategory.Surrogate or UnicodeCategory.OtherNotAssigned or UnicodeCategory.PrivateUse => false,
        _ => rune != Rune.ReplacementChar,
    };
}
