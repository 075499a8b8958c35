using System.Text;
using LogCollectorExporter.Platform;

namespace LogCollectorExporter.Configuration;

/// <summary>
/// A group's <c>preferenceListFile</c>: reads the saved preference list, and defines its collectors by serial, unless
/// the catalogue has the serial, whose collector the entry then is.
/// </summary>
/// <param name="files">Reads the files, and fingerprints them.</param>
/// <param name="baseDirectory">Where relative paths start: the configuration file's folder.</param>
internal sealed class PreferenceListImport(ConfigFiles files, string? baseDirectory, CollectorDefinitions definitions, YamlWalker walker)
{
    private readonly ConfigErrors errors = walker.Errors;

    /// <summary>The group's collectors in priority order and "Forward to all"; null when the file cannot be used (the errors are recorded).</summary>
    /// <param name="groupPath">The group's key path (<c>groups[0]</c>).</param>
    /// <param name="explicitForwardToAll">The group's <c>forwardToAll</c>, when it has one.</param>
    public (bool ForwardToAll, IReadOnlyList<string> Members)? Read(string groupPath, string listFile, bool? explicitForwardToAll, IpFamily family)
    {
        var fullPath = Path.GetFullPath(listFile, baseDirectory ?? Directory.GetCurrentDirectory());
        PreferenceListFile.Content content;
        try
        {
            content = PreferenceListFile.Parse(Encoding.UTF8.GetString(files.ReadAllBytes(fullPath)), fullPath);
        }
        catch (ConfigurationException e)
        {
            errors.AddReadFor(e, $"{groupPath}.preferenceListFile", groupPath);
            return null;
        }

        if (explicitForwardToAll is { } configured && configured != content.ForwardToAll)
        {
            walker.Error(null, $"{groupPath}.forwardToAll",
                $"\"{(configured ? "true" : "false")}\" contradicts \"Forward to all: {(content.ForwardToAll ? "Yes" : "No")}\" in {fullPath}; remove forwardToAll, the preference list file sets it");
            return null;
        }

        var members = new List<string>();
        var readFor = ConfigErrors.ReadFor($"{groupPath}.preferenceListFile");
        foreach (var entry in content.Collectors)
        {
            // A serial that the catalogue knows is that collector, reached the way the catalogue says.
            var name = definitions.CataloguedSerial(entry.Serial);
            if (name is null)
            {
                if (!Setting.InFamily(System.Net.IPAddress.Parse(entry.Address), family))
                {
                    errors.Add(new(entry.Where, null, $"serial number {entry.Serial} has only the address {entry.Address} {readFor}, and probe.ipFamily is {EnumText.Of(family)}; set probe.ipFamily to any, or give the collector an address in collectors:"), groupPath);
                    continue;
                }

                // Named by the catalogue without an address, it takes that name and this address.
                (name, var conflict) = definitions.DefineBySerial(entry.Serial, entry.Address, $"{entry.Where} {readFor}");
                if (conflict is not null)
                {
                    errors.Add(new(entry.Where, null, $"{conflict} {readFor}"), groupPath);
                    continue;
                }
            }

            if (members.Contains(name, StringComparer.Ordinal))
            {
                errors.Add(new(entry.Where, null, $"serial number {entry.Serial} is listed twice {readFor}; a group lists a collector once"), groupPath);
                continue;
            }

            members.Add(name);
        }

        return (content.ForwardToAll, members);
    }
}
