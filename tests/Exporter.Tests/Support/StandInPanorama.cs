using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Xml.Linq;
using System.Xml.XPath;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace LogCollectorExporter.Tests.Support;

/// <summary>
/// A stand-in Panorama: a real HTTPS server on 127.0.0.1 (Kestrel, a certificate the test makes) that answers the XML
/// API's <c>type=config&amp;action=show&amp;xpath=...</c> from a saved configuration, as PAN-OS answers it, and refuses a
/// request without the right <c>X-PAN-KEY</c> with 403.
/// </summary>
public sealed class StandInPanorama : IAsyncDisposable
{
    private readonly WebApplication app;

    private StandInPanorama(WebApplication app, string key)
    {
        this.app = app;
        Key = key;
    }

    public string Key { get; }

    /// <summary>Where it listens (once started).</summary>
    public Uri Url => new(app.Urls.Single());

    /// <summary>The saved configuration it answers from; replace it to change "Panorama".</summary>
    public string Configuration { get; set; } = "";

    /// <summary>When set, answers every request instead (a 500, a slow answer, a huge one, a dropped connection).</summary>
    public Func<HttpContext, Task>? Misbehave { get; set; }

    /// <summary>Every request: its path and query, and whether it carried the right key in the header.</summary>
    public ConcurrentQueue<(string PathAndQuery, bool KeyInHeader)> Requests { get; } = new();

    /// <param name="certificate">Its certificate, with its private key (<see cref="TestCertificateAuthority.IssueServer"/>).</param>
    public static async Task<StandInPanorama> StartAsync(X509Certificate2 certificate, string key, string configuration)
    {
        // Kestrel wants a certificate whose key it can use as it is: one loaded from PKCS#12.
        var served = X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen =>
            listen.UseHttps(new HttpsConnectionAdapterOptions { ServerCertificate = served })));
        var app = builder.Build();
        var panorama = new StandInPanorama(app, key) { Configuration = configuration };
        app.MapGet("/api/", panorama.AnswerAsync);
        await app.StartAsync();
        return panorama;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    private async Task AnswerAsync(HttpContext context)
    {
        var request = context.Request;
        var keyInHeader = request.Headers["X-PAN-KEY"] == Key;
        Requests.Enqueue((request.Path + request.QueryString, keyInHeader));
        if (Misbehave is { } misbehave)
        {
            await misbehave(context);
            return;
        }

        context.Response.ContentType = "application/xml; charset=UTF-8";
        if (!keyInHeader)
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            await context.Response.WriteAsync("<response status = 'error' code = '403'><result><msg>Invalid Credential</msg></result></response>");
            return;
        }

        if (request.Query["type"] != "config" || request.Query["action"] != "show" || string.IsNullOrEmpty(request.Query["xpath"]))
        {
            await context.Response.WriteAsync("<response status=\"error\" code=\"400\"><result><msg>Bad request</msg></result></response>");
            return;
        }

        var node = XDocument.Parse(Configuration).XPathSelectElement(request.Query["xpath"]!);
        await context.Response.WriteAsync(node is null
            ? "<response status=\"error\" code=\"7\"><msg><line>No such node</line></msg></response>"
            : $"<response status=\"success\"><result>{node}</result></response>");
    }
}
