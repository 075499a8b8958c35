using System.Security.Cryptography.X509Certificates;
using LogCollectorExporter.Platform;
using YamlDotNet.RepresentationModel;

namespace LogCollectorExporter.Configuration;

/// <summary>One entry of <c>panorama:</c> as ConfigReader read it: a saved Panorama configuration, or a Panorama read live over the XML API.</summary>
/// <param name="Path">Its key path, <c>panorama[0]</c>.</param>
/// <param name="ConfigFile">A saved configuration (full path); null for a live source.</param>
/// <param name="Url">Panorama's address (<c>https://host[:port][/path]</c>); null for a file source.</param>
/// <param name="ApiKeyFile">The file holding the XML API key (full path), read again for every fetch.</param>
/// <param name="CaCertificates">The certificates of <c>caFile</c> to verify Panorama's with; null for the system's trust store.</param>
/// <param name="Timeout">How long one fetch (every request of it) may take.</param>
/// <param name="CollectorGroups">Only these collector groups; every one when empty.</param>
/// <param name="PanoramaSerial">Panorama's own serial: its local collector, reached at Panorama's management address.</param>
/// <param name="ForwardToAll">PAN-OS "Forward to all" of every imported group (not in the configuration as far as public material shows).</param>
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

    /// <summary>Panorama's management plane serves people too: the exporter asks at most every 10 s.</summary>
    public static readonly TimeSpan MinRefresh = TimeSpan.FromSeconds(10);

    public bool IsLive => Url is not null;

    /// <summary>The value of the <c>source</c> label: the URL (which holds no credential: the key is in a file), or the file's full path.</summary>
    public string Label => Url is { } url ? url.GetLeftPart(UriPartial.Path).TrimEnd('/') : ConfigFile!;

    /// <summary>How messages name it: <c>panorama[1] (https://panorama.example.net)</c>.</summary>
    public string Description => $"{Path} ({Label})";

    internal static IReadOnlyList<string> Keys => field ??= Configuration.Section.KeysOf(s => Read(s, file => file, (_, _) => null));

    /// <summary>An entry of <c>panorama:</c>, README.md "From Panorama": null when it cannot be imported (said).</summary>
    /// <param name="readCertificates">The certificates of the <c>caFile</c> at a full path; null when there are none (said).</param>
    internal static PanoramaSource? Read(Section s, Func<string, string> fullPath, Func<Section, string, X509Certificate2Collection?> readCertificates)
    {
        var configFile = s.FileName("configFile");
        var collectorGroups = new List<string>();
        var groupsRead = true;
        foreach (var (path, item) in s.Items("collectorGroups"))
        {
            if (item is YamlScalarNode { Value: { } name } && !string.IsNullOrWhiteSpace(name))
            {
                collectorGroups.Add(name.Trim());
                continue;
            }

            s.Error(item, path, item is YamlScalarNode ? "is empty; list the names of collector groups" : "is not allowed; a collector group is named by a single value");
            groupsRead = false;
        }

        var panoramaSerial = s.Text("panoramaSerial");
        var forwardToAll = s.TrueOrFalse("forwardToAll") ?? false;
        var failback = s.Enum("failback", Failback.Immediate);
        var url = s.Value<Uri?>("url", null, text => Setting.HttpsUrlProblem(text) is { } problem ? (null, problem) : (new Uri(text, UriKind.Absolute), null), quote: false);
        var apiKeyFile = s.FileName("apiKeyFile");
        var caFile = s.FileName("caFile");
        var refresh = s.Duration("refresh", DefaultRefresh);
        var timeout = s.Duration("timeout", refresh < DefaultTimeout ? refresh : DefaultTimeout); // As Prometheus defaults scrape_timeout.

        var live = s.Text("url") is not null;
        var oneKind = live != (s.Text("configFile") is not null);
        if (!oneKind)
        {
            s.Error(live ? "has both configFile and url; a source is one of them" : "needs configFile (a saved Panorama configuration) or url (Panorama's XML API)");
        }
        else if (!live)
        {
            foreach (var key in new[] { "apiKeyFile", "caFile", "refresh", "timeout" }.Where(key => s.Text(key) is not null))
            {
                s.Error(key, "is a setting of a live source (url), not of a configFile");
            }
        }

        if (live && s.Text("apiKeyFile") is null)
        {
            s.Error("apiKeyFile", "is required with url: the file that holds the XML API key");
        }

        // A duration that is not one is reported as such, and not compared.
        if (live && !s.Failed("refresh") && !s.Failed("timeout"))
        {
            if (refresh < MinRefresh)
            {
                s.Error("refresh", $"is not allowed; the shortest is {Duration.Format(MinRefresh)}: Panorama's management plane serves people too");
            }
            else if (timeout > refresh)
            {
                // A fetch may take the whole refresh (the next one starts when it is due), not longer.
                s.Error("timeout", $"must not be longer than the source's refresh (\"{Duration.Format(refresh)}\")");
            }
        }

        if (!oneKind || (live && (url is null || apiKeyFile is null || s.Failed("caFile"))) || (!live && configFile is null) || !groupsRead)
        {
            return null;
        }

        X509Certificate2Collection? ca = null;
        if (live && caFile is not null && (ca = readCertificates(s, fullPath(caFile))) is null)
        {
            return null;
        }

        return new PanoramaSource(s.Path, live ? null : fullPath(configFile!), url, live ? fullPath(apiKeyFile!) : null, ca, refresh, timeout,
            collectorGroups, panoramaSerial, forwardToAll, failback);
    }
}
