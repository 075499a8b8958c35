using System.Diagnostics;
using System.Net;
using System.Text.Json;
using LogCollectorExporter.Tests.Support;
using Xunit.Abstractions;
using static LogCollectorExporter.Tests.Support.Exposition;

namespace LogCollectorExporter.Tests;

/// <summary>The whole exporter on Kestrel (127.0.0.1, a free port) probing real loopback peers.</summary>
public sealed class HostTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory directory = new();

    public void Dispose() => directory.Dispose();

    [Fact]
    public async Task Failover_and_failback_show_in_metrics()
    {
        using var first = Peer.Up();
        using var second = Peer.Up();
        var config = directory.Write("collectors.yaml", Configs.Group([first.Port, second.Port], probe: "interval: 1s, timeout: 500ms"));
        await using var exporter = await RunningExporter.StartAsync(config);
        await exporter.WaitForMetricsAsync(
            m => Value(m, "logcollector_preferred", L("group", "g"), L("collector", "c1"), L("priority", "1")) == 1, Eventually.Patience, "c1 preferred at start");

        first.StopListening();
        var text = await exporter.WaitForMetricsAsync(
            m => Value(m, "logcollector_preferred", L("group", "g"), L("collector", "c2"), L("priority", "2")) == 1, Eventually.Patience, "failover to c2");

        Assert.Equal(0, Value(text, "logcollector_up", L("collector", "c1")));
        Assert.Equal(0, Value(text, "logcollector_preferred", L("group", "g"), L("collector", "c1"), L("priority", "1")));
        Assert.Equal(2, Value(text, "logcollector_group_preferred_priority", L("group", "g")));
        Assert.Equal(1, Value(text, "logcollector_group_failovers_total", L("group", "g")));
        Assert.True(Value(text, "logcollector_probes_total", L("collector", "c1"), L("result", "refused")) >= 1);

        using var back = Peer.Up(first.Port);
        text = await exporter.WaitForMetricsAsync(
            m => Value(m, "logcollector_preferred", L("group", "g"), L("collector", "c1"), L("priority", "1")) == 1, Eventually.Patience, "failback to c1");

        Assert.Equal(1, Value(text, "logcollector_up", L("collector", "c1")));
        Assert.Equal(1, Value(text, "logcollector_group_preferred_priority", L("group", "g")));
        Assert.Equal(2, Value(text, "logcollector_group_failovers_total", L("group", "g")));
        Assert.Equal(0, first.BytesReceived + second.BytesReceived + back.BytesReceived);
    }

    [Fact]
    public async Task Hold_mode_fails_over_as_soon_as_the_collector_resets_the_held_connection()
    {
        using var first = Peer.Up();
        using var second = Peer.Up();
        var config = directory.Write("collectors.yaml", Configs.Group([first.Port, second.Port], probe: "interval: 60s, timeout: 1s, mode: hold"));
        await using var exporter = await RunningExporter.StartAsync(config);
        await exporter.WaitForMetricsAsync(
            m => Value(m, "logcollector_preferred", L("group", "g"), L("collector", "c1"), L("priority", "1")) == 1 && first.Accepted == 1, Eventually.Patience, "c1 preferred and held");

        var clock = Stopwatch.StartNew();
        first.StopListening();
        first.ResetConnections();
        var text = await exporter.WaitForMetricsAsync(
            m => Value(m, "logcollector_preferred", L("group", "g"), L("collector", "c2"), L("priority", "2")) == 1, Eventually.Patience, "failover to c2");
        clock.Stop();
        output.WriteLine($"hold mode: failover {clock.Elapsed.TotalMilliseconds:F0} ms after the collector reset its connection (interval 60 s)");

        // Long before the next scheduled probe, 60 s away: the drop itself triggered it.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"failover took {clock.Elapsed}");
        Assert.Equal(1, Value(text, "logcollector_probes_total", L("collector", "c1"), L("result", "reset")));
        Assert.Equal(1, Value(text, "logcollector_connection_drops_total", L("collector", "c1")));
        Assert.Equal(1, Value(text, "logcollector_probes_total", L("collector", "c1"), L("result", "refused")));
        Assert.Equal(0, Value(text, "logcollector_up", L("collector", "c1")));
        Assert.Equal(1, second.Accepted);
    }

    [Fact]
    public async Task Ready_only_once_every_collector_has_been_probed()
    {
        using var up = Peer.Up();
        using var blackholed = Peer.Blackholed();
        var config = directory.Write("collectors.yaml", Configs.Group([up.Port, blackholed.Port], probe: "interval: 10s, timeout: 2s"));
        await using var exporter = await RunningExporter.StartAsync(config);

        // The blackholed collector's first probe lasts until its 2 s timeout.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await exporter.StatusOfAsync("/-/ready"));
        Assert.Equal(HttpStatusCode.OK, await exporter.StatusOfAsync("/-/healthy"));

        var text = await exporter.WaitForMetricsAsync(
            m => Value(m, "logcollector_probes_total", L("collector", "c2"), L("result", "timeout")) == 1, Eventually.Patience, "c2 timed out");
        Assert.Equal(HttpStatusCode.OK, await exporter.StatusOfAsync("/-/ready"));
        Assert.Equal(1, Value(text, "logcollector_up", L("collector", "c1")));
        Assert.Equal(0, Value(text, "logcollector_up", L("collector", "c2")));
    }

    [Fact]
    public async Task Reload_over_http_rejects_a_bad_file_and_keeps_running_then_takes_a_good_one()
    {
        using var a = Peer.Up();
        using var b = Peer.Up();
        var config = directory.Write("collectors.yaml", Configs.Group([a.Port, b.Port]));
        await using var exporter = await RunningExporter.StartAsync(config, "--probe:interval=1s", "--probe:timeout=500ms");
        await exporter.WaitForMetricsAsync(m => Value(m, "logcollector_up", L("collector", "c2")) == 1, Eventually.Patience, "c2 up");

        File.WriteAllText(config, Configs.Group([a.Port, 70000]));
        var rejected = await exporter.Client.PostAsync("/-/reload", null);
        var error = await rejected.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, rejected.StatusCode);
        Assert.Contains($"{config}: groups[0].collectors[1].port: \"70000\" is not allowed", error, StringComparison.Ordinal);
        var text = await exporter.MetricsAsync();
        Assert.Equal(0, Value(text, "logcollector_exporter_config_last_reload_successful"));
        var before = Value(text, "logcollector_probes_total", L("collector", "c2"), L("result", "success"));
        text = await exporter.WaitForMetricsAsync(
            m => Value(m, "logcollector_probes_total", L("collector", "c2"), L("result", "success")) > before, Eventually.Patience,
            "the old configuration still probing c2");

        File.WriteAllText(config, Configs.Group([a.Port]));
        var accepted = await exporter.Client.PostAsync("/-/reload", null);

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        text = await exporter.MetricsAsync();
        Assert.Equal(1, Value(text, "logcollector_exporter_config_last_reload_successful"));
        Assert.DoesNotContain("collector=\"c2\"", text, StringComparison.Ordinal);
        Assert.Equal(1, Value(text, "logcollector_group_collectors", L("group", "g")));
        Assert.True(Value(text, "logcollector_probes_total", L("collector", "c1"), L("result", "success")) >= 2,
            "c1's counter went on over the reload");
    }

    [Theory]
    [InlineData("handshake")]
    [InlineData("hold")]
    public async Task Reloads_send_no_SYN_to_collectors_they_do_not_change_and_probe_a_new_one_at_once(string mode)
    {
        using var a = Peer.Up();
        using var b = Peer.Up();
        using var added = Peer.Up();
        string Yaml(string groups) => $$"""
            probe: {interval: 60s, timeout: 1s, mode: {{mode}}}
            collectors:
              - {name: a, address: 127.0.0.1, port: {{a.Port}}}
              - {name: b, address: 127.0.0.1, port: {{b.Port}}}
            groups:
            {{groups}}
            """;
        var config = directory.Write("collectors.yaml", Yaml("  - {name: fw-1, collectors: [a, b]}"));
        await using var exporter = await RunningExporter.StartAsync(config);
        await exporter.WaitForMetricsAsync(m => Value(m, "logcollector_up", L("collector", "b")) == 1, Eventually.Patience, "a and b probed");

        // The same file, a hundred times over; then new groups over the same collectors, and a comment.
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await exporter.Client.PostAsync("/-/reload", null)).StatusCode);
        }

        File.WriteAllText(config, "# the same collectors in new groups\n" + Yaml("  - {name: fw-1, collectors: [b, a]}\n  - {name: fw-2, collectors: [a]}"));
        Assert.Equal(HttpStatusCode.OK, (await exporter.Client.PostAsync("/-/reload", null)).StatusCode);
        File.WriteAllText(config, Yaml($"  - {{name: fw-1, collectors: [b, a, {{name: c, address: 127.0.0.1, port: {added.Port}}}]}}"));
        Assert.Equal(HttpStatusCode.OK, (await exporter.Client.PostAsync("/-/reload", null)).StatusCode);

        var text = await exporter.WaitForMetricsAsync(m => Value(m, "logcollector_up", L("collector", "c")) == 1, Eventually.Patience, "the new collector probed at once");

        // The kernel completes a handshake before the listener's accept loop counts it.
        await Eventually.TrueAsync(() => added.Accepted == 1, "the new collector's connection accepted");
        Assert.Equal((1, 1), (a.Accepted, b.Accepted));
        Assert.Equal(1, Value(text, "logcollector_probes_total", L("collector", "a"), L("result", "success")));
        Assert.Equal(0, Value(text, "logcollector_connection_drops_total", L("collector", "a")));
        Assert.Equal(1, Value(text, "logcollector_exporter_config_last_reload_successful"));
        Assert.Equal(1, Value(text, "logcollector_preferred", L("group", "fw-1"), L("collector", "b"), L("priority", "1")));
    }

    [Fact]
    public async Task Going_back_to_the_running_file_after_a_rejected_one_is_a_successful_reload()
    {
        using var a = Peer.Up();
        var good = Configs.Group([a.Port]);
        var config = directory.Write("collectors.yaml", good);
        await using var exporter = await RunningExporter.StartAsync(config);
        File.WriteAllText(config, "groups: []");
        Assert.Equal(HttpStatusCode.BadRequest, (await exporter.Client.PostAsync("/-/reload", null)).StatusCode);

        File.WriteAllText(config, good);

        Assert.Equal(HttpStatusCode.OK, (await exporter.Client.PostAsync("/-/reload", null)).StatusCode);
        Assert.Equal(1, Value(await exporter.MetricsAsync(), "logcollector_exporter_config_last_reload_successful"));
    }

    [Fact]
    public async Task A_Kubernetes_ConfigMap_update_is_picked_up_from_the_symlink_swap()
    {
        using var a = Peer.Up();
        using var b = Peer.Up();
        var volume = new ConfigMapVolume(Path.Combine(directory.Path, "config"), Configs.Group([a.Port], probe: "interval: 1s, timeout: 500ms"));
        await using var exporter = await RunningExporter.StartAsync(volume.ConfigFile);
        await exporter.WaitForMetricsAsync(m => Value(m, "logcollector_up", L("collector", "c1")) == 1, Eventually.Patience, "c1 up");

        volume.Publish(Configs.Group([a.Port, b.Port], probe: "interval: 1s, timeout: 500ms"));
        var text = await exporter.WaitForMetricsAsync(
            m => Value(m, "logcollector_up", L("collector", "c2")) == 1, Eventually.Patience, "c2 from the new revision probed");
        Assert.Equal(1, Value(text, "logcollector_exporter_config_last_reload_successful"));

        volume.Publish("groups: []");
        text = await exporter.WaitForMetricsAsync(
            m => Value(m, "logcollector_exporter_config_last_reload_successful") == 0, Eventually.Patience, "the bad revision rejected");
        Assert.Equal(2, Value(text, "logcollector_group_collectors", L("group", "g")));

        var status = JsonDocument.Parse(await exporter.Client.GetStringAsync("/api/v1/status")).RootElement;
        var reload = status.GetProperty("exporter").GetProperty("lastReload");
        Assert.False(reload.GetProperty("successful").GetBoolean());
        Assert.Equal("file change", reload.GetProperty("trigger").GetString());
        Assert.Contains("groups: at least one group is required", reload.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_preference_list_file_change_reloads_too()
    {
        using var a = Peer.Up();
        var list = directory.Write("fw-1.txt", "Forward to all: No\nSerial Number: 0001 IP Address: 127.0.0.1 IPV6 Address: unknown\n");
        var config = directory.Write("collectors.yaml", "probe: {interval: 1s, timeout: 500ms}\ngroups:\n  - name: fw-1\n    preferenceListFile: fw-1.txt\n");
        await using var exporter = await RunningExporter.StartAsync(config);
        await exporter.WaitForMetricsAsync(m => Value(m, "logcollector_group_collectors", L("group", "fw-1")) == 1, Eventually.Patience, "one collector");

        File.AppendAllText(list, "Serial Number: 0002 IP Address: 127.0.0.2 IPV6 Address: unknown\n");

        var text = await exporter.WaitForMetricsAsync(m => Value(m, "logcollector_group_collectors", L("group", "fw-1")) == 2, Eventually.Patience, "two collectors");
        Assert.Equal(1, Value(text, "logcollector_info", L("collector", "0002"), L("address", "127.0.0.2"), L("port", "3978"), L("serial", "0002"), L("ip", "127.0.0.2"), L("hostname", ""), L("collector_group", "")));
        Assert.Equal(0, Value(text, "logcollector_preferred", L("group", "fw-1"), L("collector", "0002"), L("priority", "2")));
    }

    [Fact]
    public async Task The_status_api_lists_groups_and_collectors_in_priority_order()
    {
        using var up = Peer.Up();
        using var refused = Peer.Refused();
        var config = directory.Write("collectors.yaml", $$"""
            probe: {interval: 1s, timeout: 500ms}
            groups:
              - name: cg-east
                failback: sticky
                collectors:
                  - {name: lc-1, address: 127.0.0.1, port: {{refused.Port}}, serial: "009201002984"}
                  - {name: lc-2, address: 127.0.0.1, port: {{up.Port}}}
            """);
        await using var exporter = await RunningExporter.StartAsync(config);
        await exporter.WaitForMetricsAsync(m => Value(m, "logcollector_up", L("collector", "lc-1")) == 0, Eventually.Patience, "lc-1 down");

        var root = JsonDocument.Parse(await exporter.Client.GetStringAsync("/api/v1/status")).RootElement;

        var exporterStatus = root.GetProperty("exporter");
        Assert.Equal(config, exporterStatus.GetProperty("config").GetString());
        Assert.Equal("1s", exporterStatus.GetProperty("probe").GetProperty("interval").GetString());
        Assert.True(exporterStatus.GetProperty("ready").GetBoolean());
        var group = Assert.Single(root.GetProperty("groups").EnumerateArray());
        Assert.Equal("cg-east", group.GetProperty("name").GetString());
        Assert.Equal("failed_over", group.GetProperty("standing").GetString());
        Assert.Equal("sticky", group.GetProperty("failback").GetString());
        Assert.Equal(["lc-2"], group.GetProperty("preferred").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal(2, group.GetProperty("preferredPriority").GetInt32());
        Assert.Equal(["lc-1", "lc-2"], group.GetProperty("collectors").EnumerateArray().Select(c => c.GetString()));
        var summary = root.GetProperty("summary");
        Assert.Equal((1, 0, 1, 2, 1), (summary.GetProperty("groups").GetInt32(), summary.GetProperty("firstChoice").GetInt32(),
            summary.GetProperty("failedOver").GetInt32(), summary.GetProperty("collectors").GetInt32(), summary.GetProperty("collectorsUp").GetInt32()));
        var collectors = root.GetProperty("collectors").EnumerateArray().ToArray();
        Assert.Equal(["lc-1", "lc-2"], collectors.Select(c => c.GetProperty("name").GetString()));
        Assert.Equal(["down", "up"], collectors.Select(c => c.GetProperty("state").GetString()));
        Assert.Equal([1, 1], collectors.Select(c => c.GetProperty("listedBy").GetInt32()));
        Assert.Equal([0, 1], collectors.Select(c => c.GetProperty("preferredBy").GetInt32()));
        Assert.Equal("refused", collectors[0].GetProperty("lastResult").GetString());
        Assert.Contains("Connection refused", collectors[0].GetProperty("lastError").GetString(), StringComparison.OrdinalIgnoreCase);
        Assert.Equal("009201002984", collectors[0].GetProperty("serial").GetString());
        Assert.Equal("127.0.0.1", collectors[1].GetProperty("resolvedAddress").GetString());
        Assert.True(collectors[1].GetProperty("lastHandshakeSeconds").GetDouble() > 0);
        Assert.Equal("success", collectors[1].GetProperty("recent")[0].GetProperty("result").GetString());

        var one = JsonDocument.Parse(await exporter.Client.GetStringAsync("/api/v1/status?group=cg-east")).RootElement;
        Assert.Equal("cg-east", Assert.Single(one.GetProperty("groups").EnumerateArray()).GetProperty("name").GetString());
        Assert.Equal(HttpStatusCode.NotFound, await exporter.StatusOfAsync("/api/v1/status?group=cg-west"));
    }

    [Fact]
    public async Task Promtool_finds_nothing_to_complain_about_in_the_metrics()
    {
        using var up = Peer.Up();
        using var refused = Peer.Refused();
        var config = directory.Write("collectors.yaml", Configs.Group([up.Port, refused.Port], probe: "interval: 1s, timeout: 500ms"));
        await using var exporter = await RunningExporter.StartAsync(config);
        var text = await exporter.WaitForMetricsAsync(m => Value(m, "logcollector_up", L("collector", "c2")) == 0, Eventually.Patience, "probed");

        var (exitCode, complaints) = await Tools.RunAsync("promtool", ["check", "metrics"], text);
        output.WriteLine($"promtool check metrics (exit {exitCode}):\n{complaints}");

        Assert.DoesNotContain("logcollector_", complaints, StringComparison.Ordinal);
        Assert.Equal(0, exitCode);
    }
}
