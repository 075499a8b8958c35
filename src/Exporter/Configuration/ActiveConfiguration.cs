namespace LogCollectorExporter.Configuration;

/// <summary>The configuration that is running, and how the last attempt to (re)load one went.</summary>
public sealed class ActiveConfiguration(ExporterConfig initial, ConfigLoader loader, TimeProvider time)
{
    private volatile ExporterConfig current = initial;
    private volatile ReloadStatus lastReload = new(true, time.GetUtcNow(), null, "start");

    public ExporterConfig Current => current;

    public ReloadStatus LastReload => lastReload;

    public ConfigLoader Loader => loader;

    internal void Accept(ExporterConfig config, string trigger)
    {
        current = config;
        lastReload = new ReloadStatus(true, time.GetUtcNow(), null, trigger);
    }

    internal void Reject(string error, string trigger) => lastReload = new ReloadStatus(false, time.GetUtcNow(), error, trigger);
}

/// <param name="Successful">Whether it was taken.</param>
/// <param name="At">When it was tried.</param>
/// <param name="Error">Why it was rejected.</param>
/// <param name="Trigger">What asked for it: start, http, SIGHUP, file change.</param>
public sealed record ReloadStatus(bool Successful, DateTimeOffset At, string? Error, string Trigger);
