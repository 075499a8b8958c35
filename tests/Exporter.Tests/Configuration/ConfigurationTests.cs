using LogCollectorExporter.Configuration;
using LogCollectorExporter.Platform;
using LogCollectorExporter.Tests.Support;

namespace LogCollectorExporter.Tests;

public sealed class ConfigurationTests : IDisposable
{
    private const string ValidCollectors = """
        groups:
          - name: cg-east
            collectors:
              - name: lc-224
                address: 10.10.10.224
                serial: "009201002984"
              - address: 10.10.10.225
                port: 3979
        """;

    private readonly TempDirectory directory = new();

    public void Dispose() => directory.Dispose();

    [Fact]
    public void A_minimal_file_gets_the_documented_defaults()
    {
        var config = Load(ValidCollectors);

        var probe = config.Probe;
        Assert.Equal(TimeSpan.FromSeconds(60), probe.Interval);
        Assert.Equal(TimeSpan.FromSeconds(5), probe.Timeout);
        Assert.Equal(ProbeMode.Handshake, probe.Mode);
        Assert.Equal(CloseMode.Fin, probe.Close);
        Assert.Equal(IpFamily.Ip4, probe.IpFamily);
        Assert.Null(probe.SourceAddress);
        Assert.Equal((1, 1, 256), (probe.FailureThreshold, probe.RecoveryThreshold, probe.MaxConcurrency));
        Assert.Equal([0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], probe.Buckets);

        var group = Assert.Single(config.Groups);
        Assert.Equal(("cg-east", false, Failback.Immediate), (group.Name, group.ForwardToAll, group.Failback));
        Assert.Collection(
            group.Collectors,
            c => Assert.Equal(new CollectorConfig("lc-224", "10.10.10.224", 3978, "009201002984"), c),
            c => Assert.Equal(new CollectorConfig("10.10.10.225", "10.10.10.225", 3979, ""), c));
    }

    [Fact]
    public void Every_setting_of_the_README_is_read()
    {
        var config = Load("""
            probe:
              interval: 1m30s
              timeout: 500ms
              mode: hold
              close: rst
              ipFamily: any
              sourceAddress: 127.0.0.1
              failureThreshold: 3
              recoveryThreshold: 2
              maxConcurrency: 16
              buckets: [0.001, 0.01, 0.1]
            groups:
              - name: fw-1.dc:a_b
                forwardToAll: true
                failback: sticky
                collectors:
                  - address: collector.example.com
            """);

        Assert.Equal(
            new ProbeSettings(TimeSpan.FromSeconds(90), TimeSpan.FromMilliseconds(500), ProbeMode.Hold, CloseMode.Rst, IpFamily.Any,
                System.Net.IPAddress.Loopback, 3, 2, 16, config.Probe.Buckets),
            config.Probe);
        Assert.Equal([0.001, 0.01, 0.1], config.Probe.Buckets);
        var group = Assert.Single(config.Groups);
        Assert.Equal(("fw-1.dc:a_b", true, Failback.Sticky), (group.Name, group.ForwardToAll, group.Failback));
    }

    [Fact]
    public void Keys_are_case_insensitive()
    {
        var config = Load("""
            Probe:
              INTERVAL: 30s
            Groups:
              - Name: g
                ForwardToAll: TRUE
                Collectors:
                  - Address: 127.0.0.1
            """);

        Assert.Equal(TimeSpan.FromSeconds(30), config.Probe.Interval);
        Assert.True(config.Groups[0].ForwardToAll);
    }

    [Theory]
    [InlineData("groups: []", "groups: at least one group is required")]
    [InlineData("probe: {interval: 1m}", "groups: at least one group is required")]
    [InlineData("""
        groups:
          - name: a
            collectors: [{address: 127.0.0.1}]
          - name: a
            collectors: [{address: 127.0.0.2}]
        """, "groups[1].name: \"a\" is already the name of groups[0]")]
    [InlineData("""
        groups:
          - name: a
        """, "groups[0].collectors: a group needs at least one collector")]
    [InlineData("""
        groups:
          - name: a
            collectors: []
        """, "groups[0].collectors: a group needs at least one collector")]
    [InlineData("""
        groups:
          - collectors: [{address: 127.0.0.1}]
        """, "groups[0].name: is required")]
    [InlineData("""
        groups:
          - name: "a b"
            collectors: [{address: 127.0.0.1}]
        """, "groups[0].name: \"a b\" is not allowed; use letters, digits and _ . : -")]
    [InlineData("""
        groups:
          - name: a
            collectors:
              - {name: x, address: 127.0.0.1}
              - {name: x, address: 127.0.0.2}
        """, "groups[0].collectors[1].name: \"x\" is 127.0.0.2:3978 here but 127.0.0.1:3978 at groups[0].collectors[0]; a collector name stands for one address and port")]
    [InlineData("""
        groups:
          - name: a
            collectors:
              - {address: 127.0.0.1}
              - {address: 127.0.0.1, port: 3978}
        """, "groups[0].collectors[1]: \"127.0.0.1\" is already listed at groups[0].collectors[0]; a group lists a collector once")]
    [InlineData("""
        groups:
          - name: a
            collectors:
              - {address: 127.0.0.1}
              - {address: 127.0.0.2}
              - {address: 127.0.0.3, port: 70000}
        """, "groups[0].collectors[2].port: \"70000\" is not allowed; use a whole number, 1 to 65535")]
    [InlineData("""
        groups:
          - name: a
            collectors: [{address: 127.0.0.1, port: 0}]
        """, "groups[0].collectors[0].port: \"0\" is not allowed; use a whole number, 1 to 65535")]
    [InlineData("""
        groups:
          - name: a
            collectors: [{address: 127.0.0.1, port: http}]
        """, "groups[0].collectors[0].port: \"http\" is not allowed")]
    [InlineData("""
        groups:
          - name: a
            collectors: [{port: 3978}]
        """, "groups[0].collectors[0].address: is required")]
    [InlineData("""
        groups:
          - name: a
            collectors: [{address: "not a host!"}]
        """, "groups[0].collectors[0].address: \"not a host!\" is not allowed")]
    [InlineData("""
        groups:
          - name: a
            collectors: [{address: "::1"}]
        """, "groups[0].collectors[0].address: \"::1\" is not an IPv4 address, and probe.ipFamily is ip4")]
    [InlineData("""
        probe: {interval: 10s, timeout: 10s}
        groups: [{name: a, collectors: [{address: 127.0.0.1}]}]
        """, "probe.timeout: \"10s\" must be shorter than probe.interval (\"10s\")")]
    [InlineData("""
        probe: {interval: 10s, timeout: 1m}
        groups: [{name: a, collectors: [{address: 127.0.0.1}]}]
        """, "probe.timeout: \"1m\" must be shorter than probe.interval (\"10s\")")]
    [InlineData("""
        probe: {interval: 0s}
        groups: [{name: a, collectors: [{address: 127.0.0.1}]}]
        """, "probe.interval: \"0s\" is not allowed; the duration must be greater than zero")]
    [InlineData("""
        probe: {timeout: "-00:00:01"}
        groups: [{name: a, collectors: [{address: 127.0.0.1}]}]
        """, "probe.timeout: \"-00:00:01\" is not allowed; the duration must be greater than zero")]
    [InlineData("""
        probe: {interval: 5 seconds}
        groups: [{name: a, collectors: [{address: 127.0.0.1}]}]
        """, "probe.interval: \"5 seconds\" is not allowed; use a Prometheus duration such as 500ms")]
    [InlineData("""
        probe: {mode: keepalive}
        groups: [{name: a, collectors: [{address: 127.0.0.1}]}]
        """, "probe.mode: \"keepalive\" is not allowed; use one of: handshake, hold")]
    [InlineData("""
        probe: {close: abort}
        groups: [{name: a, collectors: [{address: 127.0.0.1}]}]
        """, "probe.close: \"abort\" is not allowed; use one of: fin, rst")]
    [InlineData("""
        probe: {ipFamily: ipv4}
        groups: [{name: a, collectors: [{address: 127.0.0.1}]}]
        """, "probe.ipFamily: \"ipv4\" is not allowed; use one of: ip4, ip6, any")]
    [InlineData("""
        groups: [{name: a, failback: later, collectors: [{address: 127.0.0.1}]}]
        """, "groups[0].failback: \"later\" is not allowed; use one of: immediate, sticky")]
    [InlineData("""
        groups: [{name: a, forwardToAll: yes, collectors: [{address: 127.0.0.1}]}]
        """, "groups[0].forwardToAll: \"yes\" is not allowed; use true or false")]
    [InlineData("""
        probe: {failureThreshold: 0}
        groups: [{name: a, collectors: [{address: 127.0.0.1}]}]
        """, "probe.failureThreshold: \"0\" is not allowed; use a whole number, 1 or more")]
    [InlineData("""
        probe: {recoveryThreshold: -2}
        groups: [{name: a, collectors: [{address: 127.0.0.1}]}]
        """, "probe.recoveryThreshold: \"-2\" is not allowed; use a whole number, 1 or more")]
    [InlineData("""
        probe: {maxConcurrency: 0}
        groups: [{name: a, collectors: [{address: 127.0.0.1}]}]
        """, "probe.maxConcurrency: \"0\" is not allowed")]
    [InlineData("""
        probe: {buckets: [0.1, 0.1]}
        groups: [{name: a, collectors: [{address: 127.0.0.1}]}]
        """, "probe.buckets[1]: \"0.1\" is not allowed; buckets must be strictly increasing")]
    [InlineData("""
        probe: {buckets: [0.5, 0.1]}
        groups: [{name: a, collectors: [{address: 127.0.0.1}]}]
        """, "probe.buckets[1]: \"0.1\" is not allowed; buckets must be strictly increasing")]
    [InlineData("""
        probe: {buckets: [fast]}
        groups: [{name: a, collectors: [{address: 127.0.0.1}]}]
        """, "probe.buckets[0]: \"fast\" is not allowed; a bucket is a positive number of seconds")]
    [InlineData("""
        probe: {sourceAddress: "::1"}
        groups: [{name: a, collectors: [{address: 127.0.0.1}]}]
        """, "probe.sourceAddress: \"::1\" is not an address of probe.ipFamily ip4")]
    [InlineData("""
        probe: {intervall: 30s}
        groups: [{name: a, collectors: [{address: 127.0.0.1}]}]
        """, "probe.intervall: is not a known setting (did you mean interval?); allowed here: interval, timeout")]
    [InlineData("""
        groups: [{name: a, collectors: [{address: 127.0.0.1, prot: 1}]}]
        """, "groups[0].collectors[0].prot: is not a known setting (did you mean port?); allowed here: name, address, port, serial")]
    [InlineData("""
        groups: [{name: a, collectors: [{address: 127.0.0.1, adress: 127.0.0.2}]}]
        """, "groups[0].collectors[0].adress: is not a known setting (did you mean address?)")]
    [InlineData("""
        colectors: [{name: lc, address: 127.0.0.1}]
        groups: [{name: a, collectors: [lc]}]
        """, "colectors: is not a known setting (did you mean collectors?); allowed at the top level: probe, collectors, groups, panorama")]
    [InlineData("""
        foo: 1
        groups: [{name: a, collectors: [{address: 127.0.0.1}]}]
        """, "foo: is not a known setting; allowed at the top level: probe, collectors, groups, panorama")]
    [InlineData("""
        probe:
        interval: 30s
        groups: [{name: a, collectors: [{address: 127.0.0.1}]}]
        """, "interval: is not a known setting (it is a setting of probe: indent it under probe:); allowed at the top level")]
    [InlineData("""
        refresh: 1m
        groups: [{name: a, collectors: [{address: 127.0.0.1}]}]
        """, "refresh: is not a known setting (it is a setting of panorama: indent it under panorama:)")]
    [InlineData("""
        groups:
          cg-east:
            collectors: [{address: 127.0.0.1}]
        """, "groups: must be a list")]
    [InlineData("groups: [{name: a, collectors: [{address: 127.0.0.1}]", "is not valid YAML: line 2, column 1: While parsing a flow mapping")]
    [InlineData("""
        groups: [{name: a, collectors: [{address: 127.0.0.1}]}]
        groups: [{name: b, collectors: [{address: 127.0.0.1}]}]
        """, "is not valid YAML: line 2, column 1: Duplicate key")]
    public void A_bad_value_is_an_error_naming_the_file_the_key_path_the_value_and_what_is_allowed(string yaml, string expected)
    {
        var file = directory.Write("collectors.yaml", yaml);

        var error = Assert.Throws<ConfigurationException>(() => Configs.Loader(file, []).Load());

        Assert.Contains($"{file}: {expected}", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Files found by fuzzing that made the YAML reader crash the process, hang, or throw something else than a configuration error.</summary>
    public static TheoryData<string, string> FilesThatHurtTheYamlReader => new()
    {
        { "groups: &g [{name: g, collectors: *g}]\n", "is not a configuration: line 1, column 35: the alias *g is inside the node it names" },
        { "groups: " + new string('[', 100_000) + new string(']', 100_000) + "\n", "is not a configuration: line 1, column 72: nesting is deeper than 64 levels" },
        {
            "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + string.Concat(Enumerable.Range(1, 9).Select(i => $"a{i}: &a{i} [{string.Join(", ", Enumerable.Repeat($"*a{i - 1}", 10))}]\n")),
            "is not a configuration: line 6, column 40: the document has more than 1,000,000 values once its aliases (*name) are expanded"
        },
        { "99999999999999999999\n", "is not a configuration: line 1, column 1: the document is a single value; it must be a mapping of settings (probe:, groups:)" },
        { "- 127.0.0.1\n", "is not a configuration: line 1, column 1: the document is a list; it must be a mapping of settings (probe:, groups:)" },
        { "probe:\n  mode: { hold\ngroups: []\n", "is not valid YAML: the YAML reader failed after" },
        { "groups: [{name: g, collectors: [{address: 127.0.0.1}]}]\nz: [*nowhere]\n", "is not valid YAML: line 1, column 1: The anchor 'nowhere' does not exists" },
    };

    [Theory]
    [MemberData(nameof(FilesThatHurtTheYamlReader))]
    public void A_file_that_would_hurt_the_YAML_reader_is_a_configuration_error(string yaml, string expected)
    {
        var file = directory.Write("collectors.yaml", yaml);

        var error = Assert.Throws<ConfigurationException>(() => Configs.Loader(file, []).Load());

        Assert.Contains($"{file}: {expected}", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/dev/zero", "is a character device, not a regular file")]
    [InlineData("/dev/urandom", "is a character device, not a regular file")]
    [InlineData("/tmp", "is a directory, not a regular file")]
    public void A_preference_list_file_that_is_not_a_regular_file_is_refused_without_reading_it(string file, string expected)
    {
        var error = Assert.Throws<ConfigurationException>(() => Load($"groups: [{{name: g, preferenceListFile: {file}}}]\n"));

        Assert.Contains($"{file}: {expected}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_preference_list_file_larger_than_a_configuration_is_refused()
    {
        var large = directory.Write("large.txt", "");
        File.WriteAllBytes(large, new byte[ConfigFiles.MaxFileBytes + 1]);

        var error = Assert.Throws<ConfigurationException>(() => Load($"groups: [{{name: g, preferenceListFile: {large}}}]\n"));

        Assert.Contains($"{large}: is larger than 16 MiB", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("groups: [{name: g, preferenceListFile: \"fw\\0.txt\"}]", "groups[0].preferenceListFile")]
    [InlineData("firewallNamesFile: \"names\\0.csv\"\ngroups: [{name: g, collectors: [{address: 127.0.0.1}]}]", "firewallNamesFile")]
    [InlineData("panorama: [{configFile: \"p\\0.xml\"}]", "panorama[0].configFile")]
    [InlineData("panorama: [{url: \"https://panorama.example.net\", apiKeyFile: key, caFile: \"ca\\0.pem\"}]", "panorama[0].caFile")]
    public void A_NUL_character_in_a_file_name_is_one_configuration_error(string yaml, string path)
    {
        var error = Assert.Throws<ConfigurationException>(() => Load(yaml + "\n"));

        Assert.Equal($"{path}: is not a file name: it contains a NUL character", Assert.Single(error.Errors).ToString()[(directory.Path.Length + "/collectors.yaml: ".Length)..]);
    }

    [Theory]
    [InlineData("interval: 25h", "probe.interval: \"25h\" is not allowed; the longest is 1d")]
    [InlineData("interval: 60d, timeout: 50d", "probe.timeout: \"50d\" is not allowed; the longest is 1d")]
    public void A_duration_longer_than_a_day_is_a_configuration_error(string probe, string expected)
    {
        var error = Assert.Throws<ConfigurationException>(() => Load($"probe: {{{probe}}}\ngroups: [{{name: g, collectors: [{{address: 127.0.0.1}}]}}]\n"));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_error_in_a_file_is_reported_at_once()
    {
        var file = directory.Write("collectors.yaml", """
            probe: {mode: sometimes, failureThreshold: 0}
            groups: [{name: a, collectors: [{address: 127.0.0.1, port: 0}]}]
            """);

        var error = Assert.Throws<ConfigurationException>(() => Configs.Loader(file, []).Load());

        Assert.Equal(["probe.mode", "probe.failureThreshold", "groups[0].collectors[0].port"], error.Errors.Select(e => e.Path));
        Assert.StartsWith("3 configuration errors:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_is_an_error_naming_it()
    {
        var file = Path.Combine(directory.Path, "nowhere.yaml");

        var error = Assert.Throws<ConfigurationException>(() => Configs.Loader(file, []).Load());

        Assert.StartsWith($"configuration error: {file}: cannot read the file", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Only the probe: settings: a group's or a collector's are the file's (README.md, "Run it").</summary>
    [Fact]
    public void The_command_line_overrides_the_files_probe_settings()
    {
        var file = directory.Write("collectors.yaml", "probe: {interval: 1m, MODE: handshake}\n" + ValidCollectors);

        var config = Configs.Loader(file, ["--probe:interval=30s", "--Probe:Mode", "hold", "--probe:certificates:enabled=true", "--groups:0:name=other"]).Load();

        Assert.Equal((TimeSpan.FromSeconds(30), ProbeMode.Hold, true), (config.Probe.Interval, config.Probe.Mode, config.Probe.Certificates.Enabled));
        Assert.Equal("cg-east", config.Groups[0].Name);
    }

    [Fact]
    public void A_bad_override_is_reported_as_coming_from_the_command_line()
    {
        var file = directory.Write("collectors.yaml", ValidCollectors);

        var error = Assert.Throws<ConfigurationException>(() => Configs.Loader(file, ["--probe:timeout=2m"]).Load());

        Assert.Equal("configuration error: command line --probe:timeout: probe.timeout: \"2m\" must be shorter than probe.interval (\"1m\")", error.Message);
    }

    [Fact]
    public void Buckets_can_be_overridden_as_one_comma_separated_value()
    {
        var file = directory.Write("collectors.yaml", ValidCollectors);

        var config = Configs.Loader(file, ["--probe:buckets=0.001, 0.002,0.5"]).Load();

        Assert.Equal([0.001, 0.002, 0.5], config.Probe.Buckets);
    }

    [Fact]
    public void A_group_can_take_its_collectors_from_a_saved_preference_list()
    {
        directory.Write("lists/fw-1.txt", PreferenceListFileTests.ReadmeSample);
        var config = Load("""
            groups:
              - name: fw-1
                preferenceListFile: lists/fw-1.txt
            """);

        var group = Assert.Single(config.Groups);
        Assert.False(group.ForwardToAll);
        Assert.Collection(
            group.Collectors,
            c => Assert.Equal(new CollectorConfig("009201002984", "10.10.10.224", 3978, "009201002984"), c),
            c => Assert.Equal(new CollectorConfig("009201002985", "10.10.10.225", 3978, "009201002985"), c));
        Assert.Equal(2, config.Origin.Files.Count);
    }

    [Fact]
    public void A_group_with_both_collectors_and_a_preference_list_is_an_error()
    {
        directory.Write("fw-1.txt", PreferenceListFileTests.ReadmeSample);
        var file = directory.Write("collectors.yaml", """
            groups:
              - name: fw-1
                preferenceListFile: fw-1.txt
                collectors: [{address: 127.0.0.1}]
            """);

        var error = Assert.Throws<ConfigurationException>(() => Configs.Loader(file, []).Load());

        Assert.Contains("groups[0]: has both collectors and preferenceListFile; use one of them", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_preference_list_is_reported_with_its_file_and_line()
    {
        var list = directory.Write("fw-1.txt", PreferenceListFileTests.ReadmeSample + "Serial Number: 1 IP Address: 300.1.1.1 IPV6 Address: unknown\n");
        var file = directory.Write("collectors.yaml", """
            groups:
              - name: fw-1
                preferenceListFile: fw-1.txt
            """);

        var error = Assert.Throws<ConfigurationException>(() => Configs.Loader(file, []).Load());

        Assert.Contains($"{list}:6: \"Serial Number: 1 IP Address: 300.1.1.1 IPV6 Address: unknown\": IP Address \"300.1.1.1\" is not an IPv4 address (read for groups[0].preferenceListFile)",
            error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_preference_list_collector_with_only_an_IPv6_address_needs_ipFamily_any_or_ip6()
    {
        var list = directory.Write("fw-1.txt", "Serial Number: 7 IP Address: unknown IPV6 Address: 2001:db8::7\n");
        var yaml = "probe: {ipFamily: %}\ngroups:\n  - name: fw-1\n    preferenceListFile: fw-1.txt\n";

        var error = Assert.Throws<ConfigurationException>(() => Load(yaml.Replace("%", "ip4", StringComparison.Ordinal)));

        Assert.Contains($"{list}:1: serial number 7 has only the address 2001:db8::7 (read for groups[0].preferenceListFile), and probe.ipFamily is ip4",
            error.Message, StringComparison.Ordinal);
        Assert.Equal("[2001:db8::7]:3978", Load(yaml.Replace("%", "any", StringComparison.Ordinal)).Groups[0].Collectors[0].Endpoint);
    }

    [Fact]
    public void The_example_in_the_docs_is_valid()
    {
        var example = Path.Combine(Tools.RepositoryRoot, "docs", "examples", "collectors.yaml");

        var config = Configs.Loader(example, []).Load();

        Assert.Equal(["cg-east", "fw-branch-7"], config.Groups.Select(g => g.Name));
        Assert.True(config.Groups[1].ForwardToAll);
    }

    [Fact]
    public void ForwardToAll_that_contradicts_the_preference_list_is_an_error()
    {
        directory.Write("fw-1.txt", PreferenceListFileTests.ReadmeSample);
        var file = directory.Write("collectors.yaml", """
            groups:
              - name: fw-1
                forwardToAll: true
                preferenceListFile: fw-1.txt
            """);

        var error = Assert.Throws<ConfigurationException>(() => Configs.Loader(file, []).Load());

        Assert.Contains("groups[0].forwardToAll: \"true\" contradicts \"Forward to all: No\"", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("500ms", 0, 0, 0, 500)]
    [InlineData("5s", 0, 0, 5, 0)]
    [InlineData("1m", 0, 1, 0, 0)]
    [InlineData("1h30m", 1, 30, 0, 0)]
    [InlineData("1m30s500ms", 0, 1, 30, 500)]
    [InlineData("2d", 48, 0, 0, 0)]
    [InlineData("00:00:05", 0, 0, 5, 0)]
    [InlineData("01:30:00", 1, 30, 0, 0)]
    [InlineData("00:00:00.250", 0, 0, 0, 250)]
    public void Durations_are_read_the_Prometheus_way_or_as_hh_mm_ss(string text, int hours, int minutes, int seconds, int milliseconds)
    {
        Assert.True(Duration.TryParse(text, out var value));
        Assert.Equal(new TimeSpan(0, hours, minutes, seconds, milliseconds), value);
    }

    [Theory]
    [InlineData("")]
    [InlineData("5")]
    [InlineData("5S")]
    [InlineData("1s1m")]
    [InlineData("1m1m")]
    [InlineData("1.5s")]
    [InlineData("s")]
    [InlineData("5 s")]
    [InlineData("9999999999h")]
    public void Malformed_durations_are_rejected(string text) => Assert.False(Duration.TryParse(text, out _));

    [Theory]
    [InlineData(500, "500ms")]
    [InlineData(60_000, "1m")]
    [InlineData(90_000, "1m30s")]
    [InlineData(5_400_000, "1h30m")]
    public void Durations_print_the_way_Prometheus_writes_them(int milliseconds, string expected) =>
        Assert.Equal(expected, Duration.Format(TimeSpan.FromMilliseconds(milliseconds)));

    [Fact]
    public void A_collector_of_the_catalogue_is_one_collector_however_many_groups_name_it()
    {
        var config = Load("""
            collectors:
              - {name: lc-224, address: 10.10.10.224, serial: "009201002984"}
              - {name: lc-225, address: 10.10.10.225, serial: "009201002985"}
              - {name: lc-spare, address: 10.10.10.226}
            groups:
              - name: fw-branch-7
                collectors: [lc-224, lc-225]
              - name: fw-branch-8
                collectors: [lc-225, lc-224]
              - name: fw-branch-9
                collectors:
                  - lc-225
                  - {name: lc-224, address: 10.10.10.224}
                  - {name: lc-9, address: 10.10.10.9}
            """);

        Assert.Equal(["lc-224", "lc-225", "lc-spare", "lc-9"], config.Collectors.Select(c => c.Name));
        Assert.Equal(new CollectorConfig("lc-224", "10.10.10.224", 3978, "009201002984"), config.Collectors[0]);
        Assert.Equal(["lc-225", "lc-224"], config.Groups[1].Collectors.Select(c => c.Name));
        Assert.Equal(["lc-225", "lc-224", "lc-9"], config.Groups[2].Collectors.Select(c => c.Name));

        // The same instance wherever it is listed: the fleet and the engine hold one per collector.
        Assert.Same(config.Collectors[0], config.Groups[0].Collectors[0]);
        Assert.Same(config.Collectors[0], config.Groups[1].Collectors[1]);
        Assert.Same(config.Collectors[0], config.Groups[2].Collectors[1]);
    }

    [Fact]
    public void The_same_collector_written_inline_in_two_groups_is_one_collector_with_the_serial_either_gave()
    {
        var config = Load("""
            groups:
              - {name: a, collectors: [{name: lc-1, address: 127.0.0.1}]}
              - {name: b, collectors: [{name: lc-1, address: 127.0.0.1, serial: "0042"}]}
            """);

        var collector = Assert.Single(config.Collectors);
        Assert.Equal(new CollectorConfig("lc-1", "127.0.0.1", 3978, "0042"), collector);
        Assert.Same(collector, config.Groups[0].Collectors[0]);
    }

    [Theory]
    [InlineData("""
        collectors: [{name: lc-1, address: 10.0.0.1}]
        groups: [{name: a, collectors: [{name: lc-1, address: 10.0.0.2}]}]
        """, "groups[0].collectors[0].name: \"lc-1\" is 10.0.0.2:3978 here but 10.0.0.1:3978 at collectors[0]; a collector name stands for one address and port")]
    [InlineData("""
        groups:
          - {name: a, collectors: [{name: lc-1, address: 10.0.0.1}]}
          - {name: b, collectors: [{name: lc-1, address: 10.0.0.1, port: 3979}]}
        """, "groups[1].collectors[0].name: \"lc-1\" is 10.0.0.1:3979 here but 10.0.0.1:3978 at groups[0].collectors[0]")]
    [InlineData("""
        groups:
          - {name: a, collectors: [{name: lc-1, address: 10.0.0.1, serial: "1"}]}
          - {name: b, collectors: [{name: lc-1, address: 10.0.0.1, serial: "2"}]}
        """, "groups[1].collectors[0].name: \"lc-1\" has serial \"2\" here but \"1\" at groups[0].collectors[0]")]
    [InlineData("""
        collectors: [{name: lc-1, address: 10.0.0.1}, {name: lc-1, address: 10.0.0.1}]
        groups: [{name: a, collectors: [lc-1]}]
        """, "collectors[1].name: \"lc-1\" is already the name of collectors[0]; names in collectors: must be unique")]
    [InlineData("""
        collectors: [{name: lc-1, address: 10.0.0.1, serial: "7"}, {name: lc-2, address: 10.0.0.2, serial: "7"}]
        groups: [{name: a, collectors: [lc-1]}]
        """, "collectors[1].name: serial \"7\" is already the serial of collectors[0]")]
    [InlineData("""
        collectors: [{name: lc-1, address: 10.0.0.1}]
        groups: [{name: a, collectors: [lc-1, lc-2]}]
        """, "groups[0].collectors[1]: \"lc-2\" is not the name of a collector in collectors:; define it there, or write it here as {name, address, port}")]
    [InlineData("""
        collectors: [{name: lc-1, address: 10.0.0.1}]
        groups: [{name: a, collectors: [lc-1, lc-1]}]
        """, "groups[0].collectors[1]: \"lc-1\" is already listed at groups[0].collectors[0]; a group lists a collector once")]
    [InlineData("""
        collectors: [lc-1]
        groups: [{name: a, collectors: [lc-1]}]
        """, "collectors[0]: \"lc-1\" is not allowed; a collector of the catalogue is a mapping: {name, address, port, serial, hostname}")]
    [InlineData("""
        probe: {interval: 500ms, timeout: 100ms}
        groups: [{name: a, collectors: [{address: 10.0.0.1}]}]
        """, "probe.interval: \"500ms\" is not allowed; the shortest is 1s: no collector is probed more than once a second")]
    public void Shared_collectors_are_checked_and_every_error_names_both_places(string yaml, string expected)
    {
        var file = directory.Write("collectors.yaml", yaml);

        var error = Assert.Throws<ConfigurationException>(() => Configs.Loader(file, []).Load());

        Assert.Contains($"{file}: {expected}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_preference_list_entry_whose_serial_the_catalogue_knows_is_that_collector()
    {
        directory.Write("fw-7.txt", PreferenceListFileTests.ReadmeSample);
        directory.Write("fw-8.txt", "Serial Number: 009201002985 IP Address: 10.10.10.225 IPV6 Address: unknown\n");
        var config = Load("""
            collectors:
              - {name: lc-224, address: lc-224.example.net, port: 3979, serial: "009201002984"}
            groups:
              - {name: fw-7, preferenceListFile: fw-7.txt}
              - {name: fw-8, preferenceListFile: fw-8.txt}
            """);

        Assert.Equal(["lc-224", "009201002985"], config.Groups[0].Collectors.Select(c => c.Name));
        Assert.Equal("lc-224.example.net:3979", config.Groups[0].Collectors[0].Endpoint);
        Assert.Same(config.Groups[0].Collectors[1], config.Groups[1].Collectors[0]);
        Assert.Equal(["lc-224", "009201002985"], config.Collectors.Select(c => c.Name));
    }

    [Fact]
    public void One_serial_at_two_addresses_in_two_preference_lists_is_an_error_naming_both_lines()
    {
        var first = directory.Write("fw-7.txt", "Serial Number: 0001 IP Address: 10.0.0.1 IPV6 Address: unknown\n");
        var second = directory.Write("fw-8.txt", "Forward to all: No\nSerial Number: 0001 IP Address: 10.0.0.2 IPV6 Address: unknown\n");

        var error = Assert.Throws<ConfigurationException>(() => Load("""
            groups:
              - {name: fw-7, preferenceListFile: fw-7.txt}
              - {name: fw-8, preferenceListFile: fw-8.txt}
            """));

        Assert.Contains($"{second}:2: \"0001\" is 10.0.0.2:3978 here but 10.0.0.1:3978 at {first}:1 (read for groups[0].preferenceListFile)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_bad_value_of_every_section_is_reported_at_once_section_by_section()
    {
        var file = directory.Write("collectors.yaml", """
            probe: {interval: often, failureThreshold: x, recoveryThreshold: 0, maxConcurrency: 99999999999, close: abort, intervall: 1s}
            collectors: [{name: lc-1, address: 10.0.0.1, port: http, prot: 1}]
            groups:
              - {name: a, forwardToAll: yes, failback: later, collectors: [lc-1, {address: "not a host!"}, {address: 127.0.0.1, port: -1}]}
              - {name: "b c", collectors: [lc-2]}
            """);

        var error = Assert.Throws<ConfigurationException>(() => Configs.Loader(file, []).Load());

        Assert.Equal(
            [
                "probe.intervall", "probe.interval", "probe.close", "probe.failureThreshold", "probe.recoveryThreshold", "probe.maxConcurrency",
                "collectors[0].prot", "collectors[0].port", "groups[0].forwardToAll", "groups[0].failback", "groups[0].collectors[1].address", "groups[0].collectors[2].port",
                "groups[1].name", "groups[1].collectors[0]",
            ],
            error.Errors.Select(e => e.Path));
        Assert.All(error.Errors, e => Assert.Equal(file, e.Source));
    }

    [Theory]
    [InlineData("""
        collectors: [lc-1, {name: lc-2, address: 127.0.0.1, port: 0}]
        groups: [{name: a, collectors: [lc-2]}]
        """, "collectors[1].port: \"0\" is not allowed")]
    [InlineData("""
        collectors: [{name: lc-1, address: 127.0.0.1}]
        groups: [{name: a, collectors: [lc-1, lc-1b, {address: 127.0.0.2, port: 0}]}]
        """, "groups[0].collectors[2].port: \"0\" is not allowed")]
    [InlineData("""
        groups: [fw-1, {name: a, collectors: [{address: 127.0.0.2, port: 0}]}]
        """, "groups[1].collectors[0].port: \"0\" is not allowed")]
    [InlineData("""
        groups: [fw-1, {name: a, collectors: [{address: 127.0.0.2}]}]
        """, "groups[0]: \"fw-1\" is not allowed; a group is a mapping: {name, collectors, ...}")]
    [InlineData("""
        probe: 5
        groups: [{name: a, collectors: [{address: 127.0.0.1}]}]
        """, "probe: \"5\" is not allowed; it must be a mapping of settings: interval, timeout, mode")]
    public void An_item_written_as_a_single_value_keeps_every_other_item_in_its_place(string yaml, string expected)
    {
        var file = directory.Write("collectors.yaml", yaml);

        var error = Assert.Throws<ConfigurationException>(() => Configs.Loader(file, []).Load());

        Assert.Contains($"{file}: {expected}", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("probe: {interval: 2s}\ngroups: [{name: g, collectors: [{address: 127.0.0.1}]}]",
        "probe.timeout: \"5s\" (the default) must be shorter than probe.interval (\"2s\")")]
    [InlineData("probe: {timeout: 292y}\ngroups: [{name: g, collectors: [{address: 127.0.0.1}]}]",
        "probe.timeout: \"292y\" is not allowed; the longest is 1d")]
    [InlineData("probe: {interval: soon, timeout: 1s}\ngroups: [{name: g, collectors: [{address: 127.0.0.1}]}]",
        "probe.interval: \"soon\" is not allowed; use a Prometheus duration")]
    [InlineData("probe: {interval: 1s, timeout: 5x}\ngroups: [{name: g, collectors: [{address: 127.0.0.1}]}]",
        "probe.timeout: \"5x\" is not allowed; use a Prometheus duration")]
    [InlineData("groups:\n  - {name: a, collectors: [{name: lc-1, address: \"not a host!\"}]}\n  - {name: b, collectors: [{name: lc-1, address: 127.0.0.1}]}",
        "groups[0].collectors[0].address: \"not a host!\" is not allowed; use an IPv4 or IPv6 address or a DNS name")]
    public void A_value_that_is_wrong_is_one_error_not_also_the_cause_of_others(string yaml, string expected)
    {
        var file = directory.Write("collectors.yaml", yaml);

        var error = Assert.Throws<ConfigurationException>(() => Configs.Loader(file, []).Load());

        Assert.Single(error.Errors);
        Assert.StartsWith($"configuration error: {file}: {expected}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_value_on_the_command_line_is_named_with_its_flag()
    {
        var file = directory.Write("collectors.yaml", "collectors: [{name: lc-1, address: 127.0.0.1}]\n" + ValidCollectors);

        var error = Assert.Throws<ConfigurationException>(() => Configs.Loader(file, ["--probe:failureThreshold=x", "--PROBE:MODE=sometimes", "--probe:certificates:interval", "30s"]).Load());

        Assert.Equal(
            [
                "command line --probe:mode: probe.mode: \"sometimes\" is not allowed; use one of: handshake, hold",
                "command line --probe:failureThreshold: probe.failureThreshold: \"x\" is not allowed; use a whole number, 1 or more",
                "command line --probe:certificates:interval: probe.certificates.interval: \"30s\" is not allowed; the shortest is 1m: a collector may log each handshake the check makes",
            ],
            error.Errors.Select(e => e.ToString()));
    }

    [Theory]
    [InlineData("{configFile: p.xml, url: \"https://panorama.example.net\", apiKeyFile: key}", "panorama[0]: has both configFile and url; a source is one of them")]
    [InlineData("{collectorGroups: [cg-east]}", "panorama[0]: needs configFile (a saved Panorama configuration) or url (Panorama's XML API)")]
    [InlineData("{url: \"http://panorama.example.net\", apiKeyFile: key}", "panorama[0].url: \"http://panorama.example.net\" is not allowed; use an https:// URL of Panorama")]
    [InlineData("{url: panorama.example.net, apiKeyFile: key}", "panorama[0].url: \"panorama.example.net\" is not allowed; use an https:// URL of Panorama")]
    [InlineData("{url: \"https://panorama.example.net\"}", "panorama[0].apiKeyFile: is required with url: the file that holds the XML API key")]
    [InlineData("{url: \"https://panorama.example.net\", apiKeyFile: key, refresh: 0s}", "panorama[0].refresh: \"0s\" is not allowed; the duration must be greater than zero")]
    [InlineData("{url: \"https://panorama.example.net\", apiKeyFile: key, refresh: soon}", "panorama[0].refresh: \"soon\" is not allowed; use a Prometheus duration")]
    [InlineData("{configFile: p.xml, forwardToAll: maybe, failback: later}", "panorama[0].forwardToAll: \"maybe\" is not allowed; use true or false")]
    [InlineData("{configFile: p.xml, failback: later}", "panorama[0].failback: \"later\" is not allowed; use one of: immediate, sticky")]
    [InlineData("{configFile: p.xml, colectorGroups: [cg-east]}", "panorama[0].colectorGroups: is not a known setting (did you mean collectorGroups?); allowed here: configFile, collectorGroups, panoramaSerial, forwardToAll, failback, url, apiKeyFile, caFile, refresh, timeout")]
    [InlineData("{configFile: p.xml, collectorGroups: [{name: cg-east}]}", "panorama[0].collectorGroups[0]: is not allowed; a collector group is named by a single value")]
    [InlineData("{configFile: p.xml, refresh: 5m}", "panorama[0].refresh: \"5m\" is a setting of a live source (url), not of a configFile")]
    [InlineData("{configFile: p.xml, apiKeyFile: key, timeout: 10s}", "panorama[0].apiKeyFile: \"key\" is a setting of a live source (url), not of a configFile")]
    [InlineData("{url: \"https://panorama.example.net\", apiKeyFile: key, timeout: soon}", "panorama[0].timeout: \"soon\" is not allowed; use a Prometheus duration")]
    [InlineData("{url: \"https://panorama.example.net\", apiKeyFile: key, refresh: 5s}", "panorama[0].refresh: \"5s\" is not allowed; the shortest is 10s")]
    [InlineData("{url: \"https://panorama.example.net\", apiKeyFile: key, refresh: 1m, timeout: 61s}", "panorama[0].timeout: \"61s\" must not be longer than the source's refresh (\"1m\")")]
    public void A_Panorama_source_is_checked_setting_by_setting(string source, string expected)
    {
        var file = directory.Write("collectors.yaml", $"panorama:\n  - {source}\n");

        var error = Assert.Throws<ConfigurationException>(() => Configs.Loader(file, []).Load());

        Assert.Contains($"{file}: {expected}", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("at least one group is required", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_caFile_that_cannot_be_used_is_an_error_naming_the_setting()
    {
        directory.Write("key", "k");
        var empty = directory.Write("empty.pem", "not a certificate\n");
        const string Source = "panorama:\n  - {url: \"https://panorama.example.net\", apiKeyFile: key, caFile: %}\n";

        var missing = Assert.Single(Assert.Throws<ConfigurationException>(() => Load(Source.Replace("%", "nowhere.pem", StringComparison.Ordinal))).Errors);
        var none = Assert.Single(Assert.Throws<ConfigurationException>(() => Load(Source.Replace("%", "empty.pem", StringComparison.Ordinal))).Errors);

        Assert.Equal(Path.Combine(directory.Path, "nowhere.pem"), missing.Source);
        Assert.EndsWith("(read for panorama[0].caFile)", missing.Problem, StringComparison.Ordinal);
        Assert.Equal(("panorama[0].caFile", $"{empty} holds no PEM certificate (-----BEGIN CERTIFICATE-----)"), (none.Path, none.Problem));
    }

    [Theory]
    [InlineData("refresh: 10s", "10s", "10s")]
    [InlineData("refresh: 20s", "20s", "20s")]
    [InlineData("refresh: 1m", "1m", "30s")]
    [InlineData("refresh: 20s, timeout: 20s", "20s", "20s")]
    [InlineData("timeout: 2m", "5m", "2m")]
    public void A_Panorama_timeout_not_written_is_30s_or_the_refresh_whichever_is_shorter(string settings, string refresh, string timeout)
    {
        directory.Write("key", "k");

        var source = Assert.Single(Load($"panorama:\n  - {{url: \"https://panorama.example.net\", apiKeyFile: key, {settings}}}\n").Panorama).Source;

        Assert.Equal(refresh, Duration.Format(source.Refresh));
        Assert.Equal(timeout, Duration.Format(source.Timeout));
    }

    private ExporterConfig Load(string yaml) => Configs.Loader(directory.Write("collectors.yaml", yaml), []).Load();
}
