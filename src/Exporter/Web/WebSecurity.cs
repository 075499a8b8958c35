using LogCollectorExporter.Configuration;

namespace LogCollectorExporter.Web;

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
    /// Loads the files again; a configuration that cannot be used, or that would turn TLS on or off (the listeners are
    /// HTTPS or not for the life of the process), is refused and the running one stays.
    /// </summary>
    /// <exception cref="ConfigurationException">The new configuration is refused.</exception>
    public WebSecuritySnapshot Reload()
    {
        var next = WebSecuritySnapshot.Load(webConfigFiles);
        if ((next.Tls is null) != (current.Tls is null))
        {
            throw new ConfigurationException(next.Tls?.Config.Source ?? next.Config.Description,
                $"tls_server_config was {(current.Tls is null ? "added" : "removed")}: whether the exporter serves HTTPS is decided at start; restart it to change that");
        }

        current = next;
        return next;
    }
}
