using LogCollectorExporter.Configuration;

namespace LogCollectorExporter.Tests;

public sealed class PreferenceListFileTests
{
    /// <summary>The PAN-OS output quoted in README.md ("Configuration", the preference list file).</summary>
    public const string ReadmeSample = """
        Forward to all: No
        Log collector Preference List

        Serial Number: 009201002984 IP Address: 10.10.10.224 IPV6 Address: unknown
        Serial Number: 009201002985 IP Address: 10.10.10.225 IPV6 Address: unknown

        """;

    [Fact]
    public void The_README_sample_gives_the_collectors_in_order_and_forward_to_all()
    {
        var content = PreferenceListFile.Parse(ReadmeSample, "fw.txt");

        Assert.False(content.ForwardToAll);
        Assert.Equal(
            [new("009201002984", "10.10.10.224", "fw.txt:4"), new("009201002985", "10.10.10.225", "fw.txt:5")],
            content.Collectors);
    }

    [Fact]
    public void An_IPv6_only_collector_uses_its_IPv6_address()
    {
        var content = PreferenceListFile.Parse("""
            Forward to all: Yes
            Log collector Preference List
            Serial Number: 009201002986 IP Address: unknown IPV6 Address: 2001:db8::e0
            """, "fw.txt");

        Assert.True(content.ForwardToAll);
        Assert.Equal([new("009201002986", "2001:db8::e0", "fw.txt:3")], content.Collectors);
    }

    [Fact]
    public void Windows_line_endings_extra_spaces_and_the_echoed_command_are_accepted()
    {
        var content = PreferenceListFile.Parse(
            "admin@PA-3220> show log-collector preference-list\r\n\r\n  Forward to all: No\r\nLog collector Preference List\r\n" +
            "Serial Number:   009201002984   IP Address: 10.10.10.224   IPV6 Address: unknown  \r\n",
            "fw.txt");

        Assert.Equal([new("009201002984", "10.10.10.224", "fw.txt:5")], content.Collectors);
    }

    [Theory]
    [InlineData("Forward to all: No\nSerial Number: 1 IP Address: 10.0.0.1\n", 2, "\"Serial Number: 1 IP Address: 10.0.0.1\": not a line of 'show log-collector preference-list' output")]
    [InlineData("Forward to all: Maybe\nSerial Number: 1 IP Address: 10.0.0.1 IPV6 Address: unknown\n", 1, "\"Forward to all: Maybe\": \"Forward to all\" must be Yes or No")]
    [InlineData("Serial Number: 1 IP Address: unknown IPV6 Address: unknown\n", 1, "the collector has neither an IP Address nor an IPV6 Address")]
    [InlineData("\n\nSerial Number: 1 IP Address: 10.0.0.1 IPV6 Address: 10.0.0.2\nSerial Number: 2 IP Address: unknown IPV6 Address: 10.0.0.2\n", 4, "IPV6 Address \"10.0.0.2\" is not an IPv6 address")]
    [InlineData("Forward to all: No\nForward to all: Yes\nSerial Number: 1 IP Address: 10.0.0.1 IPV6 Address: unknown\n", 2, "\"Forward to all\" appears twice")]
    [InlineData("Serial Number: 1 IP Address: 10.0.0.1 IPV6 Address: unknown\nlogs to disk\n", 2, "\"logs to disk\": not a line")]
    public void A_malformed_line_is_an_error_quoting_it_with_its_number(string text, int line, string expected)
    {
        var error = Assert.Throws<ConfigurationException>(() => PreferenceListFile.Parse(text, "fw.txt"));

        var only = Assert.Single(error.Errors);
        Assert.Equal($"fw.txt:{line}", only.Source);
        Assert.Contains(expected, only.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void A_list_without_collectors_is_an_error()
    {
        var error = Assert.Throws<ConfigurationException>(() => PreferenceListFile.Parse("Forward to all: No\nLog collector Preference List\n", "fw.txt"));

        Assert.Contains("the preference list has no collectors", error.Message, StringComparison.Ordinal);
    }
}
