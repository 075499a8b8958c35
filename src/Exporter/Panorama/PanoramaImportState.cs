using System.Collections.Concurrent;
using System.Text;
using LogCollectorExporter.Configuration;

namespace LogCollectorExporter.Panorama;

/// <summary>
/// How each Panorama source's last import went, and the last good import of each live source: the refresher writes
/// them, the configuration is built from them, the metrics and the status read them. Keyed by
/// <see cref="PanoramaSource.Label"/>. Safe to use from any thread. Each load of the configuration imports its sources
/// through it (<see cref="PanoramaImport"/>).
/// </summary>
public sealed class PanoramaImportState : IPanoramaImporter
{
    private readonly ConcurrentDictionary<string, State> states = new(StringComparer.Ordinal);

    /// <summary>The last good import of a source; null before its first.</summary>
    public PanoramaContent? LastGood(string label) => states.TryGetValue(label, out var state) ? state.Content : null;

    /// <summary>How the last import of a source went; null before its first attempt.</summary>
    public ImportStatus? Status(string label) => states.TryGetValue(label, out var state) ? state.Status : null;

    /// <summary>Records a good import; true when it holds something else than the last good one (or is the first).</summary>
    public bool Succeeded(string label, PanoramaContent content, DateTimeOffset at)
    {
        var changed = true;
        var state = new State(content, new ImportStatus(true, at, at, null));
        states.AddOrUpdate(label, state, (_, old) =>
        {
            changed = old.Content?.Fingerprint != content.Fingerprint;
            return state;
        });
        return changed;
    }

    /// <summary>Records a failed import: the last good one is kept. True when the source was not failing already.</summary>
    public bool Failed(string label, string error, DateTimeOffset at)
    {
        var changed = true;
        states.AddOrUpdate(label, new State(null, new ImportStatus(false, at, null, error)), (_, old) =>
        {
            changed = old.Status.Successful;
            return old with { Status = new ImportStatus(false, at, old.Status.LastSuccessAt, error) };
        });
        return changed;
    }

    /// <summary>Forgets the sources a configuration no longer has.</summary>
    public void Retain(IEnumerable<string> labels)
    {
        foreach (var label in states.Keys.Except(labels, StringComparer.Ordinal))
        {
            states.TryRemove(label, out _);
        }
    }

    /// <summary>The fingerprint of the last good imports of these sources: a configuration built from them is current while it stays.</summary>
    public string Fingerprint(IEnumerable<string> labels)
    {
        var hash = ConfigFiles.NewFingerprint();
        foreach (var label in labels)
        {
            hash.Append(Encoding.UTF8.GetBytes($"{label}\0{LastGood(label)?.Fingerprint ?? "none"}\0"));
        }

        return Convert.ToHexString(hash.GetCurrentHash());
    }

    (IReadOnlyList<(GroupConfig Group, IReadOnlyList<string> Members)> Groups, IReadOnlyList<PanoramaImportResult> Imported) IPanoramaImporter.Import(
        IReadOnlyList<PanoramaSource> sources, ConfigFiles files, CollectorDefinitions definitions, IpFamily family, ConfigErrors errors, DateTimeOffset now, bool savedMayFail)
    {
        var import = new PanoramaImport(this, files, definitions, family, errors, savedMayFail);
        foreach (var source in sources)
        {
            import.Add(source, now);
        }

        return (import.Groups, import.Imported);
    }

    private sealed record State(PanoramaContent? Content, ImportStatus Status);
}

/// <param name="Successful">Whether the last attempt imported.</param>
/// <param name="At">When the last attempt was.</param>
/// <param name="LastSuccessAt">When the last good import was; null when there was none.</param>
/// <param name="Error">Why the last attempt failed; it never holds the API key.</param>
public sealed record ImportStatus(bool Successful, DateTimeOffset At, DateTimeOffset? LastSuccessAt, string? Error);
