using System.Globalization;

namespace LogCollectorExporter.Configuration;

/// <summary>
/// Reads <c>firewallNamesFile</c>: one <c>SERIAL,NAME</c> per line, blank lines and <c>#</c> lines skipped. Panorama's
/// configuration does not hold its firewalls' hostnames (its device list does), so the user supplies them. A serial is
/// a group's name: the name applies to the group of that name.
/// </summary>
public static class FirewallNamesFile
{
    /// <summary>A DNS name's length: longer is not a firewall's name.</summary>
    private const int MaxNameLength = 255;

    /// <summary>Each name by serial; every problem is reported with its file, line number and the line itself.</summary>
    public static IReadOnlyDictionary<string, string> Parse(string text, string fileName)
    {
        var errors = new List<ConfigurationError>();
        var names = new Dictionary<string, (string Name, int Line)>(StringComparer.Ordinal);
        var lines = text.ReplaceLineEndings("\n").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var where = $"{fileName}:{(i + 1).ToString(CultureInfo.InvariantCulture)}";
            var comma = line.IndexOf(',', StringComparison.Ordinal);
            var (serial, name) = comma < 0 ? ("", "") : (line[..comma].Trim(), line[(comma + 1)..].Trim());
            if (serial.Length == 0 || name.Length == 0)
            {
                errors.Add(new(where, null, $"\"{line}\" is not SERIAL,NAME (a firewall's serial, a comma, its name)"));
            }
            else if (!ErrorText.IsPrintable(line) || name.Length > MaxNameLength)
            {
                errors.Add(new(where, null, $"\"{line}\": a name is at most {MaxNameLength} characters with no control or format character; it is shown in the log, on the status page and in /metrics"));
            }
            else if (names.TryGetValue(serial, out var first))
            {
                errors.Add(new(where, null, $"\"{line}\": serial {serial} is already named \"{first.Name}\" on line {first.Line.ToString(CultureInfo.InvariantCulture)}; a firewall has one name"));
            }
            else
            {
                names[serial] = (name, i + 1);
            }
        }

        if (errors.Count > 0)
        {
            throw new ConfigurationException(errors);
        }

        return names.ToDictionary(n => n.Key, n => n.Value.Name, StringComparer.Ordinal);
    }
}
