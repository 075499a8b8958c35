using System.Net;
using LogCollectorExporter.Configuration;
using LogCollectorExporter.Metrics;
using LogCollectorExporter.Preference;
using LogCollectorExporter.Probing;
using LogCollectorExporter.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Prometheus;
using static LogCollectorExporter.Tests.Support.Exposition;

namespace LogCollectorExporter.Tests;

public sealed class MetricsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
    private readonly CollectorRegistry registry = Prometheus.Metrics.NewCustomRegistry();

    [Fact]
    public async Task Before_any_probe_every_result_is_at_zero_and_no_up_series_exists()
    {
        var (_, _) = Start("""
            groups:
              - name: cg-east
                collectors:
                  - {name: lc-224, address: 10.10.10.224, serial: "009201002984"}
                  - {name: lc-225, address: lc225.example.com, port: 3979}
            """);

        var text = await ExportAsync();

        Assert.Equal(1, Value(text, "logcollector_info", L("group", "cg-east"), L("collector", "lc-224"), L("address", "10.10.10.224"),
            L("port", "3978"), L("priority", "1"), L("serial", "009201002984")));
        Assert.Equal(1, Value(text, "logcollector_info", L("group", "cg-east"), L("collector", "lc-225"), L("address", "lc225.example.com"),
            L("port", "3979"), L("priority", "2"), L("serial", "")));
        foreach (var result in new[] { "success", "refused", "timeout", "unreachable", "dns_error", "reset", "error" })
        {
            Assert.Equal(0, Value(text, "logcollector_probes_total", L("group", "cg-east"), L("collector", "lc-224"), L("result", result)));
        }

        Assert.Empty(Samples(text, "logcollector_up"));
        Assert.Empty(Samples(text, "logcollector_last_probe_timestamp_seconds"));
        Assert.Empty(Samples(text, "logcollector_last_success_timestamp_seconds"));
        Assert.Empty(Samples(text, "logcollector_last_handshake_duration_seconds"));
        Assert.Empty(Samples(text, "logcollector_dns_lookup_duration_seconds"));
        Assert.Equal(0, Value(text, "logcollector_consecutive_failures", L("group", "cg-east"), L("collector", "lc-224")));
        Assert.Equal(0, Value(text, "logcollector_preferred", L("group", "cg-east"), L("collector", "lc-224")));
        Assert.Equal(0, Value(text, "logcollector_connection_drops_total", L("group", "cg-east"), L("collector", "lc-224")));
        Assert.Equal(2, Value(text, "logcollector_group_collectors", L("group", "cg-east")));
        Assert.Equal(0, Value(text, "logcollector_group_collectors_up", L("group", "cg-east")));
        Assert.Equal(0, Value(text, "logcollector_group_preferred_priority", L("group", "cg-east")));
        Assert.Equal(0, Value(text, "logcollector_group_failovers_total", L("group", "cg-east")));
        Assert.Equal(0, Value(text, "logcollector_group_forward_to_all", L("group", "cg-east")));
        Assert.Contains($"logcollector_exporter_build_info{{version=\"{BuildInfo.Current.Version}\",revision=\"{BuildInfo.Current.Revision}\",runtime=\"{BuildInfo.Current.Runtime}\"}} 1", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE logcollector_handshake_duration_seconds histogram", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE logcollector_exporter_schedule_lag_seconds histogram", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_probe_sets_the_collector_series_and_the_group_follows()
    {
        var (fleet, group) = Start(Configs.Group([3978, 3979]));
        var (c1, c2) = (group.Collectors[0], group.Collectors[1]);

        group.Record(c2, new ProbeOutcome(ProbeResult.Success, TimeSpan.FromMilliseconds(0.75), TimeSpan.Zero, IPAddress.Loopback, null), Now);
        group.Record(c1, new ProbeOutcome(ProbeResult.Refused, TimeSpan.Zero, TimeSpan.Zero, IPAddress.Loopback, "refused"), Now.AddSeconds(1));
        var text = await ExportAsync();

        Assert.Equal(1, Value(text, "logcollector_up", L("group", "g"), L("collector", "c2")));
        Assert.Equal(0, Value(text, "logcollector_up", L("group", "g"), L("collector", "c1")));
        Assert.Equal(1, Value(text, "logcollector_probes_total", L("group", "g"), L("collector", "c1"), L("result", "refused")));
        Assert.Equal(1, Value(text, "logcollector_probes_total", L("group", "g"), L("collector", "c2"), L("result", "success")));
        Assert.Equal(0.00075, Value(text, "logcollector_last_handshake_duration_seconds", L("group", "g"), L("collector", "c2")));
        Assert.Equal(1, Value(text, "logcollector_handshake_duration_seconds_bucket", L("group", "g"), L("collector", "c2"), L("le", "0.001")));
        Assert.Equal(0, Value(text, "logcollector_handshake_duration_seconds_bucket", L("group", "g"), L("collector", "c2"), L("le", "0.0005")));
        Assert.Equal(0, Value(text, "logcollector_handshake_duration_seconds_count", L("group", "g"), L("collector", "c1")));
        Assert.Equal(Now.ToUnixTimeSeconds() + 1, Value(text, "logcollector_last_probe_timestamp_seconds", L("group", "g"), L("collector", "c1")));
        Assert.Null(Value(text, "logcollector_last_success_timestamp_seconds", L("group", "g"), L("collector", "c1")));
        Assert.Equal(Now.ToUnixTimeSeconds(), Value(text, "logcollector_last_success_timestamp_seconds", L("group", "g"), L("collector", "c2")));
        Assert.Equal(1, Value(text, "logcollector_consecutive_failures", L("group", "g"), L("collector", "c1")));
        Assert.Equal(0, Value(text, "logcollector_dns_lookup_duration_seconds", L("group", "g"), L("collector", "c1")));
        Assert.Equal(1, Value(text, "logcollector_preferred", L("group", "g"), L("collector", "c2")));
        Assert.Equal(0, Value(text, "logcollector_preferred", L("group", "g"), L("collector", "c1")));
        Assert.Equal(2, Value(text, "logcollector_group_preferred_priority", L("group", "g")));
        Assert.Equal(1, Value(text, "logcollector_group_collectors_up", L("group", "g")));
        Assert.Equal(0, Value(text, "logcollector_group_failovers_total", L("group", "g")));
        Assert.True(fleet.IsReady);

        group.Record(c1, new ProbeOutcome(ProbeResult.Success, TimeSpan.FromMilliseconds(1), TimeSpan.Zero, IPAddress.Loopback, null), Now.AddSeconds(60));
        text = await ExportAsync();

        Assert.Equal(1, Value(text, "logcollector_group_failovers_total", L("group", "g")));
        Assert.Equal(1, Value(text, "logcollector_group_preferred_priority", L("group", "g")));
        Assert.Equal(1, Value(text, "logcollector_preferred", L("group", "g"), L("collector", "c1")));
        Assert.Equal(0, Value(text, "logcollector_preferred", L("group", "g"), L("collector", "c2")));
    }

    [Fact]
    public async Task A_dropped_held_connection_counts_a_reset_without_deciding_up_or_down()
    {
        var (_, group) = Start(Configs.Group([3978]));
        var c1 = group.Collectors[0];
        group.Record(c1, new ProbeOutcome(ProbeResult.Success, TimeSpan.FromMilliseconds(1), TimeSpan.Zero, IPAddress.Loopback, null), Now);

        group.RecordDrop(c1, "the collector reset the held connection (RST)", Now.AddSeconds(5));
        var text = await ExportAsync();

        Assert.Equal(1, Value(text, "logcollector_probes_total", L("group", "g"), L("collector", "c1"), L("result", "reset")));
        Assert.Equal(1, Value(text, "logcollector_connection_drops_total", L("group", "g"), L("collector", "c1")));
        Assert.Equal(1, Value(text, "logcollector_up", L("group", "g"), L("collector", "c1")));
        Assert.Equal(0, Value(text, "logcollector_consecutive_failures", L("group", "g"), L("collector", "c1")));
    }

    [Fact]
    public async Task A_new_configuration_keeps_counters_of_collectors_that_stay_and_removes_the_others()
    {
        var (fleet, group) = Start("""
            groups:
              - name: stays
                collectors: [{name: a, address: 127.0.0.1}, {name: b, address: 127.0.0.2}, {name: moves, address: 127.0.0.3}]
              - name: goes
                collectors: [{name: x, address: 127.0.0.4}]
            """);
        foreach (var collector in group.Collectors)
        {
            group.Record(collector, new ProbeOutcome(ProbeResult.Success, TimeSpan.FromMilliseconds(1), TimeSpan.Zero, IPAddress.Loopback, null), Now);
        }

        fleet.Apply(Configs.FromYaml("""
            groups:
              - name: stays
                collectors: [{name: moves, address: 127.0.0.3}, {name: a, address: 127.0.0.1}, {name: new, address: 127.0.0.5}]
              - name: arrives
                collectors: [{name: y, address: 127.0.0.6}]
            """));
        var text = await ExportAsync();

        Assert.Equal(1, Value(text, "logcollector_probes_total", L("group", "stays"), L("collector", "a"), L("result", "success")));
        Assert.Equal(1, Value(text, "logcollector_up", L("group", "stays"), L("collector", "a")));
        Assert.Equal(1, Value(text, "logcollector_info", L("group", "stays"), L("collector", "moves"), L("address", "127.0.0.3"),
            L("port", "3978"), L("priority", "1"), L("serial", "")));
        Assert.DoesNotContain("collector=\"moves\",address=\"127.0.0.3\",port=\"3978\",priority=\"3\"", text, StringComparison.Ordinal);
        Assert.Equal(0, Value(text, "logcollector_probes_total", L("group", "stays"), L("collector", "new"), L("result", "success")));
        Assert.DoesNotContain("collector=\"b\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain("group=\"goes\"", text, StringComparison.Ordinal);
        Assert.Equal(1, Value(text, "logcollector_group_collectors", L("group", "arrives")));
        Assert.Equal(3, Value(text, "logcollector_group_collectors", L("group", "stays")));

        // "moves" is priority 1 now and up: logs go to it at once, a change of collector from "a".
        Assert.Equal(1, Value(text, "logcollector_preferred", L("group", "stays"), L("collector", "moves")));
        Assert.Equal(1, Value(text, "logcollector_group_failovers_total", L("group", "stays")));
        Assert.False(fleet.IsReady);
    }

    [Fact]
    public async Task A_collector_given_a_new_address_keeps_its_counters_but_not_its_state()
    {
        var (fleet, group) = Start(Configs.Group([3978]));
        group.Record(group.Collectors[0], new ProbeOutcome(ProbeResult.Success, TimeSpan.FromMilliseconds(1), TimeSpan.Zero, IPAddress.Loopback, null), Now);

        fleet.Apply(Configs.FromYaml(Configs.Group([4000])));
        var text = await ExportAsync();

        Assert.Equal(1, Value(text, "logcollector_probes_total", L("group", "g"), L("collector", "c1"), L("result", "success")));
        Assert.Null(fleet.Groups[0].Collectors[0].LastProbeAt);
        Assert.Equal(0, Value(text, "logcollector_preferred", L("group", "g"), L("collector", "c1")));
        Assert.Single(Samples(text, "logcollector_info"));
    }

    private (Fleet Fleet, GroupMonitor Group) Start(string yaml)
    {
        var config = Configs.FromYaml(yaml);
        var metrics = new ExporterMetrics(registry, config.Probe.Buckets, BuildInfo.Current);
        var fleet = new Fleet(metrics, NullLogger<GroupMonitor>.Instance, config);
        return (fleet, fleet.Groups[0]);
    }

    private Task<string> ExportAsync() => registry.ExportTextAsync();
}
