namespace LogCollectorExporter.Configuration;

/// <summary>
/// Imports the <c>panorama:</c> sources into groups: implemented by <c>Panorama/</c> and given to
/// <see cref="ConfigLoader"/>, so that reading the configuration does not depend on it.
/// </summary>
public interface IPanoramaImporter
{
    /// <summary>The fingerprint of the last good imports of these sources: a configuration built from them is current while it stays.</summary>
    string Fingerprint(IEnumerable<string> labels);

    /// <summary>
    /// Imports every source, in order, after every group of the file: the groups, with the names of their members
    /// (defined in <paramref name="definitions"/>), and what each source brought.
    /// </summary>
    /// <param name="savedMayFail">As <see cref="ConfigLoader.SavedMayFail"/>.</param>
    internal (IReadOnlyList<(GroupConfig Group, IReadOnlyList<string> Members)> Groups, IReadOnlyList<PanoramaImportResult> Imported) Import(
        IReadOnlyList<PanoramaSource> sources, ConfigFiles files, CollectorDefinitions definitions, IpFamily family, ConfigErrors errors, DateTimeOffset now, bool savedMayFail);
}

/// <summary>What one Panorama source brought into the configuration.</summary>
/// <param name="Available">False for a live source that has not imported yet (or a file that could not be read).</param>
/// <param name="Firewalls">Firewalls imported: one group each.</param>
/// <param name="Collectors">The names of the collectors their lists name, each once.</param>
/// <param name="Notes">Firewalls not imported, and firewalls found twice with the same list.</param>
/// <param name="Warnings">What may make the exporter probe another address than the firewalls use: logged, and said by <c>--check-config</c>.</param>
public sealed record PanoramaImportResult(
    PanoramaSource Source,
    bool Available,
    IReadOnlyList<ImportedCollectorGroup> CollectorGroups,
    int Firewalls,
    IReadOnlyList<string> Collectors,
    IReadOnlyList<string> Notes,
    IReadOnlyList<string> Warnings);

/// <param name="HasLogForwarding">Whether it has log forwarding preference lists at all (<c>logfwd-setting/devices</c>).</param>
public sealed record ImportedCollectorGroup(string Name, bool HasLogForwarding, int Firewalls);
