using System.Diagnostics;
using System.Globalization;
using LogCollectorExporter.Configuration;
using LogCollectorExporter.Metrics;
using LogCollectorExporter.Platform;
using LogCollectorExporter.Preference;
using LogCollectorExporter.Probing;
using Prometheus;

// What the exporter's series cost in prometheus-net alone, without probing, HTTP or the rest of the exporter: the
// managed heap that the series hold (ExporterMetrics and FleetSeries, the exporter's own classes, every series
// published), and the time to render them as /metrics. The floor under the exporter's RSS and scrape time.
// Usage: logcollector-series-cost SCENARIO [SCENARIO ...], where a scenario is N (N collectors, in groups of 100 that
// list each collector once) or GxKofN (G groups, each listing K of N collectors: a Panorama estate).
foreach (var scenario in args)
{
    Console.WriteLine(await MeasureAsync(scenario));
}

// One scenario in a method of its own: nothing of it is still reachable when the next one weighs the heap.
static async Task<string> MeasureAsync(string scenario)
{
    var (groups, perGroup, n) = scenario.Split('x', 'o', 'f') is [var groupCount, var memberCount, "", var collectorCount]
        ? (Parse(groupCount), Parse(memberCount), Parse(collectorCount))
        : (Math.Max(1, Parse(scenario) / 100), Math.Min(100, Parse(scenario)), Parse(scenario));
    var registry = Prometheus.Metrics.NewCustomRegistry();
    var before = Heap();
    var metrics = new ExporterMetrics(registry, ProbeSettings.DefaultBuckets, BuildInfo.Current);
    var series = new FleetSeries(metrics);
    var now = DateTimeOffset.UnixEpoch.AddSeconds(1_800_000_000);
    var collectors = new CollectorConfig[n];
    for (var i = 0; i < n; i++)
    {
        var collector = collectors[i] = new CollectorConfig($"lc-{i}", $"127.1.{i / 250}.{(i % 250) + 1}", CollectorConfig.DefaultPort, "");
        var outcome = new ProbeOutcome(ProbeResult.Success, TimeSpan.FromMicroseconds(50 + (i % 200)), TimeSpan.Zero, collector.IpAddress, null);
        series.CollectorConfigured(collector, newEndpoint: true);
        series.CollectorProbed(new CollectorView(collector, CollectorState.Up, 0, ProbeResult.Success, null, now, now, outcome.Handshake, TimeSpan.Zero, collector.IpAddress, 0), outcome, now);
    }

    for (var g = 0; g < groups; g++)
    {
        var group = new GroupConfig($"fw-{g}", false, Failback.Immediate, null, [.. Enumerable.Range(0, perGroup).Select(m => collectors[((g * perGroup) + m) % n])]);
        series.GroupConfigured(group);
        string[] names = [.. group.Collectors.Select(c => c.Name)];
        series.GroupUpdated(new GroupView(group, names, [0], [names[0]], perGroup, GroupStanding.FirstChoice), failover: false);
    }

    var held = Heap() - before;
    var renders = new List<(double Wall, double Cpu, long Allocated)>();
    long size = 0;
    for (var k = 0; k < 7; k++)
    {
        var (wall, cpu, allocated, length) = await RenderAsync(registry, size);
        renders.Add((wall, cpu, allocated));
        size = length;
    }

    var afterRenders = Heap() - before;
    var best = renders.Skip(2).OrderBy(r => r.Wall).ToList();
    var median = best[best.Count / 2];
    GC.KeepAlive(series);
    return string.Create(CultureInfo.InvariantCulture,
        $"series cost at {n} collectors in {groups} groups of {perGroup}: heap {held / 1048576.0:0.0} MiB, {afterRenders / 1048576.0:0.0} MiB after rendering; " +
        $"/metrics render {median.Wall:0} ms median (CPU {median.Cpu:0} ms), {size / 1e6:0.00} MB, allocating {median.Allocated / 1e6:0.0} MB besides the body");
}

static int Parse(string text) => int.Parse(text, CultureInfo.InvariantCulture);

// Into a buffer sized from the last render, so that what the render itself allocates can be told from the body.
static async Task<(double Wall, double Cpu, long Allocated, long Size)> RenderAsync(CollectorRegistry registry, long lastSize)
{
    using var body = new MemoryStream(checked((int)Math.Max(lastSize + (lastSize / 8), 1 << 16)));
    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
    var allocated = GC.GetTotalAllocatedBytes(precise: true);
    var clock = Stopwatch.StartNew();
    await registry.CollectAndExportAsTextAsync(body);
    var wall = clock.Elapsed.TotalMilliseconds;
    return (wall, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds, GC.GetTotalAllocatedBytes(precise: true) - allocated, body.Length);
}

static long Heap()
{
    GC.Collect();
    GC.WaitForPendingFinalizers();
    GC.Collect();
    return GC.GetTotalMemory(true);
}
