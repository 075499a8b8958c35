using System.Globalization;
using System.Text;

namespace LogCollectorExporter.Platform;

/// <summary>Durations written the Prometheus way (<c>1h30m</c>, <c>500ms</c>) or as .NET <c>hh:mm:ss</c>.</summary>
public static class Duration
{
    public const string Allowed = "a Prometheus duration such as 500ms, 5s, 1m or 1h30m, or hh:mm:ss";

    private static readonly (string Unit, TimeSpan Length)[] Units =
    [
        ("y", TimeSpan.FromDays(365)),
        ("w", TimeSpan.FromDays(7)),
        ("d", TimeSpan.FromDays(1)),
        ("h", TimeSpan.FromHours(1)),
        ("m", TimeSpan.FromMinutes(1)),
        ("s", TimeSpan.FromSeconds(1)),
        ("ms", TimeSpan.FromMilliseconds(1)),
    ];

    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        if (text.Contains(':', StringComparison.Ordinal))
        {
            return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out value);
        }

        return TryParsePrometheus(text, out value);
    }

    // Units must appear largest first and at most once each, as Prometheus requires.
    private static bool TryParsePrometheus(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        var position = 0;
        var nextUnit = 0;
        while (position < text.Length)
        {
            var digitsStart = position;
            while (position < text.Length && char.IsAsciiDigit(text[position]))
            {
                position++;
            }

            if (position == digitsStart || position - digitsStart > 9)
            {
                return false;
            }

            var number = long.Parse(text.AsSpan(digitsStart, position - digitsStart), CultureInfo.InvariantCulture);
            var unitStart = position;
            while (position < text.Length && char.IsAsciiLetterLower(text[position]))
            {
                position++;
            }

            var unit = text[unitStart..position];
            var index = Array.FindIndex(Units, nextUnit, u => u.Unit == unit);
            if (index < 0)
            {
                return false;
            }

            try
            {
                value = checked(value + (Units[index].Length * number));
            }
            catch (OverflowException)
            {
                return false;
            }

            nextUnit = index + 1;
        }

        return true;
    }

    /// <summary>Formats the way Prometheus prints durations: <c>1m30s</c>, <c>500ms</c>, <c>0s</c>.</summary>
    public static string Format(TimeSpan value)
    {
        if (value <= TimeSpan.Zero)
        {
            return value == TimeSpan.Zero ? "0s" : value.ToString("c", CultureInfo.InvariantCulture);
        }

        var text = new StringBuilder();
        var rest = value;
        foreach (var (unit, length) in Units)
        {
            var count = rest.Ticks / length.Ticks;
            if (count > 0)
            {
                text.Append(count.ToString(CultureInfo.InvariantCulture)).Append(unit);
                rest -= length * count;
            }
        }

        return rest == TimeSpan.Zero ? text.ToString() : value.ToString("c", CultureInfo.InvariantCulture);
    }
}
