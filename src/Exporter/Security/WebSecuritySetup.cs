using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using System.Text.Unicode;
using System.Text.RegularExpressions;
using LogCollectorExporter.Configuration;
using LogCollectorExporter.Metrics;
using LogCollectorExporter.Web;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace LogCollectorExporter.Security;

/// <summary>
/// <c>--web.config.file</c>: TLS on the listeners, and basic authentication and response headers on every request.
/// Without a file, plain HTTP and open to all, as before.
/// </summary>
public static partial class WebSecuritySetup
{
    public const string DefaultHttpsUrls = "https://0.0.0.0:9978";

    /// <summary>
    /// Loads the web configuration, and makes the listen URLs agree with it: HTTPS, and only HTTPS, when it configures
    /// TLS (the default URL becomes <see cref="DefaultHttpsUrls"/>); an https:// URL without it is a configuration error
    /// saying what to add, rather than Kestrel's stack trace.
    /// </summary>
    /// <exception cref="ConfigurationException">The web configuration cannot be used, or the URLs do not agree with it.</exception>
    public static WebApplicationBuilder AddWebSecurity(this WebApplicationBuilder builder, IReadOnlyList<string> webConfigFiles)
    {
        var initial = webConfigFiles.Count == 0 ? WebSecuritySnapshot.Open : WebSecuritySnapshot.Load(webConfigFiles);
        var urls = builder.Configuration[WebHostDefaults.ServerUrlsKey];
        if (string.IsNullOrEmpty(urls))
        {
            builder.WebHost.UseUrls(initial.Tls is null ? WebSetup.DefaultUrls : DefaultHttpsUrls);
        }
        else
        {
            CheckUrls(urls, initial);
        }

        builder.Services.AddSingleton(services => ActivatorUtilities.CreateInstance<WebSecurity>(services, initial));
        if (webConfigFiles.Count > 0)
        {
            builder.Services.AddHostedService(services => services.GetRequiredService<WebSecurity>());
        }

        if (initial.Tls is not null)
        {
            builder.WebHost.UseKestrelHttpsConfiguration();
            builder.WebHost.ConfigureKestrel(kestrel =>
            {
                // One request parser, whose limits HostSetup sets and the tests check: HTTP/2 would bring its own (streams per connection).
                kestrel.ConfigureEndpointDefaults(listen => listen.Protocols = HttpProtocols.Http1);
                kestrel.ConfigureHttpsDefaults(https => UseRunningTls(https, kestrel.ApplicationServices));
            });
        }

        return builder;
    }

    /// <summary>
    /// Response headers, and the credentials every request needs but those to the health checks: a client
    /// certificate where <c>client_auth_type</c> requires one (403 without), and a user and password where
    /// <c>basic_auth_users</c> has users (401 with <c>WWW-Authenticate: Basic</c> when missing or wrong, 429 when the
    /// budget for checking passwords is spent). Added only with a web configuration.
    /// </summary>
    public static WebApplication UseWebSecurity(this WebApplication app)
    {
        var security = app.Services.GetRequiredService<WebSecurity>();
        if (security.Current.Config.Files.Count == 0)
        {
            return app;
        }

        var metrics = app.Services.GetRequiredService<ExporterMetrics>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(WebSecuritySetup).FullName!);
        LogServing(logger, security.Current.Config.Description, Describe(security.Current));
        if (security.Current is { Tls: null, Users: not null })
        {
            LogPasswordsInClear(logger);
        }

        app.Use((context, next) => CheckAsync(context, next, security.Current, security.Budget, metrics));
        return app;
    }

    /// <summary>What a web configuration does, for the log.</summary>
    public static string Describe(WebSecuritySnapshot snapshot) => string.Join("; ", new[]
    {
        snapshot.Tls is { } tls
            ? $"TLS {(tls.Config.Protocols switch { SslProtocols.Tls12 => "1.2", SslProtocols.Tls13 => "1.3", _ => "1.2 to 1.3" })} " +
                $"with {tls.Certificate.Subject} (valid until {tls.Certificate.NotAfter.ToUniversalTime():yyyy-MM-ddTHH:mm:ssZ}), " +
                $"client certificates: {tls.Config.ClientAuth}"
            : "plain HTTP",
        snapshot.Users is { } users ? $"basic authentication ({users.Count} users)" : "no basic authentication",
        snapshot.Config.Headers.Count > 0 ? $"headers {string.Join(", ", snapshot.Config.Headers.Select(h => h.Key))}" : null,
    }.OfType<string>());

    /// <summary>
    /// The listen URLs (<c>--urls</c>, or <c>ASPNETCORE_URLS</c>), checked before Kestrel takes them: each
    /// <c>http://</c> or <c>https://</c>, a host (an address, a name, <c>+</c> or <c>*</c>) and a port written out
    /// (Kestrel takes <c>127.0.0.1:9979</c> as nothing it can parse, after probing started, and <c>http://127.0.0.1</c>
    /// as port 80), and HTTPS exactly when the web configuration has TLS.
    /// </summary>
    /// <exception cref="ConfigurationException">A URL is not one the exporter can listen on.</exception>
    public static void CheckUrls(string urls, WebSecuritySnapshot security)
    {
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!ListenUrl().IsMatch(url))
            {
                throw new ConfigurationException("--urls", $"\"{url}\" is not a URL to listen on: write the scheme, the address and the port, such as " +
                    $"{WebSetup.DefaultUrls} or http://127.0.0.1:9978 (https:// with a web configuration that has tls_server_config)");
            }

            var https = url.StartsWith("https://", StringComparison.OrdinalIgnoreCase);
            if (https && security.Tls is null)
            {
                throw new ConfigurationException("--urls", $"{url} is HTTPS, which needs a certificate: give --web.config.file FILE, " +
                    "a web configuration with tls_server_config: {cert_file: server.crt, key_file: server.key}");
            }

            if (!https && security.Tls is not null)
            {
                throw new ConfigurationException("--urls", $"{url} is not HTTPS, but {security.Tls.Config.Source} configures TLS (tls_server_config), " +
                    "and then only HTTPS is served: use https:// URLs");
            }
        }
    }

    /// <summary>
    /// Every handshake takes the certificate, versions and client certificate policy of the web configuration running
    /// at that moment. A client certificate is asked for but never demanded by the handshake itself: a connection
    /// without one reaches the health checks only (<see cref="CheckAsync"/>), as a kubelet's probe must. One that is
    /// given and fails verification ends the handshake.
    /// </summary>
    private static void UseRunningTls(HttpsConnectionAdapterOptions https, IServiceProvider services)
    {
        var security = services.GetRequiredService<WebSecurity>();
        https.HandshakeTimeout = WebSetup.RequestHeadersTimeout;
        https.ClientCertificateMode = ClientCertificateMode.AllowCertificate;

        // Kestrel wants a certificate or a selector before any connection; OnAuthenticate sets the one used.
        https.ServerCertificateSelector = (_, _) => security.Current.Tls!.Certificate;
        https.ClientCertificateValidation = (certificate, chain, _) => security.Current.Tls!.Accepts(certificate, chain);
        https.OnAuthenticate = (_, options) =>
        {
            var tls = security.Current.Tls!;
            options.ServerCertificateSelectionCallback = null;
            options.ServerCertificate = null;
            options.ServerCertificateContext = tls.Context;
            options.EnabledSslProtocols = tls.Config.Protocols;
            options.ClientCertificateRequired = tls.Config.ClientAuth != ClientAuthType.NoClientCert;
        };
    }

    private static async Task CheckAsync(HttpContext context, RequestDelegate next, WebSecuritySnapshot security, PasswordCheckBudget budget, ExporterMetrics metrics)
    {
        if (security.Config.Headers.Count > 0)
        {
            // When the answer starts: over what an endpoint set itself, as the operator asked.
            context.Response.OnStarting(static state =>
            {
                var (response, headers) = ((HttpResponse, IReadOnlyList<KeyValuePair<string, string>>))state;
                foreach (var (name, value) in headers)
                {
                    response.Headers[name] = value;
                }

                return Task.CompletedTask;
            }, (context.Response, security.Config.Headers));
        }

        // The health checks (AllowAnonymous) need nothing, so that a kubelet can ask.
        var refusal = context.GetEndpoint()?.Metadata.GetMetadata<IAllowAnonymous>() is null ? await RefusalAsync(context, security, budget) : null;
        if (refusal is not (var reason, var status, var text))
        {
            await next(context);
            return;
        }

        metrics.Refused(reason);
        context.Response.StatusCode = status;
        if (status == StatusCodes.Status401Unauthorized)
        {
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"logcollector-exporter\", charset=\"UTF-8\"";
        }

        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(text);
    }

    private static async Task<(Refusal Reason, int Status, string Text)?> RefusalAsync(
        HttpContext context, WebSecuritySnapshot security, PasswordCheckBudget budget)
    {
        if (security.Tls?.Config.RequiresClientCertificate == true && context.Connection.ClientCertificate is null)
        {
            return (Refusal.NoClientCertificate, StatusCodes.Status403Forbidden,
                "This endpoint needs a client certificate; only /-/healthy and /-/ready answer without one.\n");
        }

        if (security.Users is not { } users)
        {
            return null;
        }

        if (ReadBasic(context.Request) is not (var user, var password))
        {
            return (Refusal.NoCredentials, StatusCodes.Status401Unauthorized, "This endpoint needs a user name and password.\n");
        }

        var (verdict, retryAfter) = await users.CheckAsync(user, password, ClientOf(context.Connection.RemoteIpAddress), budget, context.RequestAborted);
        if (verdict == PasswordVerdict.NotChecked)
        {
            context.Response.Headers.RetryAfter = ((int)retryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        }

        return verdict switch
        {
            PasswordVerdict.Rejected => (Refusal.BadCredentials, StatusCodes.Status401Unauthorized, "Wrong user name or password.\n"),
            PasswordVerdict.NotChecked => (Refusal.Throttled, StatusCodes.Status429TooManyRequests, "Too many new passwords to check; try again later.\n"),
            _ => null,
        };
    }

    /// <summary>
    /// Who a request comes from, for the budget of password checks: its IPv4 address, or the /64 of its IPv6 address (a
    /// host is given a /64, and may use any address in it).
    /// </summary>
    private static string ClientOf(IPAddress? address) => address switch
    {
        null => "",
        { IsIPv4MappedToIPv6: true } => address.MapToIPv4().ToString(),
        { AddressFamily: AddressFamily.InterNetworkV6 } => $"{new IPAddress([.. address.GetAddressBytes()[..8], .. new byte[8]])}/64",
        _ => address.ToString(),
    };

    /// <summary>The user and password of an <c>Authorization: Basic</c> header (RFC 7617: UTF-8, split at the first colon).</summary>
    private static (string User, string Password)? ReadBasic(HttpRequest request)
    {
        if (!AuthenticationHeaderValue.TryParse(request.Headers.Authorization, out var header)
            || !header.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase) || header.Parameter is null)
        {
            return null;
        }

        Span<byte> decoded = stackalloc byte[header.Parameter.Length];
        var valid = Convert.TryFromBase64String(header.Parameter, decoded, out var length) && Utf8.IsValid(decoded[..length]);
        var pair = valid ? Encoding.UTF8.GetString(decoded[..length]) : "";
        decoded.Clear();
        return pair.Split(':', 2) is [var user, var password] ? (user, password) : null;
    }

    // http:// or https://, a host ([IPv6], a name or address, + or *), and a port of 0 to 65535 written out; a path after it is Kestrel's to refuse.
    [GeneratedRegex(@"^https?://(\[[0-9A-Fa-f:.]+\]|[^:/\[\]\s]+):(6553[0-5]|655[0-2][0-9]|65[0-4][0-9]{2}|6[0-4][0-9]{3}|[1-5][0-9]{4}|[0-9]{1,4})(/\S*)?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ListenUrl();

    [LoggerMessage(Level = LogLevel.Information, Message = "Web configuration {Source}: {Description}")]
    private static partial void LogServing(ILogger logger, string source, string description);

    [LoggerMessage(Level = LogLevel.Warning, Message = "basic_auth_users without tls_server_config: passwords cross the network in clear text, readable by anyone on the path")]
    private static partial void LogPasswordsInClear(ILogger logger);
}
