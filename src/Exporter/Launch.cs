namespace LogCollectorExporter;

/// <summary>
/// The command line: <c>[--config FILE] [--demo] [--check-config FILE] [--urls URLS] [--web.config.file FILE]</c>. The
/// exporter's own flags are taken out; everything else (<c>--urls</c>, <c>--probe:interval=30s</c>) goes to the host and
/// the configuration.
/// </summary>
public sealed record Launch(string? ConfigFile, bool Demo, IReadOnlyList<string> HostArgs)
{
    public const string DefaultConfigFile = "collectors.yaml";

    public const string Usage = """
        Usage: logcollector-exporter [--config FILE] [--demo] [--check-config FILE] [--urls URLS] [--web.config.file FILE] [--section:key=value ...]

          --config FILE           YAML configuration (default: collectors.yaml in the working directory, if it exists)
          --demo                  probe three simulated log collectors on 127.0.0.1 every 5 s (failover and failback included)
          --check-config FILE     validate FILE (fetching each live panorama: source once) and the --web.config.file given
                                  with it, say what they hold and exit: 0 when valid, 2 when not
          --urls URLS             where to serve /metrics and the other endpoints (default http://0.0.0.0:9978; with TLS https://0.0.0.0:9978)
          --web.config.file FILE  TLS, basic authentication and response headers, in the Prometheus exporter-toolkit's format;
                                  may be given again for another file with other sections (basic_auth_users from a Secret)
          --version               print the version and exit

        Any probe: setting can also come from the environment (Probe__Interval=30s) or the command line (--probe:interval=30s).
        """;

    /// <summary>What to do, or the exit code when the command line already decided (help, version, a check, a mistake).</summary>
    public static (Launch? Launch, int? ExitCode) Parse(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        string? config = null;
        string? check = null;
        var demo = false;
        var webConfigFiles = new List<string>();
        var rest = new List<string>();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            var (name, inline) = arg.StartsWith("--", StringComparison.Ordinal) && arg.IndexOf('=', StringComparison.Ordinal) is var eq and > 0
                ? (arg[..eq], arg[(eq + 1)..])
                : (arg, null);
            switch (name)
            {
                case "--config" or "--check-config" or "--web.config.file":
                    var value = inline ?? (i + 1 < args.Count && !args[i + 1].StartsWith('-') ? args[++i] : null);
                    if (string.IsNullOrEmpty(value))
                    {
                        return Fail(error, $"{name} needs a file name");
                    }

                    switch (name)
                    {
                        case "--config":
                            config = value;
                            break;
                        case "--check-config":
                            check = value;
                            break;
                        default:
                            webConfigFiles.Add(value);
                            break;
                    }

                    break;
                case "--demo":
                    demo = true;
                    break;
                case "--help" or "-h":
                    output.WriteLine(Usage);
                    return (null, 0);
                case "--version":
                    output.WriteLine($"logcollector-exporter {Platform.BuildInfo.Current.Version} ({Platform.BuildInfo.Current.Revision}, {Platform.BuildInfo.Current.Runtime})");
                    return (null, 0);
                default:
                    var isValueOfPrevious = rest.Count > 0 && rest[^1].StartsWith("--", StringComparison.Ordinal) && !rest[^1].Contains('=', StringComparison.Ordinal);
                    if (!arg.StartsWith('-') && !isValueOfPrevious)
                    {
                        return Fail(error, $"unexpected argument \"{arg}\"");
                    }

                    rest.Add(arg);
                    break;
            }
        }

        if (check is not null)
        {
            return (new Launch(check, false, rest) { Check = true, WebConfigFiles = webConfigFiles }, null);
        }

        if (demo && config is not null)
        {
            return Fail(error, "--demo and --config cannot be used together: the demo has its own collectors");
        }

        if (!demo && config is null)
        {
            if (!File.Exists(DefaultConfigFile))
            {
                return Fail(error, $"no configuration: pass --config FILE, put a {DefaultConfigFile} in the working directory, or run with --demo to watch it probe three simulated collectors");
            }

            config = DefaultConfigFile;
        }

        return (new Launch(config, demo, rest) { WebConfigFiles = webConfigFiles }, null);
    }

    /// <summary>The <c>--web.config.file</c> files, in order; none serves plain HTTP, open to all.</summary>
    public IReadOnlyList<string> WebConfigFiles { get; init; } = [];

    /// <summary>Only validate <see cref="ConfigFile"/> (<c>--check-config</c>).</summary>
    public bool Check { get; init; }

    private static (Launch?, int?) Fail(TextWriter error, string message)
    {
        error.WriteLine($"logcollector-exporter: {message}");
        error.WriteLine(Usage);
        return (null, 2);
    }
}
