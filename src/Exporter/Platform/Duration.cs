using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace LogCollectorExporter.Platform;

/// <summary>Durations written the Prometheus way (<c>1h30m</c>, <c>500ms</c>) or as .NET <c>hh:mm:ss</c>.</summary>
public static partial class Duration
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

    private static bool TryParsePrometheus(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        var match = PrometheusDuration().Match(text);
        if (!match.Success)
        {
            return false;
        }

        try
        {
            for (var i = 0; i < Units.Length; i++)
            {
                if (match.Groups[i + 1] is { Success: true } number)
                {
                    value = checked(value + (Units[i].Length * long.Parse(number.ValueSpan, CultureInfo.InvariantCulture)));
                }
            }
        }
        catch (OverflowException)
        {
            return false;
        }

        return true;
    }

    // Prometheus's own pattern: a number for each unit of Units, at most once each and largest first.
    [GeneratedRegex(@"\A(?:([0-9]{1,9})y)?(?:([0-9]{1,9})w)?(?:([0-9]{1,9})d)?(?:([0-9]{1,9})h)?"
        + @"(?:([0-9]{1,9})m)?(?:([0-9]{1,9})s)?(?:([0-9]{1,9})ms)?\z")]
    private static partial Regex PrometheusDuration();

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
