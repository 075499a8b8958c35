using System.Globalization;
using System.Net;
using LogCollectorExporter.Platform;
using YamlDotNet.RepresentationModel;

namespace LogCollectorExporter.Configuration;

/// <summary>
/// A mapping of the settings file (<c>probe:</c>, a group, a collector), read a setting a line: its key, default,
/// conversion and rule (<see cref="ProbeSettings.Read"/>). A value that is not written, or does not convert, gives the
/// default: the error is recorded, and the rules across settings still run to find what else is wrong.
/// </summary>
/// <remarks>
/// A section's keys are the keys its Read reads: <see cref="KeysOf"/> runs it once on nothing to learn them, so a key
/// not read is unknown. A Read must therefore read every key of its section every time, before any rule.
/// </remarks>
internal sealed class Section
{
    private static readonly TimeSpan LongestDuration = TimeSpan.FromHours(24);

    private readonly YamlWalker walker;
    private readonly Dictionary<string, YamlNode> values;
    private readonly List<string>? learned;
    private readonly IReadOnlyList<string> keys;
    private readonly HashSet<string> failed = [];

    private Section(YamlWalker walker, string path, Dictionary<string, YamlNode> values, IReadOnlyList<string> keys, List<string>? learned) =>
        (this.walker, Path, this.values, this.keys, this.learned) = (walker, path, values, keys, learned);

    public string Path { get; }

    private string At(string key) => Path.Length == 0 ? key : $"{Path}.{key}";

    /// <summary>The keys <paramref name="read"/> reads, in order, run on nothing: what it says is wrong goes nowhere.</summary>
    public static IReadOnlyList<string> KeysOf(Action<Section> read)
    {
        var learned = new List<string>();
        read(new Section(new YamlWalker("", new ConfigErrors(), StringComparer.Ordinal), "", [], learned, learned));
        return learned;
    }

    /// <summary>The settings written at <paramref name="node"/>: a key not among <paramref name="keys"/>, or a value that is not a mapping, is an error.</summary>
    public static Section Open(YamlWalker walker, YamlNode? node, string path, IReadOnlyList<string> keys) =>
        new(walker, path, walker.Entries(node, path, keys).ToDictionary(e => e.Key, e => e.Value), keys, null);

    public Section Nested(string key, IReadOnlyList<string> nested) => Open(walker, Node(key), At(key), nested);

    public YamlNode? Node(string key)
    {
        if (learned is not null)
        {
            if (!learned.Contains(key, StringComparer.Ordinal))
            {
                learned.Add(key);
            }
        }
        else if (!keys.Contains(key, StringComparer.Ordinal))
        {
            throw new InvalidOperationException($"{At(key)} is read only sometimes: a section reads every key every time (Section.KeysOf)");
        }

        return values.GetValueOrDefault(key);
    }

    /// <summary>The text written at <paramref name="key"/>, trimmed; null when none is (or "").</summary>
    public string? Text(string key) => walker.Text(Node(key), At(key))?.Trim() is { Length: > 0 } text ? text : null;

    public IEnumerable<(string Path, YamlNode Item)> Items(string key) => walker.Items(Node(key), At(key));

    /// <summary>Whether <paramref name="key"/> was written but did not read: the rules across settings do not compare it.</summary>
    public bool Failed(string key) => failed.Contains(key);

    /// <summary>An error about <paramref name="key"/>, quoting the value written there, when there is one.</summary>
    public void Error(string key, string problem, bool quote = true)
    {
        failed.Add(key);
        var node = values.GetValueOrDefault(key);
        walker.Error(node, At(key), quote && node is YamlScalarNode { Value: { } value } && !string.IsNullOrWhiteSpace(value) ? $"\"{value}\" {problem}" : problem);
    }

    public void Error(string problem) => walker.Error(null, Path, problem);

    public void Error(YamlNode item, string path, string problem) => walker.Error(item, path, problem);

    /// <summary>
    /// The rule of a schedule: its <c>interval</c> at least <paramref name="shortest"/> (<paramref name="why"/>), and its
    /// <c>timeout</c> shorter. A duration that is not one is reported as such, and not compared; a default is named as such.
    /// </summary>
    public void Schedule(TimeSpan interval, TimeSpan timeout, TimeSpan shortest, string why)
    {
        if (!Failed("interval") && interval < shortest)
        {
            Error("interval", $"is not allowed; the shortest is {Platform.Duration.Format(shortest)}: {why}");
        }
        else if (!Failed("interval") && !Failed("timeout") && timeout >= interval)
        {
            var defaulted = Text("timeout") is null ? $"\"{Platform.Duration.Format(timeout)}\" (the default) " : "";
            Error("timeout", $"{defaulted}must be shorter than {Path}.interval (\"{Platform.Duration.Format(interval)}\")");
        }
    }

    /// <summary>The value at <paramref name="key"/>, converted by <paramref name="convert"/>, which says what is wrong with the text when it is not one.</summary>
    /// <param name="quote">Whether the error quotes the value: not when the problem says as much of it as may be shown.</param>
    public T Value<T>(string key, T fallback, Func<string, (T Value, string? Problem)> convert, bool quote = true)
    {
        var (value, problem) = Text(key) is { } text ? convert(text) : (fallback, null);
        if (problem is not null)
        {
            Error(key, problem, quote);
        }

        return problem is null ? value : fallback;
    }

    /// <summary>
    /// A Prometheus duration or hh:mm:ss, greater than zero and at most a day: longer would make no sense for a health
    /// check, and timers (Task.Delay) take at most 49 days.
    /// </summary>
    public TimeSpan Duration(string key, TimeSpan fallback) => Value(key, fallback, text =>
        !Platform.Duration.TryParse(text, out var value) ? (value, $"is not allowed; use {Platform.Duration.Allowed}")
        : value <= TimeSpan.Zero ? (value, "is not allowed; the duration must be greater than zero")
        : value > LongestDuration ? (value, $"is not allowed; the longest is {Platform.Duration.Format(LongestDuration)}")
        : (value, null));

    public int WholeNumber(string key, int fallback, int minimum, int maximum = int.MaxValue) => Value(key, fallback, text =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= minimum && value <= maximum
            ? (value, null)
            : (0, $"is not allowed; use a whole number, {(maximum == int.MaxValue ? $"{minimum} or more" : $"{minimum} to {maximum}")}"));

    /// <summary>One of an enum's values as <see cref="EnumText"/> writes them, in any case.</summary>
    public T Enum<T>(string key, T fallback)
        where T : struct, Enum => Value(key, fallback, text =>
        EnumText.TryParse<T>(text, out var value) ? (value, null) : (value, $"is not allowed; use one of: {string.Join(", ", EnumText.All<T>())}"));

    /// <summary>The name of a file: one with a NUL character is not one (the system would cut it there).</summary>
    public string? FileName(string key) =>
        Value<string?>(key, null, text => text.Contains('\0', StringComparison.Ordinal) ? (null, "is not a file name: it contains a NUL character") : (text, null), quote: false);

    public bool? TrueOrFalse(string key) =>
        Value<bool?>(key, null, text => bool.TryParse(text, out var value) ? (value, null) : (null, "is not allowed; use true or false"));

    /// <summary>An address of this host to connect from; not written (or ""): null.</summary>
    public IPAddress? IpAddress(string key) =>
        Value<IPAddress?>(key, null, text => Setting.IpAddress(text) is { } address ? (address, null) : (null, "is not allowed; use an IPv4 or IPv6 address of this host, or \"\""));
}
