using LogCollectorExporter.Configuration;
using LogCollectorExporter.Metrics;

namespace LogCollectorExporter.Security;

/// <summary>One web configuration as loaded: its settings, the TLS material its files hold, its users.</summary>
/// <param name="Files">Every file it was read from: the web config files, the certificate, key and CA files.</param>
/// <param name="Fingerprint">Their content when read (<see cref="ConfigFiles"/>).</param>
public sealed record WebSecuritySnapshot(WebConfig Config, ServerTls? Tls, BasicAuthUsers? Users, IReadOnlyList<string> Files, string Fingerprint)
{
    public static WebSecuritySnapshot Open { get; } = new(WebConfig.None, null, null, [], "");

    /// <summary>Reads the web config files and what they name.</summary>
    /// <exception cref="ConfigurationException">A file cannot be read or does not hold what it should.</exception>
    public static WebSecuritySnapshot Load(IReadOnlyList<string> webConfigFiles)
    {
        var files = new ConfigFiles();
        var config = WebConfigFile.Read(webConfigFiles, files);
        var tls = config.Tls is { } tlsConfig ? ServerTls.Load(tlsConfig, files) : null;
        var users = config.Users.Count > 0 ? new BasicAuthUsers(config.Users) : null;
        return new WebSecuritySnapshot(config, tls, users, [.. files.Paths], files.Fingerprint());
    }
}

/// <summary>
/// The web configuration that is running: what every TLS handshake and every request is checked with. Replaced as a
/// whole when any of its files changes on disk: the web config files, and the certificate, key and CA files they name.
/// They are watched as the collectors' configuration is (<see cref="ConfigFiles.WatchAsync"/>), so a certificate that
/// cert-manager renews in its Secret (the kubelet swaps the volume's <c>..data</c> symlink) is served from the next
/// handshake after it settled, without a restart. The budget for password checks outlives it.
/// </summary>
public sealed partial class WebSecurity(WebSecuritySnapshot initial, TimeProvider time, ExporterMetrics metrics, ILogger<WebSecurity> logger)
    : BackgroundService
{
    private volatile WebSecuritySnapshot current = initial;

    public WebSecuritySnapshot Current => current;

    public PasswordCheckBudget Budget { get; } = new(time);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        ConfigFiles.WatchAsync(() => (current.Files, current.Fingerprint), _ =>
        {
            Reload();
            return Task.CompletedTask;
        }, time, stoppingToken);

    private void Reload()
    {
        try
        {
            var running = current;
            var next = current = Load(running);
            if (ReferenceEquals(next, running))
            {
                LogBack(logger, next.Config.Description);
            }
            else
            {
                LogReloaded(logger, next.Config.Description, WebSecuritySetup.Describe(next));
            }

            metrics.WebConfigLastReloadSuccessful.Set(1);
        }
        catch (ConfigurationException e)
        {
            // The log first: whoever sees the gauge change finds the reason logged.
            LogRejected(logger, e.Message);
            metrics.WebConfigLastReloadSuccessful.Set(0);
        }
    }

    /// <summary>
    /// Loads the files again. Files back to what is running are the running configuration, kept as it is. A configuration
    /// that cannot be used is refused and the running one stays; so is one that would turn TLS on or off (the listeners
    /// are HTTPS or not for the life of the process), or weaken access control: take every basic-authentication user
    /// away (an empty file, the section cut, <c>basic_auth_users: {}</c>) or stop requiring or verifying client
    /// certificates. A file caught empty or half written must not open the exporter to all; to weaken access on purpose,
    /// restart it.
    /// </summary>
    /// <exception cref="ConfigurationException">The new configuration is refused.</exception>
    private static WebSecuritySnapshot Load(WebSecuritySnapshot running)
    {
        if (ConfigFiles.FingerprintOnDisk(running.Files) == running.Fingerprint)
        {
            return running;
        }

        var next = WebSecuritySnapshot.Load(running.Config.Files);
        if ((next.Tls is null) != (running.Tls is null))
        {
            throw new ConfigurationException(next.Tls?.Config.Source ?? next.Config.Description,
                $"tls_server_config was {(running.Tls is null ? "added" : "removed")}: whether the exporter serves HTTPS is decided at start; restart it to change that");
        }

        if (running.Users is not null && next.Users is null)
        {
            throw new ConfigurationException(next.Config.Description,
                "basic_auth_users is gone (an empty file, the section cut, or no user in it): a reload does not turn basic authentication off; restart the exporter to do that");
        }

        if (ClientCertificateLevel(next.Tls) < ClientCertificateLevel(running.Tls))
        {
            throw new ConfigurationException(next.Tls!.Config.Source,
                $"tls_server_config.client_auth_type {next.Tls.Config.ClientAuth} requires less than the running {running.Tls!.Config.ClientAuth}: " +
                "a reload does not weaken the client certificate requirement; restart the exporter to do that");
        }

        return next;
    }

    /// <summary>What a request needs by way of a client certificate: none, any, or one signed by <c>client_ca_file</c>.</summary>
    private static int ClientCertificateLevel(ServerTls? tls) => tls?.Config switch
    {
        { RequiresClientCertificate: true, VerifiesClientCertificate: true } => 2,
        { RequiresClientCertificate: true } => 1,
        _ => 0,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Web configuration reloaded from {Source}: {Description}")]
    private static partial void LogReloaded(ILogger logger, string source, string description);

    [LoggerMessage(Level = LogLevel.Information, Message = "Web configuration {Source}: the files are what runs again")]
    private static partial void LogBack(ILogger logger, string source);

    [LoggerMessage(Level = LogLevel.Error, Message = "Web configuration reload rejected; the previous one keeps serving. {Error}")]
    private static partial void LogRejected(ILogger logger, string error);
}
