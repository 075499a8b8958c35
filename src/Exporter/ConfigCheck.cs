using LogCollectorExporter.Configuration;
using LogCollectorExporter.Web;

namespace LogCollectorExporter;

/// <summary>
/// <c>--check-config FILE</c>: load the file with its overrides as a start would, and the <c>--web.config.file</c> given
/// with it (and the certificates it names), say what they hold, exit.
/// </summary>
public static class ConfigCheck
{
    /// <exception cref="ConfigurationException">The configuration cannot be used (exit code 2).</exception>
    public static int Run(Launch launch, TextWriter output)
    {
        var config = ConfigLoader.FromFile(launch.ConfigFile ?? Launch.DefaultConfigFile, launch.HostArgs).Load();
        var web = launch.WebConfigFiles.Count > 0 ? WebSecuritySnapshot.Load(launch.WebConfigFiles) : null;
        var probe = config.Probe;
        output.WriteLine($"{config.Origin.Description}: valid. {config.Groups.Count} groups, {config.Collectors.Count} collectors; " +
            $"probe every {Duration.Format(probe.Interval)}, timeout {Duration.Format(probe.Timeout)}, mode {EnumText.Of(probe.Mode)}");
        output.WriteLine($"  collectors: {string.Join(", ", config.Collectors.Select(c => $"{c.Name} {c.Endpoint}"))}");
        foreach (var group in config.Groups)
        {
            var policy = group.ForwardToAll ? "forward to all" : $"failback {EnumText.Of(group.Failback)}";
            output.WriteLine($"  {group.Name} ({policy}): {string.Join(", ", group.Collectors.Select((c, i) => $"{i + 1}. {c.Name}"))}");
        }

        if (web is not null)
        {
            output.WriteLine($"{web.Config.Description}: valid. {WebSecuritySetup.Describe(web)}");
        }

        return 0;
    }
}
