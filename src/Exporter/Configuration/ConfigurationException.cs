namespace LogCollectorExporter.Configuration;

/// <summary>One thing wrong with the configuration: where it was written, its key path, and what is wrong with it.</summary>
public sealed record ConfigurationError(string Source, string? Path, string Problem)
{
    public override string ToString() => Path is null ? $"{Source}: {Problem}" : $"{Source}: {Path}: {Problem}";
}

/// <summary>The configuration cannot be used; the message lists every error, one per line, with no stack trace.</summary>
public sealed class ConfigurationException : Exception
{
    public ConfigurationException(IReadOnlyList<ConfigurationError> errors)
        : base(Describe(errors))
    {
        Errors = errors;
    }

    public ConfigurationException(string source, string problem)
        : this([new ConfigurationError(source, null, problem)])
    {
    }

    public IReadOnlyList<ConfigurationError> Errors { get; }

    private static string Describe(IReadOnlyList<ConfigurationError> errors) =>
        errors.Count == 1
            ? $"configuration error: {errors[0]}"
            : $"{errors.Count} configuration errors:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", errors);
}
