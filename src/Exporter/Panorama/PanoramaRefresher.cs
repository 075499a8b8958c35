using LogCollectorExporter.Configuration;

namespace LogCollectorExporter.Panorama;

/// <summary>
/// Imports each live Panorama source of the running configuration every <c>refresh</c>, and at once when it is new or
/// its settings or its API key file changed. An import that holds something new is applied as a reload is (what it
/// does not change is not disturbed); one that holds nothing new changes nothing. A failed import keeps the last good
/// one, and is logged once when the source starts failing, not at every failure; until a source's first good import
/// it is tried again every <see cref="RetryBeforeFirstImport"/> (or its refresh, when shorter). A saved configuration
/// is read by each load of the configuration (its file is watched); this logs, the same way, when one starts failing
/// and when it imports again.
/// </summary>
public sealed partial class PanoramaRefresher(ActiveConfiguration active, PanoramaImportState imports, IConfigurationReload reloader, TimeProvider time,
    ILogger<PanoramaRefresher> logger)
    : BackgroundService
{
    public static readonly TimeSpan RetryBeforeFirstImport = TimeSpan.FromSeconds(30);

    private readonly Dictionary<string, Schedule> schedules = new(StringComparer.Ordinal);

    /// <summary>Whether each saved configuration's last read imported, as last logged.</summary>
    private readonly Dictionary<string, bool> savedImported = new(StringComparer.Ordinal);

    /// <summary>The warnings of each source's import, as last logged: each is logged when it appears, not at every load.</summary>
    private readonly Dictionary<string, IReadOnlyList<string>> warned = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(ConfigFiles.PollInterval, time);
        try
        {
            do
            {
                await RefreshDueAsync(stoppingToken);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The exporter is stopping.
        }
    }

    private async Task RefreshDueAsync(CancellationToken cancellationToken)
    {
        var running = active.Current.Panorama;
        imports.Retain(running.Select(p => p.Source.Label));
        var sources = running.Select(p => p.Source).Where(s => s.IsLive).ToList();
        Forget(schedules, sources);
        LogSavedSources(running.Select(p => p.Source).Where(s => !s.IsLive).ToList());
        LogWarnings(running);
        foreach (var source in sources)
        {
            var settings = Settings(source);
            var key = ConfigFiles.FingerprintOnDisk([source.ApiKeyFile!]);
            if (schedules.TryGetValue(source.Label, out var schedule) && time.GetUtcNow() < schedule.Next && schedule.Settings == settings && schedule.Key == key)
            {
                continue;
            }

            // Every refresh from when a fetch starts, however long it takes.
            var started = time.GetUtcNow();
            var imported = await ImportAsync(source, cancellationToken);
            var wait = imported || imports.LastGood(source.Label) is not null || source.Refresh < RetryBeforeFirstImport
                ? source.Refresh
                : RetryBeforeFirstImport;
            schedules[source.Label] = new Schedule(started + wait, settings, key);
        }
    }

    /// <returns>Whether it imported.</returns>
    private async Task<bool> ImportAsync(PanoramaSource source, CancellationToken cancellationToken)
    {
        var before = imports.Status(source.Label);
        PanoramaContent content;
        try
        {
            content = await PanoramaClient.FetchAsync(source, cancellationToken);
        }
        catch (PanoramaFetchException e)
        {
            if (imports.Failed(source.Label, e.Message, time.GetUtcNow()))
            {
                LogFailing(logger, source.Description, e.Message, before?.LastSuccessAt is null ? "nothing imported yet" : "the last good import is kept");
            }
            else
            {
                LogStillFailing(logger, source.Description, e.Message);
            }

            return false;
        }

        var changed = imports.Succeeded(source.Label, content, time.GetUtcNow());
        if (before is not { Successful: true })
        {
            LogImporting(logger, source.Description, content.CollectorGroups.Count, content.CollectorGroups.Sum(g => g.Firewalls.Count), content.Collectors.Count);
        }

        if (changed)
        {
            await reloader.ReloadAsync(ReloadTrigger.PanoramaImport, cancellationToken);
        }

        return true;
    }

    private void LogSavedSources(List<PanoramaSource> saved)
    {
        Forget(savedImported, saved);
        foreach (var source in saved)
        {
            if (imports.Status(source.Label) is not { } status
                || (savedImported.TryGetValue(source.Label, out var logged) && logged == status.Successful))
            {
                continue;
            }

            var known = savedImported.ContainsKey(source.Label);
            savedImported[source.Label] = status.Successful;
            if (!status.Successful)
            {
                LogFailing(logger, source.Description, status.Error ?? "", status.LastSuccessAt is null ? "nothing imported yet" : "the last good import is kept");
            }
            else if (known && imports.LastGood(source.Label) is { } content)
            {
                LogImporting(logger, source.Description, content.CollectorGroups.Count, content.CollectorGroups.Sum(g => g.Firewalls.Count), content.Collectors.Count);
            }
        }
    }

    private void LogWarnings(IReadOnlyList<PanoramaImportResult> running)
    {
        Forget(warned, running.Select(p => p.Source));
        foreach (var imported in running.Where(p => p.Available))
        {
            var before = warned.GetValueOrDefault(imported.Source.Label) ?? [];
            foreach (var warning in imported.Warnings.Except(before, StringComparer.Ordinal))
            {
                LogWarning(logger, imported.Source.Description, warning);
            }

            warned[imported.Source.Label] = imported.Warnings;
        }
    }

    /// <summary>What a fetch depends on besides the API key: a reload that changes none of it does not fetch again.</summary>
    private static string Settings(PanoramaSource source) =>
        $"{source.Url} {source.ApiKeyFile} {source.Timeout} {source.PanoramaSerial} {string.Join(",", source.CaCertificates?.Select(c => c.Thumbprint) ?? [])}";

    /// <summary>Forgets what is kept of the sources a configuration no longer has.</summary>
    private static void Forget<T>(Dictionary<string, T> kept, IEnumerable<PanoramaSource> sources)
    {
        foreach (var gone in kept.Keys.Except(sources.Select(s => s.Label)).ToList())
        {
            kept.Remove(gone);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Panorama {Source}: import failed, {Kept}: {Error}")]
    private static partial void LogFailing(ILogger logger, string source, string error, string kept);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Panorama {Source}: {Warning}")]
    private static partial void LogWarning(ILogger logger, string source, string warning);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Panorama {Source}: import still failing: {Error}")]
    private static partial void LogStillFailing(ILogger logger, string source, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Panorama {Source}: importing {CollectorGroups} collector groups, {Firewalls} firewalls' preference lists, {Collectors} managed collectors")]
    private static partial void LogImporting(ILogger logger, string source, int collectorGroups, int firewalls, int collectors);

    private sealed record Schedule(DateTimeOffset Next, string Settings, string Key);
}
