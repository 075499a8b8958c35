namespace LogCollectorExporter;

/// <summary>
/// Logs an exception of a task that nobody awaited (a fire-and-forget reload, a watcher) and marks it observed, so
/// that it cannot end the process even where the runtime is told to throw on unobserved exceptions.
/// </summary>
public sealed partial class UnobservedTaskExceptions(ILogger<UnobservedTaskExceptions> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        TaskScheduler.UnobservedTaskException += OnUnobserved;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        TaskScheduler.UnobservedTaskException -= OnUnobserved;
        return Task.CompletedTask;
    }

    private void OnUnobserved(object? sender, UnobservedTaskExceptionEventArgs e)
    {
        var exceptions = e.Exception.Flatten().InnerExceptions;
        LogUnobserved(logger, exceptions.Count == 1 ? exceptions[0] : e.Exception);
        e.SetObserved();
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A background task failed and nobody was waiting for it; the exporter goes on")]
    private static partial void LogUnobserved(ILogger logger, Exception exception);
}
