using System.Security.Cryptography.X509Certificates;

namespace LogCollectorExporter.Configuration;

/// <summary>One entry of <c>panorama:</c> as ConfigReader read it: a saved Panorama configuration, or a Panorama read live over the XML API.</summary>
/// <param name="Path">Its key path, <c>panorama[0]</c>.</param>
/// <param name="ConfigFile">A saved configuration (full path); null for a live source.</param>
/// <param name="Url">Panorama's address (<c>https://host[:port][/path]</c>); null for a file source.</param>
/// <param name="ApiKeyFile">The file holding the XML API key (full path), read again for every fetch.</param>
/// <param name="CaCertificates">The certificates of <c>caFile</c> to verify Panorama's with; null for the system's trust store.</param>
/// <param name="Refresh">How often a live source is fetched.</param>
/// <param name="Timeout">How long one fetch (every request of it) may take.</param>
/// <param name="CollectorGroups">Only these collector groups; every one when empty.</param>
/// <param name="PanoramaSerial">Panorama's own serial: its local collector, reached at Panorama's management address.</param>
/// <param name="ForwardToAll">PAN-OS "Forward to all" of every imported group (not in the configuration as far as public material shows).</param>
/// <param name="Failback">The failback of every imported group.</param>
public sealed record PanoramaSource(
    string Path,
    string? ConfigFile,
    Uri? Url,
    string? ApiKeyFile,
    X509Certificate2Collection? CaCertificates,
    TimeSpan Refresh,
    TimeSpan Timeout,
    IReadOnlyList<string> CollectorGroups,
    string? PanoramaSerial,
    bool ForwardToAll,
    Failback Failback)
{
    public static readonly TimeSpan DefaultRefresh = TimeSpan.FromMinutes(5);

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>A <c>timeout</c> not written: 30 s, or the refresh when that is shorter (as Prometheus defaults <c>scrape_timeout</c>).</summary>
    public static TimeSpan DefaultTimeoutFor(TimeSpan refresh) => refresh < DefaultTimeout ? refresh : DefaultTimeout;

    /// <summary>Panorama's management plane serves people too: the exporter asks at most every 10 s.</summary>
    public static readonly TimeSpan MinRefresh = TimeSpan.FromSeconds(10);

    public bool IsLive => Url is not null;

    /// <summary>
    /// The value of the <c>source</c> label: the URL (which holds no credential: the key is in a file, sent in a
    /// header), or the file's full path.
    /// </summary>
    public string Label => Url is { } url ? url.GetLeftPart(UriPartial.Path).TrimEnd('/') : ConfigFile!;

    /// <summary>How messages name it: <c>panorama[1] (https://panorama.example.net)</c>.</summary>
    public string Description => $"{Path} ({Label})";
}
