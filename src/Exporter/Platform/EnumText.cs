using System.Text.Json;

namespace LogCollectorExporter.Platform;

/// <summary>
/// How the exporter writes and reads its enums everywhere (configuration, status, logs, metric labels): lower case,
/// words joined by an underscore (<c>FirstChoice</c> is <c>first_choice</c>, <c>Ip4</c> is <c>ip4</c>).
/// </summary>
public static class EnumText
{
    public static string Of<T>(T value)
        where T : struct, Enum => Texts<T>.ByValue.TryGetValue(value, out var text) ? text : Write(value);

    /// <summary>Every value's text, for messages that say what is allowed.</summary>
    public static IEnumerable<string> All<T>()
        where T : struct, Enum => Enum.GetValues<T>().Select(Of);

    /// <summary>The value written as <paramref name="text"/>, in any case.</summary>
    public static bool TryParse<T>(string text, out T value)
        where T : struct, Enum
    {
        (value, var written) = Texts<T>.ByValue.FirstOrDefault(known => known.Value.Equals(text.Trim(), StringComparison.OrdinalIgnoreCase));
        return written is not null;
    }

    private static string Write<T>(T value)
        where T : struct, Enum => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

    // Written once per value: the status and the logs write them for every collector and group, the metrics for every probe.
    private static class Texts<T>
        where T : struct, Enum
    {
        public static readonly Dictionary<T, string> ByValue = Enum.GetValues<T>().Distinct().ToDictionary(v => v, Write);
    }
}
