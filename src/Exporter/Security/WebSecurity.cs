using LogCollectorExporter.Configuration;

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
/// whole when its files change (<see cref="WebConfigWatcher"/>); the budget for password checks outlives it.
/// </summary>
public sealed class WebSecurity(WebSecuritySnapshot initial, IReadOnlyList<string> webConfigFiles, TimeProvider time)
{
    private volatile WebSecuritySnapshot current = initial;

    public WebSecuritySnapshot Current => current;

    /// <summary>The <c>--web.config.file</c> files; none when the exporter is open to all over plain HTTP.</summary>
    public IReadOnlyList<string> WebConfigFiles => webConfigFiles;

    public PasswordCheckBudget Budget { get; } = new(time);

    /// <summary>
    /// Loads the files again. Files back to what is running are the running configuration, kept as it is. A configuration
    /// that cannot be used is refused and the running one stays; so is one that would turn TLS on or off (the listeners
    /// are HTTPS or not for the life of the process), or weaken access control: take every basic-authentication user
    /// away (an empty file, the section cut, <c>basic_auth_users: {}</c>) or stop requiring or verifying client
    /// certificates. A file caught empty or half written must not open the exporter to all; to weaken access on purpose,
    /// restart it.
    /// </summary>
    /// <exception cref="ConfigurationException">The new configuration is refused.</exception>
    public WebSecuritySnapshot Reload()
    {
        var running = current;
        if (ConfigFiles.FingerprintOnDisk(running.Files) == running.Fingerprint)
        {
            return running;
        }

        var next = WebSecuritySnapshot.Load(webConfigFiles);
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

        current = next;
        return next;
    }

    /// <summary>What a request needs by way of a client certificate: none, any, or one signed by <c>client_ca_file</c>.</summary>
    private static int ClientCertificateLevel(ServerTls? tls) => tls?.Config switch
    {
        { RequiresClientCertificate: true, VerifiesClientCertificate: true } => 2,
        { RequiresClientCertificate: true } => 1,
        _ => 0,
    };
}
