using System.Text;
using LogCollectorExporter.Configuration;
using LogCollectorExporter.Security;
using LogCollectorExporter.Tests.Support;

namespace LogCollectorExporter.Tests;

/// <summary>The one YAML reader under the settings file and the web configuration: its guard, its walk, its sections.</summary>
public sealed class YamlWalkerTests : IDisposable
{
    private const string Group = "groups: [{name: g, collectors: [{address: 127.0.0.1}]}]\n";

    private readonly TempDirectory directory = new();

    public void Dispose() => directory.Dispose();

    [Theory]
    [InlineData("probe: {interval: 10s, INTERVAL: 20s}\n" + Group, "probe.INTERVAL: is written twice (keys are case-insensitive); keep one")]
    [InlineData(Group + "Groups: []\n", "Groups: is written twice (keys are case-insensitive); keep one")]
    public void A_key_written_twice_in_two_cases_is_an_error_naming_the_second(string yaml, string expected)
    {
        var file = directory.Write("collectors.yaml", yaml);

        var error = Assert.Throws<ConfigurationException>(() => Configs.Loader(file, []).Load());

        Assert.Equal($"configuration error: {file}: {expected}", error.Message);
    }

    [Theory]
    [InlineData("probe: {interval: [1s]}\n" + Group, "probe.interval: must be a single value, not a list")]
    [InlineData("probe: [1s]\n" + Group, "probe: a list is not allowed; it must be a mapping of settings: interval, timeout")]
    [InlineData("probe: {interval: ~, timeout: null, mode: ''}\n" + Group, null)]
    public void A_value_of_the_wrong_shape_is_an_error_and_an_empty_one_is_not_written(string yaml, string? expected)
    {
        var file = directory.Write("collectors.yaml", yaml);

        if (expected is null)
        {
            Assert.Equal(ProbeSettings.Default.Interval, Configs.Loader(file, []).Load().Probe.Interval);
            return;
        }

        Assert.Contains($"{file}: {expected}", Assert.Throws<ConfigurationException>(() => Configs.Loader(file, []).Load()).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_alias_is_read_where_it_is_used_and_its_errors_are_named_there()
    {
        var file = directory.Write("collectors.yaml", "groups:\n  - {name: a, collectors: &lc [{address: 127.0.0.1, port: 0}]}\n  - {name: b, collectors: *lc}\n");

        var error = Assert.Throws<ConfigurationException>(() => Configs.Loader(file, []).Load());

        Assert.Equal(["groups[0].collectors[0].port", "groups[1].collectors[0].port"], error.Errors.Select(e => e.Path));
    }

    /// <summary>The web configuration has the settings file's guard, with its own depth: three levels and room for mistakes.</summary>
    [Theory]
    [InlineData(17, "is not a web configuration: line 1, column 45: nesting is deeper than 16 levels")]
    [InlineData(0, "is not a web configuration: line 6, column 40: the document has more than 1,000,000 values once its aliases (*name) are expanded")]
    public void The_web_configuration_is_loaded_within_the_same_bounds(int depth, string expected)
    {
        var bomb = new StringBuilder("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for (var i = 1; i < 7; i++)
        {
            bomb.Append($"a{i}: &a{i} [{string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 10))}]\n");
        }

        var web = directory.Write("web.yml", depth > 0 ? "http_server_config: {headers: " + new string('[', depth) + new string(']', depth) + "}\n" : bomb.ToString());

        var error = Assert.Throws<ConfigurationException>(() => WebConfigFile.Read([web], new ConfigFiles()));

        Assert.Equal($"configuration error: {web}: {expected}", error.Message);
    }

    [Fact]
    public void A_sections_keys_are_those_its_Read_reads_each_once_in_order()
    {
        Assert.Equal(["interval", "timeout", "mode", "close", "ipFamily", "sourceAddress", "failureThreshold", "recoveryThreshold", "maxConcurrency", "buckets", "certificates"],
            ProbeSettings.Keys);
        Assert.Equal(["enabled", "interval", "timeout"], CertificateCheckSettings.Keys);
        Assert.Equal(["name", "address", "port", "serial", "hostname"], CollectorConfig.Keys);
        Assert.Equal(["name", "forwardToAll", "failback", "preferenceListFile", "collectors"], GroupConfig.Keys);
        Assert.Equal(["configFile", "collectorGroups", "panoramaSerial", "forwardToAll", "failback", "url", "apiKeyFile", "caFile", "refresh", "timeout"],
            PanoramaSource.Keys);
    }

    [Fact]
    public void A_section_that_reads_a_key_only_sometimes_fails_the_first_time_it_does()
    {
        var walker = new YamlWalker("test.yaml", new ConfigErrors(), StringComparer.OrdinalIgnoreCase);
        static void Read(Section s)
        {
            if (s.Text("a") is not null)
            {
                s.Text("b");
            }
        }

        var keys = Section.KeysOf(Read);
        var root = (YamlDotNet.RepresentationModel.YamlMappingNode)YamlGuard.Load("a: 1\nb: 2\n"u8.ToArray(), "test.yaml", "test", 4)!;

        Assert.Equal(["a"], keys);
        Assert.Throws<InvalidOperationException>(() => Read(Section.Open(walker, root, "test", keys)));
    }
}
