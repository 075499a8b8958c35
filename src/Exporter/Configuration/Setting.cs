using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace LogCollectorExporter.Configuration;

/// <summary>The rules of a setting's text that more than one reader applies: the settings file, the preference lists, Panorama's.</summary>
internal static partial class Setting
{
    public static IPAddress? IpAddress(string? text) => System.Net.IPAddress.TryParse(text, out var address) ? address : null;

    public static IPAddress? IpAddress(string? text, AddressFamily family) => IpAddress(text) is { } address && address.AddressFamily == family ? address : null;

    /// <summary>An IP address (any form the probe takes) or a DNS name.</summary>
    public static bool IsHostOrAddress(string text) => IpAddress(text) is not null || HostName().IsMatch(text);

    [GeneratedRegex(@"^(?=.{1,253}$)[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,62}))*\.?$", RegexOptions.CultureInvariant)]
    private static partial Regex HostName();

    /// <returns>
    /// What is wrong with <paramref name="text"/> as Panorama's address: an https URL of a host, with no user, query or
    /// fragment (the API key goes in a file); null when it is one. It quotes the text only where it cannot hold a
    /// credential (no @, ? or #): a mistyped URL may carry one, and errors are logged.
    /// </returns>
    public static string? HttpsUrlProblem(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || url.Scheme != Uri.UriSchemeHttps || url.Host.Length == 0)
        {
            var quoted = text.AsSpan().IndexOfAny('@', '?', '#') < 0 ? $"\"{text}\" " : "";
            return $"{quoted}is not allowed; use an https:// URL of Panorama, such as https://panorama.example.net";
        }

        return url.UserInfo.Length > 0 || url.Query.Length > 0 || url.Fragment.Length > 0
            ? $"is not allowed with a user, a query or a fragment (https://{url.Host}...); the API key goes in apiKeyFile"
            : null;
    }

    public static bool InFamily(IPAddress address, IpFamily family) => family switch
    {
        IpFamily.Ip4 => address.AddressFamily == AddressFamily.InterNetwork,
        IpFamily.Ip6 => address.AddressFamily == AddressFamily.InterNetworkV6,
        _ => true,
    };

    /// <summary>
    /// Whether <paramref name="text"/> may name a group: letters, digits and _ . : - (a firewall's serial, as imported,
    /// is its group's name). "" passes: whether a name is required is the caller's rule.
    /// </summary>
    public static bool IsGroupName(string text) => text.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or ':' or '-');
}
