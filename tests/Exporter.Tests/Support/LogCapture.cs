using System.Collections.Concurrent;

namespace LogCollectorExporter.Tests.Support;

/// <summary>Keeps what the exporter logs, with the exception of each entry, for a test to read.</summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<string> entries = new();

    public IReadOnlyList<string> Entries => [.. entries];

    public bool Contains(string text) => entries.Any(e => e.Contains(text, StringComparison.Ordinal));

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            capture.entries.Enqueue($"{logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : $" | {exception.GetType().Name}: {exception.Message}")}");
    }
}
