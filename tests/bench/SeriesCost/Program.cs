using System.Diagnostics;
using System.Globalization;
using System.Net;
using LogCollectorExporter.Configuration;
using LogCollectorExporter.Metrics;
using LogCollectorExporter.Preference;
using LogCollectorExporter.Probing;
using Prometheus;

// What the exporter's series cost in prometheus-net alone, without probing, HTTP or the rest of the exporter: the
// managed heap that N collectors' series hold (ExporterMetrics and CollectorSeries, the exporter's own classes, every
// series published), and the time to render them as /metrics. The floor under the exporter's RSS and scrape time.
// Usage: logcollector-series-cost N [N ...]
foreach (var n in args.Select(a => int.Parse(a, CultureInfo.InvariantCulture)))
{
    var registry = Prometheus.Metrics.NewCustomRegistry();
    var before = Heap();
    var metrics = new ExporterMetrics(registry, ProbeSettings.DefaultBuckets, BuildInfo.Current);
    var series = new List<CollectorSeries>(n);
    var now = DateTimeOffset.UnixEpoch.AddSeconds(1_800_000_000);
    for (var i = 0; i < n; i++)
    {
        var collector = new CollectorConfig($"lc-{i % 100}", $"127.1.{i / 250}.{(i % 250) + 1}", CollectorConfig.DefaultPort, "", (i % 100) + 1);
        var one = new CollectorSeries(metrics, $"cg-{i / 100}", collector);
        one.RecordProbe(new ProbeOutcome(ProbeResult.Success, TimeSpan.FromMicroseconds(50 + i % 200), TimeSpan.Zero, collector.IpAddress, null), now);
        one.SetHealth(CollectorState.Up, 0);
        one.SetPreferred(i % 100 == 0);
        series.Add(one);
    }

    var held = Heap() - before;
    var renders = new List<(double Wall, double Cpu)>();
    long size = 0;
    for (var k = 0; k < 7; k++)
    {
        var (wall, cpu, length) = await RenderAsync(registry, size);
        renders.Add((wall, cpu));
        size = length;
    }

    var afterRenders = Heap() - before;
    var best = renders.Skip(2).OrderBy(r => r.Wall).ToList();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"series cost at {n} collectors: heap {held / 1048576.0:0.0} MiB ({held / n:0} B per collector), {afterRenders / 1048576.0:0.0} MiB after rendering; " +
        $"/metrics render {best[best.Count / 2].Wall:0} ms median (CPU {best[best.Count / 2].Cpu:0} ms), {size / 1e6:0.00} MB"));
    GC.KeepAlive(series);
}

static async Task<(double Wall, double Cpu, long Size)> RenderAsync(CollectorRegistry registry, long lastSize)
{
    using var body = new MemoryStream(checked((int)Math.Max(lastSize + (lastSize / 8), 1 << 16)));
    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
    var clock = Stopwatch.StartNew();
    await registry.CollectAndExportAsTextAsync(body);
    return (clock.Elapsed.TotalMilliseconds, (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds, body.Length);
}

static long Heap()
{
    GC.Collect();
    GC.WaitForPendingFinalizers();
    GC.Collect();
    return GC.GetTotalMemory(true);
}
