using System.Globalization;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace LogCollectorExporter.Configuration;

/// <summary>
/// Reads a saved <c>show log-collector preference-list</c> output from a PAN-OS firewall:
/// the collectors in the order listed, and "Forward to all".
/// </summary>
public static partial class PreferenceListFile
{
    /// <param name="Serial">The collector's serial number.</param>
    /// <param name="Address">Its IPv4 address, or its IPv6 address when the IPv4 one is unknown.</param>
    /// <param name="Where">The file and line it was read from (<c>fw.txt:4</c>).</param>
    public sealed record Entry(string Serial, string Address, string Where);

    public sealed record Content(bool ForwardToAll, IReadOnlyList<Entry> Collectors);

    [GeneratedRegex(@"^Serial Number:\s*(?<serial>\S+)\s+IP Address:\s*(?<ip>\S+)\s+IPV6 Address:\s*(?<ip6>\S+)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex CollectorLine();

    [GeneratedRegex(@"^Forward to all:\s*(?<value>\S+)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ForwardToAllLine();

    // The command itself, when the output was copied together with the CLI prompt.
    [GeneratedRegex(@"^\S+>\s*show log-collector preference-list$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex CommandLine();

    /// <summary>Every problem is reported with its file, line number and the line itself.</summary>
    public static Content Parse(string text, string fileName)
    {
        var errors = new List<ConfigurationError>();
        bool? forwardToAll = null;
        var collectors = new List<Entry>();
        var lines = text.ReplaceLineEndings("\n").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            var where = $"{fileName}:{(i + 1).ToString(CultureInfo.InvariantCulture)}";
            if (line.Length == 0
                || line.Equals("Log collector Preference List", StringComparison.OrdinalIgnoreCase)
                || CommandLine().IsMatch(line))
            {
                continue;
            }

            if (ForwardToAllLine().Match(line) is { Success: true } forward)
            {
                var value = forward.Groups["value"].Value;
                var yes = value.Equals("yes", StringComparison.OrdinalIgnoreCase);
                if (forwardToAll is not null || !(yes || value.Equals("no", StringComparison.OrdinalIgnoreCase)))
                {
                    errors.Add(new(where, null, $"\"{line}\": \"Forward to all\" {(forwardToAll is null ? "must be Yes or No" : "appears twice")}"));
                }
                else
                {
                    forwardToAll = yes;
                }

                continue;
            }

            if (CollectorLine().Match(line) is not { Success: true } match)
            {
                errors.Add(new(where, null, $"\"{line}\": not a line of 'show log-collector preference-list' output; expected \"Forward to all: Yes|No\", \"Log collector Preference List\" or \"Serial Number: ... IP Address: ... IPV6 Address: ...\""));
                continue;
            }

            var (ip4, ip6) = (match.Groups["ip"].Value, match.Groups["ip6"].Value);
            var (address, setting, family) = IsKnown(ip4) ? (ip4, "IP Address", AddressFamily.InterNetwork)
                : IsKnown(ip6) ? (ip6, "IPV6 Address", AddressFamily.InterNetworkV6)
                : default;
            if (address is null)
            {
                errors.Add(new(where, null, $"\"{line}\": the collector has neither an IP Address nor an IPV6 Address"));
            }
            else if (Setting.IpAddress(address, family) is null)
            {
                var version = family == AddressFamily.InterNetwork ? "IPv4" : "IPv6";
                errors.Add(new(where, null, $"\"{line}\": {setting} \"{address}\" is not an {version} address"));
            }
            else
            {
                collectors.Add(new Entry(match.Groups["serial"].Value, address, where));
            }
        }

        if (errors.Count == 0 && collectors.Count == 0)
        {
            errors.Add(new(fileName, null, "no \"Serial Number: ... IP Address: ...\" line: the preference list has no collectors"));
        }

        if (errors.Count > 0)
        {
            throw new ConfigurationException(errors);
        }

        return new Content(forwardToAll ?? false, collectors);
    }

    private static bool IsKnown(string address) => !address.Equals("unknown", StringComparison.OrdinalIgnoreCase);
}
