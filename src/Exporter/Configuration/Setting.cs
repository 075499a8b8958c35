using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace LogCollectorExporter.Configuration;

/// <summary>
/// A setting's text as the value it stands for: one reading for the attributes that check it and for ConfigReader,
/// which converts it once everything is checked. Text that is not given, or does not read, gives the fallback.
/// </summary>
internal static class Setting
{
    public static bool TryWholeNumber(string text, out int value) =>
        int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);

    public static int WholeNumber(string? text, int fallback) =>
        !string.IsNullOrEmpty(text) && TryWholeNumber(text, out var value) ? value : fallback;

    public static TimeSpan Duration(string? text, TimeSpan fallback) =>
        Configuration.Duration.TryParse(text, out var value) ? value : fallback;

    public static T Enum<T>(string? text, T fallback)
        where T : struct, Enum => !string.IsNullOrEmpty(text) && EnumText.TryParse<T>(text, out var value) ? value : fallback;

    /// <summary>Not given: null; given, whether it is true.</summary>
    public static bool? TrueOrFalse(string? text) => bool.TryParse(text, out var value) ? value : null;

    public static IPAddress? IpAddress(string? text) => System.Net.IPAddress.TryParse(text, out var address) ? address : null;

    /// <summary>Whether <paramref name="address"/> is one that <c>probe.ipFamily</c> <paramref name="family"/> connects to.</summary>
    public static bool InFamily(IPAddress address, IpFamily family) => family switch
    {
        IpFamily.Ip4 => address.AddressFamily == AddressFamily.InterNetwork,
        IpFamily.Ip6 => address.AddressFamily == AddressFamily.InterNetworkV6,
        _ => true,
    };
}
