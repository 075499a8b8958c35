using System.Diagnostics;
using System.Net;
using System.Text.Json;
using LogCollectorExporter.Tests.Support;
using Xunit.Abstractions;
using static LogCollectorExporter.Tests.Support.Exposition;

namespace LogCollectorExporter.Tests;

/// <summary>The built binary, as users and Kubernetes run it: exit codes, signals, the demo.</summary>
public sealed class ProcessTests(ITestOutputHelper output) : IDisposable
{
    private const int Sighup = 1;
    private const int Sigterm = 15;
    private readonly TempDirectory directory = new();

    public void Dispose() => directory.Dispose();

    [Fact]
    public async Task A_bad_configuration_exits_2_naming_the_file_and_key_path_without_a_stack_trace()
    {
        var config = directory.Write("collectors.yaml", "groups:\n  - name: g\n    collectors:\n      - {address: 127.0.0.1}\n      - {address: 127.0.0.2}\n      - {address: 127.0.0.3, port: 99999}\n");

        var (exitCode, text) = await Tools.RunAsync(Tools.Exporter, ["--config", config]);

        Assert.Equal(2, exitCode);
        Assert.Equal($"logcollector-exporter: configuration error: {config}: groups[0].collectors[2].port: \"99999\" is not allowed; use a whole number, 1 to 65535\n", text);
    }

    [Fact]
    public async Task Check_config_exits_0_for_a_valid_file_and_2_for_a_bad_one()
    {
        var good = directory.Write("good.yaml", Configs.Group([3978, 3979]));
        var bad = directory.Write("bad.yaml", "probe: {timeout: 2m}\n" + "groups: [{name: g, collectors: [{address: 127.0.0.1}]}]\n");

        var (goodExit, goodText) = await Tools.RunAsync(Tools.Exporter, ["--check-config", good]);
        var (badExit, badText) = await Tools.RunAsync(Tools.Exporter, ["--check-config", bad]);

        Assert.Equal(0, goodExit);
        Assert.StartsWith($"{good}: valid. 1 groups, 2 collectors; probe every 1m, timeout 5s, mode handshake", goodText, StringComparison.Ordinal);
        Assert.Equal(2, badExit);
        Assert.Contains($"{bad}: probe.timeout: \"2m\" must be shorter than probe.interval (\"1m\")", badText, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", badText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_environment_overrides_the_file_and_the_command_line_overrides_both()
    {
        var config = directory.Write("collectors.yaml", Configs.Group([3978], probe: "interval: 60s, timeout: 1s"));
        var environment = new Dictionary<string, string> { ["Probe__Interval"] = "30s", ["PROBE__MODE"] = "hold" };

        var (_, fromEnvironment) = await Tools.RunAsync(Tools.Exporter, ["--check-config", config], environment: environment);
        var (_, fromCommandLine) = await Tools.RunAsync(Tools.Exporter, ["--check-config", config, "--probe:interval=45s"], environment: environment);

        Assert.Contains("probe every 30s, timeout 1s, mode hold", fromEnvironment, StringComparison.Ordinal);
        Assert.Contains("probe every 45s, timeout 1s, mode hold", fromCommandLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_environment_variable_is_named_in_the_error()
    {
        var config = directory.Write("collectors.yaml", Configs.Group([3978]));

        var (exitCode, text) = await Tools.RunAsync(Tools.Exporter, ["--check-config", config],
            environment: new Dictionary<string, string> { ["PROBE__FAILURETHRESHOLD"] = "-1", ["Probe__Certificates__Timeout"] = "2h" });

        Assert.Equal(2, exitCode);
        Assert.Contains("environment variable probe__failureThreshold: probe.failureThreshold: \"-1\" is not allowed; use a whole number, 1 or more", text, StringComparison.Ordinal);
        Assert.Contains("environment variable probe__certificates__timeout: probe.certificates.timeout: \"2h\" must be shorter than probe.certificates.interval (\"1h\")",
            text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("127.0.0.1:9979", "--urls: \"127.0.0.1:9979\" is not a URL to listen on: write the scheme, the address and the port")]
    [InlineData("http://127.0.0.1", "--urls: \"http://127.0.0.1\" is not a URL to listen on")]
    [InlineData("http://127.0.0.1:65536", "--urls: \"http://127.0.0.1:65536\" is not a URL to listen on")]
    public async Task A_listen_url_without_a_scheme_or_a_port_exits_2_with_one_line_at_start_and_in_check_config(string urls, string expected)
    {
        var config = directory.Write("collectors.yaml", Configs.Group([3978]));

        foreach (var mode in new[] { "--config", "--check-config" })
        {
            var (exitCode, text) = await Tools.RunAsync(Tools.Exporter, [mode, config, "--urls", urls]);

            Assert.Equal(2, exitCode);
            Assert.Equal($"logcollector-exporter: configuration error: {expected}", text.Split('\n')[0][..$"logcollector-exporter: configuration error: {expected}".Length]);
            Assert.Single(text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }
    }

    [Theory]
    [InlineData("http://+:9978")]
    [InlineData("http://[::1]:0")]
    [InlineData("http://127.0.0.1:0;http://localhost:0")]
    public async Task Listen_urls_that_Kestrel_takes_pass_check_config(string urls)
    {
        var config = directory.Write("collectors.yaml", Configs.Group([3978]));

        var (exitCode, text) = await Tools.RunAsync(Tools.Exporter, ["--check-config", config, "--urls", urls]);

        Assert.True(exitCode == 0, text);
    }

    [Fact]
    public async Task Without_any_configuration_it_exits_2_and_says_how_to_start()
    {
        var (exitCode, text) = await Tools.RunAsync("/bin/sh", ["-c", $"cd {directory.Path} && exec {Tools.Exporter}"]);

        Assert.Equal(2, exitCode);
        Assert.StartsWith("logcollector-exporter: no configuration: pass --config FILE, put a collectors.yaml in the working directory, or run with --demo", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task It_reads_collectors_yaml_from_the_working_directory_by_default()
    {
        directory.Write("collectors.yaml", Configs.Group([3978]));

        var (exitCode, text) = await Tools.RunAsync("/bin/sh", ["-c", $"cd {directory.Path} && exec {Tools.Exporter} --check-config collectors.yaml"]);

        Assert.Equal(0, exitCode);
        Assert.StartsWith($"{directory.Path}/collectors.yaml: valid.", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_argument_exits_2_with_the_usage()
    {
        var (exitCode, text) = await Tools.RunAsync(Tools.Exporter, ["--demo", "stray"]);

        Assert.Equal(2, exitCode);
        Assert.StartsWith("logcollector-exporter: unexpected argument \"stray\"", text, StringComparison.Ordinal);
        Assert.Contains("Usage: logcollector-exporter [--config FILE] [--demo] [--check-config FILE] [--urls URLS]", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SIGTERM_stops_probing_and_exits_0_within_5_seconds_closing_held_connections()
    {
        using var peer = Peer.Up();
        using var blackholed = Peer.Blackholed();
        var config = directory.Write("collectors.yaml", Configs.Group([peer.Port, blackholed.Port], probe: "interval: 10s, timeout: 9s, mode: hold"));
        await using var exporter = ExporterProcess.Start(["--config", config]);
        await exporter.ListeningAsync();
        await Eventually.TrueAsync(() => peer.Accepted == 1, "c1's connection held");

        // The blackholed collector's probe is in flight (9 s timeout) and c1's connection is held.
        var clock = Stopwatch.StartNew();
        exporter.Signal(Sigterm);
        var exited = await exporter.WaitForExitAsync(TimeSpan.FromSeconds(5));
        clock.Stop();
        output.WriteLine($"SIGTERM to exit: {clock.Elapsed.TotalMilliseconds:F0} ms");

        Assert.True(exited, "still running 5 s after SIGTERM:\n" + exporter.Output);
        Assert.Equal(0, exporter.ExitCode);
        await Eventually.TrueAsync(() => peer.Endings().Count == 1, "the held connection closed");
        Assert.Equal(["fin"], peer.Endings());
    }

    [Fact]
    public async Task A_collector_without_a_route_is_unreachable()
    {
        // A network namespace of the test's own, whose loopback is down: nothing routes, nothing leaves it. In a user
        // namespace of its own as well, so that it needs no root.
        var config = directory.Write("collectors.yaml", Configs.Group([3978], probe: "interval: 5s, timeout: 1s"));
        await using var exporter = ExporterProcess.Start(["--config", config], wrapper: ["unshare", "--map-root-user", "--net"]);

        // Where unshare may not make namespaces (a chroot, a confined user), it exits at once and says why.
        await Eventually.TrueAsync(() => exporter.HasExited || exporter.Output.Contains("is down", StringComparison.Ordinal), "the collector reported down");

        Assert.Contains("Collector c1 (127.0.0.1:3978) is down (was unknown): unreachable: 127.0.0.1:3978: Network is unreachable", exporter.Output,
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_TLS_or_a_live_Panorama_source_the_exporter_does_not_load_OpenSSL()
    {
        // OpenSSL is some 3 MiB of the exporter's resident memory: fingerprinting the configuration must not need it.
        using var peer = Peer.Up();
        var config = directory.Write("collectors.yaml", Configs.Group([peer.Port]));
        await using var exporter = ExporterProcess.Start(["--config", config]);
        using var client = new HttpClient { BaseAddress = await exporter.ListeningAsync() };
        await Eventually.TrueAsync(async () => (await client.GetAsync("/-/ready")).IsSuccessStatusCode, "ready");
        await client.GetStringAsync("/metrics");
        exporter.Signal(Sighup);
        await Eventually.TrueAsync(async () => (await client.GetStringAsync("/api/v1/status")).Contains("SIGHUP", StringComparison.Ordinal), "a reload by SIGHUP");

        var libraries = File.ReadAllLines($"/proc/{exporter.Id}/maps").Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(5) ?? "");

        Assert.DoesNotContain(libraries, library => library.Contains("libssl", StringComparison.Ordinal) || library.Contains("libcrypto", StringComparison.Ordinal));
    }

    // Under nohup the exporter starts with SIGHUP ignored, which the runtime would leave so (README, "Reload").
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SIGHUP_reloads_the_configuration(bool underNohup)
    {
        using var peer = Peer.Up();
        var config = directory.Write("collectors.yaml", Configs.Group([peer.Port]));
        await using var exporter = ExporterProcess.Start(["--config", config], wrapper: underNohup ? ["nohup"] : null);
        using var client = new HttpClient { BaseAddress = await exporter.ListeningAsync() };

        exporter.Signal(Sighup);

        await Eventually.TrueAsync(async () =>
        {
            var status = JsonDocument.Parse(await client.GetStringAsync("/api/v1/status")).RootElement;
            return status.GetProperty("exporter").GetProperty("lastReload").GetProperty("trigger").GetString() == "SIGHUP";
        }, "a reload by SIGHUP");
        Assert.False(exporter.HasExited);
    }

    [Fact]
    public async Task The_demo_shows_failover_and_failback_within_a_minute()
    {
        await using var exporter = ExporterProcess.Start(["--demo"]);
        using var client = new HttpClient { BaseAddress = await exporter.ListeningAsync() };
        var clock = Stopwatch.StartNew();

        string text;
        do
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), "no failover and failback within a minute:\n" + exporter.Output);
            await Task.Delay(250);
            text = await client.GetStringAsync("/metrics");
        }
        while (Value(text, "logcollector_group_failovers_total", L("group", "fw-hq")) < 2);
        output.WriteLine($"demo: failover and failback seen after {clock.Elapsed.TotalSeconds:F1} s");

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/-/ready")).StatusCode);
        Assert.Equal(3, Value(text, "logcollector_group_collectors", L("group", "fw-hq")));
        Assert.Equal(3, Samples(text, "logcollector_info").Length);
        Assert.Equal(4, Samples(text, "logcollector_group_collectors").Length);
        Assert.True(Value(text, "logcollector_connection_drops_total", L("collector", "lc-1")) >= 1);

        // Each firewall fails over its own way, over the same collectors.
        Assert.Matches(@"groups changed where their logs go after lc-1 went down: [^\n]*fw-hq[^;\n]* → lc-2;[^\n]*fw-branch-1 → lc-3", exporter.Output);
        Assert.Matches(@"groups changed where their logs go after lc-1 went up: [^\n]*fw-hq[^;\n]* → lc-1", exporter.Output);
    }

    [Fact]
    public async Task At_the_default_level_probes_are_not_logged_only_changes()
    {
        using var up = Peer.Up();
        var config = directory.Write("collectors.yaml", Configs.Group([up.Port], probe: "interval: 1s, timeout: 500ms"));
        await using var quiet = ExporterProcess.Start(["--config", config]);
        await using var debug = ExporterProcess.Start(["--config", config], new Dictionary<string, string> { ["Logging__LogLevel__LogCollectorExporter"] = "Debug" });

        await Eventually.TrueAsync(() => up.Accepted >= 8, "four probes from each");
        await Eventually.TrueAsync(() => debug.Output.Split("Probe c1: success").Length > 3, "debug lines for probes");

        Assert.DoesNotContain("Probe c1", quiet.Output, StringComparison.Ordinal);
        Assert.Contains("Probing 1 collectors of 1 groups every 1s (timeout 500ms, mode handshake), configured by " + config, quiet.Output, StringComparison.Ordinal);
        Assert.Contains($"Collector c1 (127.0.0.1:{up.Port}) is up (was unknown)", quiet.Output, StringComparison.Ordinal);
        Assert.Contains("1 groups changed where their logs go after c1 went up: g → c1", quiet.Output, StringComparison.Ordinal);
        Assert.Contains("Group g: logs go to c1 (priority 1) instead of none", debug.Output, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z info: ", quiet.Output);
    }

    [Fact]
    public async Task Logs_are_JSON_lines_with_the_standard_setting()
    {
        using var refused = Peer.Refused();
        var config = directory.Write("collectors.yaml", Configs.Group([refused.Port], probe: "interval: 1s, timeout: 500ms"));
        await using var exporter = ExporterProcess.Start(["--config", config], new Dictionary<string, string> { ["Logging__Console__FormatterName"] = "json" });

        await Eventually.TrueAsync(() => exporter.Output.Contains("is down", StringComparison.Ordinal), "the collector reported down");

        var lines = exporter.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var events = lines.Select(line => JsonDocument.Parse(line).RootElement).ToArray();
        var down = events.Single(e => e.GetProperty("Message").GetString()!.Contains("is down", StringComparison.Ordinal));
        Assert.Equal("Warning", down.GetProperty("LogLevel").GetString());
        var state = down.GetProperty("State");
        Assert.Equal("c1", state.GetProperty("Collector").GetString());
        Assert.Equal($"127.0.0.1:{refused.Port}", state.GetProperty("Endpoint").GetString());
        Assert.Equal("refused", state.GetProperty("Result").GetString());
        Assert.EndsWith("Z", down.GetProperty("Timestamp").GetString(), StringComparison.Ordinal);
    }
}
