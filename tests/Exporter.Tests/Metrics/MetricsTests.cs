using System.Net;
using LogCollectorExporter.Configuration;
using LogCollectorExporter.Metrics;
using LogCollectorExporter.Platform;
using LogCollectorExporter.Preference;
using LogCollectorExporter.Probing;
using LogCollectorExporter.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Prometheus;
using static LogCollectorExporter.Tests.Support.Exposition;

namespace LogCollectorExporter.Tests;

/// <summary>The fleet's results as /metrics shows them: the real fleet and metrics, fed probe outcomes.</summary>
public sealed class MetricsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    private const string SharedCollectors = """
        collectors:
          - {name: lc-224, address: 10.10.10.224, serial: "009201002984"}
          - {name: lc-225, address: lc225.example.com, port: 3979}
        groups:
          - name: fw-1
            collectors: [lc-224, lc-225]
          - name: fw-2
            collectors: [lc-225, lc-224]
        """;

    private readonly CollectorRegistry registry = Prometheus.Metrics.NewCustomRegistry();

    [Fact]
    public async Task Before_any_probe_every_result_is_at_zero_and_no_up_series_exists()
    {
        Start(SharedCollectors);

        var text = await ExportAsync();

        Assert.Equal(1, Value(text, "logcollector_info", L("collector", "lc-224"), L("address", "10.10.10.224"), L("port", "3978"), L("serial", "009201002984"), L("ip", "10.10.10.224"), L("hostname", ""), L("collector_group", "")));
        Assert.Equal(1, Value(text, "logcollector_info", L("collector", "lc-225"), L("address", "lc225.example.com"), L("port", "3979"), L("serial", ""), L("ip", ""), L("hostname", ""), L("collector_group", "")));
        Assert.Equal(2, Samples(text, "logcollector_info").Length);
        foreach (var result in new[] { "success", "refused", "timeout", "unreachable", "dns_error", "reset", "error" })
        {
            Assert.Equal(0, Value(text, "logcollector_probes_total", L("collector", "lc-224"), L("result", result)));
        }

        Assert.Empty(Samples(text, "logcollector_up"));
        Assert.Empty(Samples(text, "logcollector_last_probe_timestamp_seconds"));
        Assert.Empty(Samples(text, "logcollector_last_success_timestamp_seconds"));
        Assert.Empty(Samples(text, "logcollector_last_handshake_duration_seconds"));
        Assert.Empty(Samples(text, "logcollector_dns_lookup_duration_seconds"));
        Assert.Equal(0, Value(text, "logcollector_consecutive_failures", L("collector", "lc-224")));
        Assert.Equal(0, Value(text, "logcollector_connection_drops_total", L("collector", "lc-224")));
        Assert.Equal(0, Value(text, "logcollector_preferred", L("group", "fw-1"), L("collector", "lc-224"), L("priority", "1")));
        Assert.Equal(0, Value(text, "logcollector_preferred", L("group", "fw-1"), L("collector", "lc-225"), L("priority", "2")));
        Assert.Equal(0, Value(text, "logcollector_preferred", L("group", "fw-2"), L("collector", "lc-225"), L("priority", "1")));
        Assert.Equal(0, Value(text, "logcollector_preferred", L("group", "fw-2"), L("collector", "lc-224"), L("priority", "2")));
        Assert.Equal(4, Samples(text, "logcollector_preferred").Length);
        Assert.Equal(2, Value(text, "logcollector_group_collectors", L("group", "fw-1")));
        Assert.Equal(0, Value(text, "logcollector_group_collectors_up", L("group", "fw-1")));
        Assert.Equal(0, Value(text, "logcollector_group_preferred_priority", L("group", "fw-1")));
        Assert.Equal(0, Value(text, "logcollector_group_failovers_total", L("group", "fw-1")));
        Assert.Equal(0, Value(text, "logcollector_group_forward_to_all", L("group", "fw-1")));
        Assert.DoesNotContain("group=", string.Join("\n", Samples(text, "logcollector_probes_total")), StringComparison.Ordinal);
        Assert.Contains($"logcollector_exporter_build_info{{version=\"{BuildInfo.Current.Version}\",revision=\"{BuildInfo.Current.Revision}\",runtime=\"{BuildInfo.Current.Runtime}\"}} 1", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE logcollector_handshake_duration_seconds histogram", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE logcollector_exporter_schedule_lag_seconds histogram", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task One_probe_of_a_shared_collector_counts_once_and_every_group_that_lists_it_follows()
    {
        var fleet = Start(SharedCollectors);
        var (lc224, lc225) = (fleet.Collectors[0].Config, fleet.Collectors[1].Config);

        fleet.Record(lc225, Success(0.75), Now);
        fleet.Record(lc224, Failure(ProbeResult.Refused), Now.AddSeconds(1));
        var text = await ExportAsync();

        Assert.Equal(1, Value(text, "logcollector_up", L("collector", "lc-225")));
        Assert.Equal(0, Value(text, "logcollector_up", L("collector", "lc-224")));
        Assert.Equal(1, Value(text, "logcollector_probes_total", L("collector", "lc-224"), L("result", "refused")));
        Assert.Equal(1, Value(text, "logcollector_probes_total", L("collector", "lc-225"), L("result", "success")));
        Assert.Equal(0.00075, Value(text, "logcollector_last_handshake_duration_seconds", L("collector", "lc-225")));
        Assert.Equal(1, Value(text, "logcollector_handshake_duration_seconds_bucket", L("collector", "lc-225"), L("le", "0.001")));
        Assert.Equal(0, Value(text, "logcollector_handshake_duration_seconds_bucket", L("collector", "lc-225"), L("le", "0.0005")));
        Assert.Equal(0, Value(text, "logcollector_handshake_duration_seconds_count", L("collector", "lc-224")));
        Assert.Equal(Now.ToUnixTimeSeconds() + 1, Value(text, "logcollector_last_probe_timestamp_seconds", L("collector", "lc-224")));
        Assert.Null(Value(text, "logcollector_last_success_timestamp_seconds", L("collector", "lc-224")));
        Assert.Equal(Now.ToUnixTimeSeconds(), Value(text, "logcollector_last_success_timestamp_seconds", L("collector", "lc-225")));
        Assert.Equal(1, Value(text, "logcollector_consecutive_failures", L("collector", "lc-224")));
        Assert.Equal(0, Value(text, "logcollector_dns_lookup_duration_seconds", L("collector", "lc-224")));

        // fw-1 lists lc-224 first: it failed over to lc-225; fw-2 is on its first choice, lc-225.
        Assert.Equal(1, Value(text, "logcollector_preferred", L("group", "fw-1"), L("collector", "lc-225"), L("priority", "2")));
        Assert.Equal(0, Value(text, "logcollector_preferred", L("group", "fw-1"), L("collector", "lc-224"), L("priority", "1")));
        Assert.Equal(2, Value(text, "logcollector_group_preferred_priority", L("group", "fw-1")));
        Assert.Equal(1, Value(text, "logcollector_preferred", L("group", "fw-2"), L("collector", "lc-225"), L("priority", "1")));
        Assert.Equal(1, Value(text, "logcollector_group_preferred_priority", L("group", "fw-2")));
        Assert.Equal(1, Value(text, "logcollector_group_collectors_up", L("group", "fw-1")));
        Assert.Equal(1, Value(text, "logcollector_group_collectors_up", L("group", "fw-2")));
        Assert.Equal(0, Value(text, "logcollector_group_failovers_total", L("group", "fw-1")));
        Assert.Equal(GroupStanding.FailedOver, fleet.FindGroup("fw-1")!.View.Standing);
        Assert.Equal(GroupStanding.FirstChoice, fleet.FindGroup("fw-2")!.View.Standing);
        Assert.True(fleet.IsReady);

        fleet.Record(lc224, Success(1), Now.AddSeconds(60));
        text = await ExportAsync();

        Assert.Equal(1, Value(text, "logcollector_group_failovers_total", L("group", "fw-1")));
        Assert.Equal(1, Value(text, "logcollector_group_preferred_priority", L("group", "fw-1")));
        Assert.Equal(1, Value(text, "logcollector_preferred", L("group", "fw-1"), L("collector", "lc-224"), L("priority", "1")));
        Assert.Equal(0, Value(text, "logcollector_preferred", L("group", "fw-1"), L("collector", "lc-225"), L("priority", "2")));
        Assert.Equal(0, Value(text, "logcollector_group_failovers_total", L("group", "fw-2")));
        Assert.Equal(1, Value(text, "logcollector_preferred", L("group", "fw-2"), L("collector", "lc-225"), L("priority", "1")));
    }

    [Fact]
    public async Task A_dropped_held_connection_counts_a_reset_without_deciding_up_or_down()
    {
        var fleet = Start(Configs.Group([3978]));
        var c1 = fleet.Collectors[0].Config;
        fleet.Record(c1, Success(1), Now);

        fleet.RecordDrop(c1, "the collector reset the held connection (RST)", Now.AddSeconds(5));
        var text = await ExportAsync();

        Assert.Equal(1, Value(text, "logcollector_probes_total", L("collector", "c1"), L("result", "reset")));
        Assert.Equal(1, Value(text, "logcollector_connection_drops_total", L("collector", "c1")));
        Assert.Equal(1, Value(text, "logcollector_up", L("collector", "c1")));
        Assert.Equal(0, Value(text, "logcollector_consecutive_failures", L("collector", "c1")));
        Assert.Equal("the collector reset the held connection (RST)", fleet.Collectors[0].View.LastError);
    }

    [Fact]
    public async Task A_new_configuration_keeps_counters_of_collectors_that_stay_and_removes_the_others()
    {
        var fleet = Start("""
            groups:
              - name: stays
                collectors: [{name: a, address: 127.0.0.1}, {name: b, address: 127.0.0.2}, {name: moves, address: 127.0.0.3}]
              - name: goes
                collectors: [{name: x, address: 127.0.0.4}]
            """);
        foreach (var collector in fleet.Collectors)
        {
            fleet.Record(collector.Config, Success(1), Now);
        }

        fleet.Apply(Configs.FromYaml("""
            groups:
              - name: stays
                collectors: [{name: moves, address: 127.0.0.3}, {name: a, address: 127.0.0.1}, {name: new, address: 127.0.0.5}]
              - name: arrives
                collectors: [{name: y, address: 127.0.0.6}, {name: a, address: 127.0.0.1}]
            """));
        var text = await ExportAsync();

        Assert.Equal(1, Value(text, "logcollector_probes_total", L("collector", "a"), L("result", "success")));
        Assert.Equal(1, Value(text, "logcollector_up", L("collector", "a")));
        Assert.Equal(0, Value(text, "logcollector_probes_total", L("collector", "new"), L("result", "success")));
        Assert.DoesNotContain("collector=\"b\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("collector=\"x\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("group=\"goes\"", text, StringComparison.Ordinal);
        Assert.Equal(2, Value(text, "logcollector_group_collectors", L("group", "arrives")));
        Assert.Equal(3, Value(text, "logcollector_group_collectors", L("group", "stays")));

        // Each member's series carries its new priority; the old ones are gone.
        Assert.Equal(
            new[]
            {
                "logcollector_preferred{group=\"stays\",collector=\"moves\",priority=\"1\"} 1",
                "logcollector_preferred{group=\"stays\",collector=\"a\",priority=\"2\"} 0",
                "logcollector_preferred{group=\"stays\",collector=\"new\",priority=\"3\"} 0",
                "logcollector_preferred{group=\"arrives\",collector=\"y\",priority=\"1\"} 0",
                "logcollector_preferred{group=\"arrives\",collector=\"a\",priority=\"2\"} 0",
            }.Order(StringComparer.Ordinal),
            Samples(text, "logcollector_preferred").Order(StringComparer.Ordinal));

        // "moves" is priority 1 now and up: logs go to it at once, a change of collector from "a".
        Assert.Equal(1, Value(text, "logcollector_group_failovers_total", L("group", "stays")));
        Assert.Equal(GroupStanding.Undecided, fleet.FindGroup("arrives")!.View.Standing);
        Assert.False(fleet.IsReady);
    }

    [Fact]
    public async Task A_collector_given_a_new_address_keeps_its_counters_but_not_its_state()
    {
        var fleet = Start(Configs.Group([3978]));
        fleet.Record(fleet.Collectors[0].Config, Success(1), Now);

        fleet.Apply(Configs.FromYaml(Configs.Group([4000])));
        var text = await ExportAsync();

        Assert.Equal(1, Value(text, "logcollector_probes_total", L("collector", "c1"), L("result", "success")));
        Assert.Null(fleet.Collectors[0].View.LastProbeAt);
        Assert.Empty(Samples(text, "logcollector_up"));
        Assert.Empty(Samples(text, "logcollector_last_probe_timestamp_seconds"));
        Assert.Equal(0, Value(text, "logcollector_preferred", L("group", "g"), L("collector", "c1"), L("priority", "1")));
        Assert.Equal(1, Value(text, "logcollector_info", L("collector", "c1"), L("address", "127.0.0.1"), L("port", "4000"), L("serial", ""), L("ip", "127.0.0.1"), L("hostname", ""), L("collector_group", "")));
        Assert.Single(Samples(text, "logcollector_info"));

        // A result of the old endpoint, reported after the change, is not the new one's.
        fleet.Record(new CollectorConfig("c1", "127.0.0.1", 3978, ""), Success(1), Now.AddSeconds(1));
        Assert.Null(fleet.Collectors[0].View.LastProbeAt);
    }

    [Fact]
    public async Task A_new_serial_replaces_the_info_series_and_keeps_everything_else()
    {
        var fleet = Start("collectors: [{name: lc-1, address: 127.0.0.1}]\ngroups: [{name: g, collectors: [lc-1]}]");
        fleet.Record(fleet.Collectors[0].Config, Success(1), Now);

        fleet.Apply(Configs.FromYaml("collectors: [{name: lc-1, address: 127.0.0.1, serial: \"0099\"}]\ngroups: [{name: g, collectors: [lc-1]}]"));
        var text = await ExportAsync();

        Assert.Equal(["logcollector_info{collector=\"lc-1\",address=\"127.0.0.1\",port=\"3978\",serial=\"0099\",ip=\"127.0.0.1\",hostname=\"\",collector_group=\"\"} 1"], Samples(text, "logcollector_info"));
        Assert.Equal(1, Value(text, "logcollector_up", L("collector", "lc-1")));
        Assert.Equal(1, Value(text, "logcollector_preferred", L("group", "g"), L("collector", "lc-1"), L("priority", "1")));
        Assert.True(fleet.IsReady);
    }

    private static ProbeOutcome Success(double milliseconds) =>
        new(ProbeResult.Success, TimeSpan.FromMilliseconds(milliseconds), TimeSpan.Zero, IPAddress.Loopback, null);

    private static ProbeOutcome Failure(ProbeResult result) =>
        new(result, TimeSpan.Zero, TimeSpan.Zero, IPAddress.Loopback, EnumText.Of(result));

    private Fleet Start(string yaml)
    {
        var config = Configs.FromYaml(yaml);
        var metrics = new ExporterMetrics(registry, config.Probe.Buckets, BuildInfo.Current);
        return new Fleet(new FleetSeries(metrics), NullLogger<Fleet>.Instance, config);
    }

    private Task<string> ExportAsync() => registry.ExportTextAsync();
}
