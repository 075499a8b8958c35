namespace LogCollectorExporter.Configuration;

/// <summary>
/// One thing wrong with the configuration: where it was written, its key path, and what is wrong with it; each of them
/// one line of at most <see cref="ErrorText.MaxLine"/> characters, however long the value it quotes.
/// </summary>
public sealed record ConfigurationError(string Source, string? Path, string Problem)
{
    public string Source { get; init => field = ErrorText.Line(value); } = ErrorText.Line(Source);

    public string? Path { get; init => field = value is null ? null : ErrorText.Line(value); } = Path is null ? null : ErrorText.Line(Path);

    public string Problem { get; init => field = ErrorText.Line(value); } = ErrorText.Line(Problem);

    public override string ToString() => ErrorText.Line(Path is null ? $"{Source}: {Problem}" : $"{Source}: {Path}: {Problem}");
}

/// <summary>
/// The configuration cannot be used; the message lists every error, one per line, with no stack trace, within
/// <see cref="ErrorText.MaxMessage"/> characters.
/// </summary>
public sealed class ConfigurationException(IReadOnlyList<ConfigurationError> errors) : Exception(Describe(errors))
{
    public ConfigurationException(string source, string problem)
        : this([new ConfigurationError(source, null, problem)])
    {
    }

    public IReadOnlyList<ConfigurationError> Errors { get; } = errors;

    private static string Describe(IReadOnlyList<ConfigurationError> errors) =>
        errors.Count == 1
            ? $"configuration error: {errors[0]}"
            : ErrorText.Lines($"{errors.Count} configuration errors:", errors.Select(e => e.ToString()), errors.Count);
}
