using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace LogCollectorExporter.Configuration;

/// <summary>One entry of <c>panorama:</c>: a saved Panorama configuration, or a Panorama read live over the XML API.</summary>
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

    /// <summary>Panorama's management plane serves people too: the exporter asks at most every 10 s.</summary>
    public static readonly TimeSpan MinRefresh = TimeSpan.FromSeconds(10);

    /// <summary>The keys of a <c>panorama:</c> entry.</summary>
    public static readonly string[] Keys =
        ["configFile", "url", "apiKeyFile", "caFile", "refresh", "timeout", "collectorGroups", "panoramaSerial", "forwardToAll", "failback"];

    private static readonly string[] LiveKeys = ["apiKeyFile", "caFile", "refresh", "timeout"];

    public bool IsLive => Url is not null;

    /// <summary>
    /// The value of the <c>source</c> label: the URL (which holds no credential: the key is in a file, sent in a
    /// header), or the file's full path.
    /// </summary>
    public string Label => Url is { } url ? url.GetLeftPart(UriPartial.Path).TrimEnd('/') : ConfigFile!;

    /// <summary>How messages name it: <c>panorama[1] (https://panorama.example.net)</c>.</summary>
    public string Description => $"{Path} ({Label})";

    /// <summary>The source these settings describe; null when they do not make one (the problems say why).</summary>
    /// <param name="path">Its key path, <c>panorama[0]</c>.</param>
    /// <param name="settings">Its keys, as written.</param>
    /// <param name="fullPath">Where a relative file name is.</param>
    /// <param name="files">Reads <c>caFile</c>, and fingerprints it: a new CA is a reload.</param>
    /// <param name="problems">Each problem with the key it is about (null: the entry as a whole).</param>
    /// <param name="fileErrors">What is wrong with <c>caFile</c> as a file.</param>
    public static PanoramaSource? Create(
        string path, PanoramaSettings settings, Func<string, string> fullPath, ConfigFiles files,
        out List<(string? Key, string Problem)> problems, out List<ConfigurationError> fileErrors)
    {
        problems = [];
        fileErrors = [];
        if (string.IsNullOrEmpty(settings.ConfigFile) == string.IsNullOrEmpty(settings.Url))
        {
            problems.Add((null, "needs configFile (a saved Panorama configuration) or url (Panorama, live over the XML API), and not both"));
            return null;
        }

        if (settings.CollectorGroups.Any(string.IsNullOrEmpty))
        {
            problems.Add(("collectorGroups", "lists an empty name; list the names of collector groups"));
        }

        Uri? url = null;
        X509Certificate2Collection? ca = null;
        if (!string.IsNullOrEmpty(settings.Url))
        {
            url = ReadUrl(settings.Url, problems);
            if (string.IsNullOrEmpty(settings.ApiKeyFile))
            {
                problems.Add(("apiKeyFile", "is required with url: the file that holds the XML API key (a mounted Secret)"));
            }

            if (settings.Refresh < MinRefresh)
            {
                problems.Add(("refresh", $"\"{Duration.Format(settings.Refresh)}\" is not allowed; the shortest is {Duration.Format(MinRefresh)}"));
            }
            else if (settings.Timeout >= settings.Refresh)
            {
                problems.Add(("timeout", $"\"{Duration.Format(settings.Timeout)}\" must be shorter than {path}.refresh (\"{Duration.Format(settings.Refresh)}\")"));
            }

            if (!string.IsNullOrEmpty(settings.CaFile))
            {
                ca = Certificates(path, fullPath(settings.CaFile), files, problems, fileErrors);
            }
        }
        else
        {
            problems.AddRange(LiveKeys.Where(key => settings.Given.Contains(key, StringComparer.OrdinalIgnoreCase))
                .Select(key => ((string?)key, "is a setting of a live source (url), not of a configFile")));
        }

        if (problems.Count > 0 || fileErrors.Count > 0)
        {
            return null;
        }

        return new PanoramaSource(
            path,
            url is null ? fullPath(settings.ConfigFile!) : null,
            url,
            url is null ? null : fullPath(settings.ApiKeyFile!),
            ca,
            settings.Refresh,
            settings.Timeout,
            settings.CollectorGroups,
            string.IsNullOrEmpty(settings.PanoramaSerial) ? null : settings.PanoramaSerial,
            settings.ForwardToAll,
            settings.Failback);
    }

    private static Uri? ReadUrl(string text, List<(string? Key, string Problem)> problems)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || url.Scheme != Uri.UriSchemeHttps || url.Host.Length == 0)
        {
            // Not echoed whole: a mistyped URL may carry a credential.
            problems.Add(("url", "is not allowed; use https://HOST[:PORT]: Panorama's XML API is read over HTTPS only"));
            return null;
        }

        if (url.UserInfo.Length > 0 || url.Query.Length > 0 || url.Fragment.Length > 0)
        {
            problems.Add(("url", $"is not allowed with a user, a query or a fragment (https://{url.Host}...); the API key goes in apiKeyFile"));
            return null;
        }

        return url;
    }

    private static X509Certificate2Collection? Certificates(
        string path, string caFile, ConfigFiles files, List<(string? Key, string Problem)> problems, List<ConfigurationError> fileErrors)
    {
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPem(Encoding.UTF8.GetString(files.ReadAllBytes(caFile)));
        }
        catch (ConfigurationException e)
        {
            fileErrors.AddRange(e.Errors.Select(error => error with { Problem = $"{error.Problem} (read for {path}.caFile)" }));
            return null;
        }
        catch (CryptographicException e)
        {
            problems.Add(("caFile", $"{caFile} is not PEM certificates: {e.Message}"));
            return null;
        }

        if (certificates.Count == 0)
        {
            problems.Add(("caFile", $"{caFile} holds no PEM certificate (-----BEGIN CERTIFICATE-----)"));
            return null;
        }

        return certificates;
    }
}

/// <summary>The keys of a <c>panorama:</c> entry, as the configuration reader found them.</summary>
/// <param name="Given">The keys written, to tell a default from a value.</param>
public sealed record PanoramaSettings(
    string? ConfigFile,
    string? Url,
    string? ApiKeyFile,
    string? CaFile,
    TimeSpan Refresh,
    TimeSpan Timeout,
    IReadOnlyList<string> CollectorGroups,
    string? PanoramaSerial,
    bool ForwardToAll,
    Failback Failback,
    IReadOnlyList<string> Given);
