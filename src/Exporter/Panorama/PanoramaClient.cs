using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using LogCollectorExporter.Configuration;
using LogCollectorExporter.Platform;

namespace LogCollectorExporter.Panorama;

/// <summary>
/// Fetches what the preference lists are made of from a live Panorama, over its XML API: HTTPS only, the certificate
/// verified against <c>caFile</c> (only it) or the system's trust store, the API key read from its file for every fetch
/// and sent in the <c>X-PAN-KEY</c> header (never in a URL), every request of a fetch within <c>timeout</c>, each answer
/// read a buffer at a time and at most <see cref="MaxResponseBytes"/>.
/// </summary>
/// <remarks>
/// The requests are <c>type=config&amp;action=show</c> (the running configuration: what was committed) with an xpath for
/// each part the import reads: the collector groups, the managed collectors, and Panorama's own
/// <c>deviceconfig/system</c> only when <c>panoramaSerial</c> asks for its address. They need the XML API's
/// Configuration permission only. The op command <c>show config running</c> would send the whole configuration (every
/// device group and template, tens of megabytes for a large estate) every refresh, and needs Operational Requests.
/// </remarks>
public static class PanoramaClient
{
    /// <summary>The collector groups of 5,000 firewalls with 16 collectors each are a few megabytes.</summary>
    public const long MaxResponseBytes = 32L * 1024 * 1024;

    private const int MaxKeyBytes = 16 * 1024;
    private const int MaxErrorBytes = 64 * 1024;

    /// <summary>The shortest run of the key that an error may not show (a shorter key, whole): a PAN-OS key is some hundred characters of base64.</summary>
    private const int MinKeyFragment = 8;

    /// <summary>Fetches and reads the source's parts of Panorama's running configuration.</summary>
    /// <exception cref="PanoramaFetchException">Why it could not; the message never holds the key.</exception>
    public static async Task<PanoramaContent> FetchAsync(PanoramaSource source, CancellationToken cancellationToken)
    {
        var key = ReadKey(source.ApiKeyFile!);
        try
        {
            string? rejected = null;
            // AutomaticDecompression stays at its default, none: an answer is read as sent, so the bound on its size is a
            // bound on what is parsed. (Setting it at all, even to none, builds the decompression handler and Brotli
            // into the binary.)
            using var handler = new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                UseCookies = false,
                ConnectTimeout = source.Timeout,
                MaxResponseHeadersLength = 64,
            };
            if (source.CaCertificates is { } ca)
            {
                handler.SslOptions = new SslClientAuthenticationOptions
                {
                    RemoteCertificateValidationCallback = (_, certificate, chain, errors) => Trusted(ca, certificate, chain, errors, out rejected),
                };
            }

            using var client = new HttpClient(handler, disposeHandler: false) { Timeout = Timeout.InfiniteTimeSpan };
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(source.Timeout);
            var builder = new PanoramaContentBuilder();
            string[] xpaths = source.PanoramaSerial is null
                ? [PanoramaXml.CollectorGroupsXpath, PanoramaXml.CollectorsXpath]
                : [PanoramaXml.CollectorGroupsXpath, PanoramaXml.CollectorsXpath, PanoramaXml.SystemXpath];
            foreach (var xpath in xpaths)
            {
                try
                {
                    await ShowAsync(client, source, key, xpath, builder, deadline.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new PanoramaFetchException($"no answer within {Duration.Format(source.Timeout)} ({What(xpath)})");
                }
                catch (HttpRequestException e)
                {
                    throw new PanoramaFetchException(rejected is null ? $"{Describe(e)} ({What(xpath)})" : rejected);
                }
            }

            return builder.Build();
        }
        catch (PanoramaFetchException e) when (Redacted(e.Message, key) is var redacted && redacted != e.Message)
        {
            throw new PanoramaFetchException(redacted);
        }
    }

    private static async Task ShowAsync(HttpClient client, PanoramaSource source, string key, string xpath, PanoramaContentBuilder builder, CancellationToken cancellationToken)
    {
        var url = new Uri(source.Url!, $"{source.Url!.AbsolutePath.TrimEnd('/')}/api/?type=config&action=show&xpath={Uri.EscapeDataString(xpath)}");
        using var request = new HttpRequestMessage(HttpMethod.Get, url) { Headers = { { "X-PAN-KEY", key } } };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        var what = What(xpath);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new PanoramaFetchException($"HTTP {(int)response.StatusCode} {response.ReasonPhrase} ({what}){await ErrorTextAsync(response, what, cancellationToken)}");
        }

        if (response.Content.Headers.ContentLength > MaxResponseBytes)
        {
            throw TooLarge(what);
        }

        var body = await response.Content.ReadAsStreamAsync(cancellationToken);

        // Read on a thread of its own, a buffer at a time; the deadline ends it by closing the connection.
        using var stop = cancellationToken.Register(response.Dispose);
        try
        {
            await Task.Run(() => PanoramaXml.Read(new BoundedStream(body, MaxResponseBytes, () => TooLarge(what)), $"{source.Label} ({what})", builder), cancellationToken);
        }
        catch (ConfigurationException e)
        {
            throw new PanoramaFetchException(e.Errors[0].Problem);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
        catch (IOException e)
        {
            throw new PanoramaFetchException($"the answer broke off: {Describe(e)} ({what})");
        }
    }

    /// <summary>What an error answer says, when it is PAN-OS's <c>&lt;response status="error"&gt;</c>.</summary>
    private static async Task<string> ErrorTextAsync(HttpResponseMessage response, string what, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength > MaxErrorBytes)
        {
            return "";
        }

        try
        {
            // Its first bytes only: a longer answer is not refused, its message is at the start.
            using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            var buffer = new byte[MaxErrorBytes];
            var length = await body.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
            PanoramaXml.Read(new MemoryStream(buffer, 0, length), what, new PanoramaContentBuilder());
            return "";
        }
        catch (ConfigurationException e)
        {
            return e.Errors[0].Problem.StartsWith("Panorama answered", StringComparison.Ordinal) ? $": {e.Errors[0].Problem}" : "";
        }
        catch (IOException)
        {
            return "";
        }
    }

    /// <summary>The key, checked: it goes in a header, which cannot carry a line break or a control character.</summary>
    private static string ReadKey(string file)
    {
        using var bytes = new MemoryStream();
        try
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 1);
            using var bounded = new BoundedStream(stream, MaxKeyBytes, () => new PanoramaFetchException($"apiKeyFile {file} is larger than {MaxKeyBytes / 1024} KiB, which no API key is"));
            bounded.CopyTo(bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PanoramaFetchException($"cannot read apiKeyFile {file}: {e.Message}");
        }

        var key = Encoding.UTF8.GetString(bytes.GetBuffer(), 0, (int)bytes.Length).Trim();
        if (key.Length == 0)
        {
            throw new PanoramaFetchException($"apiKeyFile {file} is empty");
        }

        if (key.Any(c => c is < '!' or > '~'))
        {
            throw new PanoramaFetchException($"apiKeyFile {file} holds characters that are not in an API key (spaces, line breaks or other than ASCII)");
        }

        return key;
    }

    /// <summary>Panorama's certificate, verified against <c>caFile</c> alone: for the host asked, and chained to one of its certificates.</summary>
    private static bool Trusted(X509Certificate2Collection ca, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, out string? rejected)
    {
        rejected = null;
        if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
        {
            rejected = $"Panorama's certificate is not valid for its address ({errors})";
            return false;
        }

        // A private CA seldom publishes a revocation list the exporter could reach.
        using var custom = new X509Chain
        {
            ChainPolicy = { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck },
        };
        custom.ChainPolicy.CustomTrustStore.AddRange(ca);
        custom.ChainPolicy.ExtraStore.AddRange(chain?.ChainElements.Select(e => e.Certificate).ToArray() ?? []);

        using var leaf = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        if (custom.Build(leaf))
        {
            return true;
        }

        rejected = $"Panorama's certificate ({leaf.Subject}) is not signed by caFile: {string.Join(", ", custom.ChainStatus.Select(s => s.Status))}";
        return false;
    }

    /// <summary>
    /// The text with every run of <see cref="MinKeyFragment"/> or more characters of the key replaced, in any case, raw
    /// or URL-escaped (a key has + / =, which escape to %2B %2F %3D): an error that quotes what Panorama echoed must not
    /// carry the key in any spelling, nor enough of it to matter.
    /// </summary>
    internal static string Redacted(string text, string key)
    {
        // A run of a spelling where the text is at is their common prefix with one of its suffixes; both in upper case, to ignore case.
        string[] spellings = [key.ToUpperInvariant(), Uri.EscapeDataString(key).ToUpperInvariant()];
        var upper = text.ToUpperInvariant();
        var shortest = Math.Min(MinKeyFragment, key.Length);
        var redacted = new StringBuilder(text.Length);
        var i = 0;
        while (i < text.Length)
        {
            var longest = spellings.Max(spelling => Enumerable.Range(0, spelling.Length)
                .Max(start => upper.AsSpan(i).CommonPrefixLength(spelling.AsSpan(start))));
            if (longest >= shortest)
            {
                redacted.Append("<api key>");
                i += longest;
            }
            else
            {
                redacted.Append(text[i++]);
            }
        }

        return redacted.ToString();
    }

    private static string What(string xpath) => xpath[(xpath.LastIndexOf('/') + 1)..];

    private static string Describe(Exception e)
    {
        var messages = new List<string>();
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
        {
            messages.Add(inner.Message.Replace(", see inner exception", "", StringComparison.Ordinal).TrimEnd('.'));
        }

        return string.Join(": ", messages.Distinct());
    }

    private static PanoramaFetchException TooLarge(string what) => new($"the answer ({what}) is larger than {MaxResponseBytes / 1024 / 1024} MiB");
}

/// <summary>Why a live Panorama source could not be imported this time: one line (<see cref="ErrorText.Line"/>) that never holds the API key.</summary>
public sealed class PanoramaFetchException(string message) : Exception(ErrorText.Line(message));
