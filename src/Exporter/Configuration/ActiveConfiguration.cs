namespace LogCollectorExporter.Configuration;

/// <summary>The configuration that is running, and how the last attempt to (re)load one went.</summary>
public sealed class ActiveConfiguration(ExporterConfig initial, ConfigLoader loader, TimeProvider time)
{
    private volatile ExporterConfig current = initial;
    private volatile ReloadStatus lastReload = new(true, time.GetUtcNow(), null, ReloadTrigger.Start);

    public ExporterConfig Current => current;

    public ReloadStatus LastReload => lastReload;

    public ConfigLoader Loader => loader;

    internal void Accept(ExporterConfig config, ReloadTrigger trigger)
    {
        current = config;
        lastReload = new ReloadStatus(true, time.GetUtcNow(), null, trigger);
    }

    internal void Reject(string error, ReloadTrigger trigger) => lastReload = new ReloadStatus(false, time.GetUtcNow(), error, trigger);
}

/// <param name="Error">Why it was rejected.</param>
public sealed record ReloadStatus(bool Successful, DateTimeOffset At, string? Error, ReloadTrigger Trigger);

/// <summary>What asked for a (re)load of the configuration.</summary>
public enum ReloadTrigger
{
    Start,

    /// <summary><c>POST /-/reload</c>.</summary>
    Http,

    Sighup,

    /// <summary>A file the configuration was read from changed on disk.</summary>
    FileChange,

    /// <summary>A live Panorama source imported something new.</summary>
    PanoramaImport,
}

public static class ReloadTriggerText
{
    /// <summary>
    /// How the logs, the status and the page name a trigger: the words the README and the runbook use (<c>SIGHUP</c>,
    /// <c>file change</c>), which <see cref="EnumText"/>'s rule cannot write.
    /// </summary>
    public static string Text(this ReloadTrigger trigger) => trigger switch
    {
        ReloadTrigger.Start => "start",
        ReloadTrigger.Http => "http",
        ReloadTrigger.Sighup => "SIGHUP",
        ReloadTrigger.FileChange => "file change",
        ReloadTrigger.PanoramaImport => "panorama import",
        _ => throw new ArgumentOutOfRangeException(nameof(trigger)),
    };
}
