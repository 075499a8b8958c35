using System.ComponentModel.DataAnnotations;

namespace LogCollectorExporter.Configuration;

/// <summary>
/// How a failure of the generated validator carries the path of the setting it is about. The validator hands back
/// each failure as one string (prefixed with the member's name for the stock attributes); the member's display name,
/// which the validator builds as its path (<c>ExporterOptions.Groups[0].Collectors[2].Port</c>), goes between two
/// control characters, so that ConfigReader can name the source, the key path and the value instead.
/// </summary>
internal static class ValidationMessage
{
    /// <summary>Begins a stock attribute's ErrorMessage: <c>string.Format</c> puts the member's display name at <c>{0}</c>.</summary>
    public const string Path = "\u001e{0}\u001f";

    private const char PathStart = '\u001e';
    private const char PathEnd = '\u001f';

    // Begins a problem that is written whole, with the value as far as it may be shown, and must not be quoted.
    private const char NotQuoted = '\u001d';

    /// <summary>A failure of the member that <paramref name="context"/> validates.</summary>
    public static ValidationResult Fail(ValidationContext context, string problem) => new(PathStart + context.DisplayName + PathEnd + problem);

    /// <summary>
    /// A failure found by <see cref="IValidatableObject.Validate"/>, about <paramref name="member"/> of the object, or the
    /// object itself when null. The validator names the object's validation as a member of it (<c>….Probe.Validate</c>).
    /// </summary>
    public static ValidationResult Fail(ValidationContext context, string? member, string problem)
    {
        var owner = context.DisplayName[..^(context.MemberName!.Length + 1)];
        return new(PathStart + (member is null ? owner : $"{owner}.{member}") + PathEnd + problem);
    }

    /// <summary>A problem that says as much of the value as may be shown itself: the reader does not quote the value.</summary>
    public static string Unquoted(string problem) => NotQuoted + problem;

    /// <summary>The display path and the problem of a failure that <see cref="Path"/> or <see cref="Fail(ValidationContext, string)"/> wrote.</summary>
    /// <param name="quote">Whether the value as written goes before the problem (not after <see cref="Unquoted"/>).</param>
    public static bool TryRead(string failure, out string path, out string problem, out bool quote)
    {
        var start = failure.IndexOf(PathStart, StringComparison.Ordinal);
        var end = start < 0 ? -1 : failure.IndexOf(PathEnd, start + 1);
        (path, problem) = end < 0 ? ("", "") : (failure[(start + 1)..end], failure[(end + 1)..]);
        quote = !problem.StartsWith(NotQuoted);
        problem = problem.TrimStart(NotQuoted);
        return end >= 0;
    }
}
