using System.Net;
using System.Text.Json;
using LogCollectorExporter.Probing;
using LogCollectorExporter.Tests.Support;
using Xunit.Abstractions;
using static LogCollectorExporter.Tests.Support.Exposition;

namespace LogCollectorExporter.Tests;

/// <summary>Collectors that misbehave in ways that take seconds to show: one that talks, names that fail or move.</summary>
public sealed class FaultTests(ITestOutputHelper output) : IDisposable
{
    private static readonly byte[] Chatter = [.. Enumerable.Range(0, 4096).Select(i => (byte)i)];
    private readonly TempDirectory directory = new();

    public void Dispose() => directory.Dispose();

    [Fact]
    public async Task A_collector_that_sends_data_gets_handshakes_and_nothing_breaks()
    {
        using var talker = Peer.Talkative(Chatter, TimeSpan.FromMilliseconds(5));
        var config = directory.Write("collectors.yaml", Configs.Group([talker.Port], probe: "interval: 1s, timeout: 500ms"));
        await using var exporter = await RunningExporter.StartAsync(config);

        var text = await exporter.WaitForMetricsAsync(m => Probes(m, "success") >= 4, Eventually.Patience, "four probes");

        Assert.Equal(0, Probes(text, "error") + Probes(text, "reset") + Probes(text, "refused") + Probes(text, "timeout"));
        Assert.Equal(1, Value(text, "logcollector_up", L("collector", "c1")));
        Assert.Equal(0, talker.BytesReceived);

        // For the record: the exporter closes right after the handshake, mostly before the collector's first bytes arrive
        // (with bytes unread, Linux would answer the close with RST instead of FIN).
        await Eventually.TrueAsync(() => talker.Held == 0, "every connection ended");
        var endings = string.Join(", ", talker.Endings().GroupBy(e => e).Select(g => $"{g.Count()} {g.Key}"));
        output.WriteLine($"handshake mode, a collector that talks at once: connections ended with {endings}");
        RunReport.Add("talking-collector.handshake", ("endings", endings));
    }

    [Fact]
    public async Task Hold_mode_keeps_a_talking_collector_held_reads_nothing_into_it_and_sends_nothing()
    {
        using var talker = Peer.Talkative(Chatter, TimeSpan.FromMilliseconds(5));
        var config = directory.Write("collectors.yaml", Configs.Group([talker.Port], probe: "interval: 2s, timeout: 1s, mode: hold"));
        await using var exporter = await RunningExporter.StartAsync(config);

        var text = await exporter.WaitForMetricsAsync(m => Probes(m, "success") >= 4, Eventually.Patience, "four probes");

        // One connection per probe, each held until the next probe: the chatter is no reason to drop one.
        Assert.Equal(0, Probes(text, "error") + Probes(text, "reset"));
        Assert.Equal(0, Value(text, "logcollector_connection_drops_total", L("collector", "c1")));
        await Eventually.TrueAsync(() => talker.Held == 1, "the last probe's connection held, the others closed");
        Assert.Equal(0, talker.BytesReceived);
    }

    [Fact]
    public async Task A_name_that_does_not_resolve_is_a_dns_error_and_the_collector_is_down()
    {
        var hosts = new HostsResolver();
        var config = directory.Write("collectors.yaml", "probe: {interval: 1s, timeout: 500ms}\ngroups: [{name: g, collectors: [{name: c1, address: lc-gone.example, port: 3978}]}]\n");
        await using var exporter = await RunningExporter.StartAsync(["--config", config], builder => builder.Services.AddSingleton<IHostResolver>(hosts));

        var text = await exporter.WaitForMetricsAsync(m => Probes(m, "dns_error") >= 2, Eventually.Patience, "two dns_error results");

        Assert.Equal(0, Value(text, "logcollector_up", L("collector", "c1")));
        Assert.Equal(0, Probes(text, "error"));
        var collector = Collector(await exporter.Client.GetStringAsync("/api/v1/status"));
        Assert.Equal("dns_error", collector.GetProperty("lastResult").GetString());
        Assert.StartsWith("lc-gone.example: ", collector.GetProperty("lastError").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("handshake")]
    [InlineData("hold")]
    public async Task A_name_whose_address_changes_is_followed_from_the_next_probe(string mode)
    {
        using var first = Peer.Up(address: IPAddress.Parse("127.0.0.2"));
        using var second = Peer.Up(first.Port, IPAddress.Parse("127.0.0.3"));
        var hosts = new HostsResolver { ["lc.example"] = [first.Address] };
        var config = directory.Write("collectors.yaml",
            $"probe: {{interval: 1s, timeout: 500ms, mode: {mode}}}\ngroups: [{{name: g, collectors: [{{name: c1, address: lc.example, port: {first.Port}}}]}}]\n");
        await using var exporter = await RunningExporter.StartAsync(["--config", config], builder => builder.Services.AddSingleton<IHostResolver>(hosts));
        await Eventually.TrueAsync(() => first.Accepted >= 2, "probes to the first address");

        hosts["lc.example"] = [second.Address];
        await Eventually.TrueAsync(() => second.Accepted >= 2, "probes to the new address");
        var firstAfterMove = first.Accepted;
        await Task.Delay(TimeSpan.FromSeconds(1.5));

        Assert.Equal(firstAfterMove, first.Accepted);
        var collector = Collector(await exporter.Client.GetStringAsync("/api/v1/status"));
        Assert.Equal("127.0.0.3", collector.GetProperty("resolvedAddress").GetString());
        Assert.Equal("up", collector.GetProperty("state").GetString());
        var text = await exporter.MetricsAsync();
        Assert.Equal(0, Probes(text, "error") + Probes(text, "dns_error") + Probes(text, "refused"));
        Assert.True(Value(text, "logcollector_dns_lookup_duration_seconds", L("collector", "c1")) >= 0);
        if (mode == "hold")
        {
            // The connection held to the old address was closed by the exporter (FIN), not dropped by the collector.
            await Eventually.TrueAsync(() => first.Held == 0, "the old connection closed");
            Assert.All(first.Endings(), e => Assert.Equal("fin", e));
            Assert.Equal(0, Probes(text, "reset"));
        }
    }

    [Fact]
    public async Task A_name_that_goes_away_and_comes_back_takes_the_collector_down_and_up()
    {
        using var peer = Peer.Up(address: IPAddress.Parse("127.0.0.4"));
        var hosts = new HostsResolver { ["lc.example"] = [peer.Address] };
        var config = directory.Write("collectors.yaml",
            $"probe: {{interval: 1s, timeout: 500ms}}\ngroups: [{{name: g, collectors: [{{name: c1, address: lc.example, port: {peer.Port}}}]}}]\n");
        await using var exporter = await RunningExporter.StartAsync(["--config", config], builder => builder.Services.AddSingleton<IHostResolver>(hosts));
        await exporter.WaitForMetricsAsync(m => Value(m, "logcollector_up", L("collector", "c1")) == 1, Eventually.Patience, "up");

        hosts["lc.example"] = [];
        await exporter.WaitForMetricsAsync(m => Value(m, "logcollector_up", L("collector", "c1")) == 0, Eventually.Patience, "down on dns_error");
        hosts["lc.example"] = [peer.Address];
        var text = await exporter.WaitForMetricsAsync(m => Value(m, "logcollector_up", L("collector", "c1")) == 1, Eventually.Patience, "up again");

        Assert.True(Probes(text, "dns_error") >= 1);
        Assert.Equal(0, Probes(text, "error"));
    }

    private static double? Probes(string metrics, string result) =>
        Value(metrics, "logcollector_probes_total", L("collector", "c1"), L("result", result));

    private static JsonElement Collector(string status) =>
        JsonDocument.Parse(status).RootElement.GetProperty("collectors")[0];
}
