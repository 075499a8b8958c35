using LogCollectorExporter.Tests.Support;
using Xunit.Abstractions;
using static LogCollectorExporter.Tests.Support.Exposition;

namespace LogCollectorExporter.Tests.Soak;

/// <summary>
/// What a collector that writes to its held connection costs the exporter: its CPU, measured on a machine with nothing
/// else of the test run (Probing/FaultTests checks the behaviour).
/// </summary>
[Collection(SoakCollection.Name)]
[Trait("Category", Support.Soak.Category)]
public sealed class ChatterSoakTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory directory = new();

    public void Dispose() => directory.Dispose();

    [Fact]
    public async Task A_collector_writing_to_its_held_connection_costs_under_a_quarter_of_a_core()
    {
        using var talker = Peer.Talkative([.. Enumerable.Range(0, 4096).Select(i => (byte)i)], TimeSpan.FromMilliseconds(5));
        var config = directory.Write("collectors.yaml", Configs.Group([talker.Port], probe: "interval: 2s, timeout: 1s, mode: hold"));
        await using var exporter = ExporterProcess.Start(["--config", config]);
        using var client = new HttpClient { BaseAddress = await exporter.ListeningAsync() };
        await Eventually.TrueAsync(() => talker.Accepted >= 1, "the first connection held");

        var measured = TimeSpan.FromSeconds(Math.Min(20, Support.Soak.Duration.TotalSeconds));
        var before = ProcessStats.Of(exporter.Id);
        var sentBefore = talker.BytesSent;
        await Task.Delay(measured);
        var after = ProcessStats.Of(exporter.Id);
        var text = await client.GetStringAsync("/metrics");
        var cpu = (after.CpuTime - before.CpuTime) / measured;
        var rate = (talker.BytesSent - sentBefore) / measured.TotalSeconds / 1024;
        var probes = Value(text, "logcollector_probes_total", L("collector", "c1"), L("result", "success")) ?? 0;
        output.WriteLine($"a collector writing {rate:F0} KiB/s on its held connection: exporter CPU {cpu:P1} of a core; {probes} probes, {talker.Accepted} connections");
        RunReport.Add("talking-collector", ("kib_per_s", Math.Round(rate)), ("exporter_cpu_share", Math.Round(cpu, 3)), ("probes", probes));

        Assert.True(cpu < 0.25, $"the exporter used {cpu:P0} of a core to throw the chatter away");
    }
}
