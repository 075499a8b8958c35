using System.Globalization;
using LogCollectorExporter.Configuration;
using LogCollectorExporter.Panorama;
using LogCollectorExporter.Platform;
using LogCollectorExporter.Security;

namespace LogCollectorExporter;

/// <summary>
/// <c>--check-config FILE</c>: load the file with its overrides as a start would, and the <c>--web.config.file</c> given
/// with it (and the certificates it names), say what they hold, exit. A live Panorama source is fetched once, so that
/// what it imports is checked and shown too.
/// </summary>
public static class ConfigCheck
{
    /// <exception cref="ConfigurationException">The configuration cannot be used, or a live source cannot be imported (exit code 2).</exception>
    public static async Task<int> RunAsync(Launch launch, TextWriter output)
    {
        var panorama = new PanoramaImportState();
        var loader = ConfigLoader.FromFile(launch.ConfigFile ?? Launch.DefaultConfigFile, launch.HostArgs, panorama);
        var config = loader.Load();
        var live = config.Panorama.Select(p => p.Source).Where(s => s.IsLive).ToList();
        if (live.Count > 0)
        {
            var errors = new List<ConfigurationError>();
            foreach (var source in live)
            {
                try
                {
                    var content = await PanoramaClient.FetchAsync(source, CancellationToken.None);
                    panorama.Succeeded(source.Label, content, TimeProvider.System.GetUtcNow());
                }
                catch (PanoramaFetchException e)
                {
                    errors.Add(new ConfigurationError(source.Description, null, $"cannot import: {e.Message}"));
                }
            }

            if (errors.Count > 0)
            {
                throw new ConfigurationException(errors);
            }

            config = loader.Load();
        }

        var web = launch.WebConfigFiles.Count > 0 ? WebSecuritySnapshot.Load(launch.WebConfigFiles) : null;

        // Where the host would take them from: ASPNETCORE_URLS, then --urls.
        var urls = new ConfigurationBuilder().AddEnvironmentVariables("ASPNETCORE_").AddCommandLine([.. launch.HostArgs]).Build()[WebHostDefaults.ServerUrlsKey];
        if (!string.IsNullOrEmpty(urls))
        {
            WebSecuritySetup.CheckUrls(urls, web ?? WebSecuritySnapshot.Open);
        }

        var probe = config.Probe;
        output.WriteLine($"{config.Origin.Description}: valid. {config.Groups.Count} groups, {config.Collectors.Count} collectors; " +
            $"probe every {Duration.Format(probe.Interval)}, timeout {Duration.Format(probe.Timeout)}, mode {EnumText.Of(probe.Mode)}" +
            (probe.Certificates.Enabled ? $"; certificate check every {Duration.Format(probe.Certificates.Interval)}, timeout {Duration.Format(probe.Certificates.Timeout)}" : ""));
        output.WriteLine($"  collectors: {string.Join(", ", config.Collectors.Select(c => $"{c.Name} {c.Endpoint}"))}");
        foreach (var imported in config.Panorama)
        {
            WriteImport(imported, output);
        }

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

    private static void WriteImport(PanoramaImportResult imported, TextWriter output)
    {
        var groups = imported.CollectorGroups.Select(g => g.HasLogForwarding
            ? $"{g.Name} ({g.Firewalls.ToString(CultureInfo.InvariantCulture)})"
            : $"{g.Name} (no logfwd-setting)");
        output.WriteLine($"  {imported.Source.Description}: {imported.Firewalls} firewalls (one group each) from {imported.CollectorGroups.Count} collector groups: " +
            $"{string.Join(", ", groups)}; {imported.Collectors.Count} collectors: {string.Join(", ", imported.Collectors)}");
        foreach (var note in imported.Notes)
        {
            output.WriteLine($"    {note}");
        }

        foreach (var warning in imported.Warnings)
        {
            output.WriteLine($"    warning: {warning}");
        }
    }
}
