using System.Globalization;
using System.Text;
using LogCollectorExporter.Bench;
using LogCollectorExporter.Tests.Support;

// The benchmark: logcollector-exporter against prometheus-blackbox-exporter, on loopback, in one run.
// Usage: logcollector-bench --exporter PATH [--blackbox PATH] [--floor PATH] [--quick] [--panorama] [--passwords] [--firewalls] [--out DIR]
// (--panorama: only the Panorama-scale scenario, e.g. to measure a change of the exporter's memory; --passwords: only
// the flood of wrong passwords against TLS and basic authentication; --firewalls: only the firewalls' own report)
var options = Options.Parse(args);
var culture = CultureInfo.InvariantCulture;
CultureInfo.DefaultThreadCurrentCulture = culture;
Directory.CreateDirectory(options.Out);

using var targets = new TargetListener();
Console.WriteLine($"targets: 127.x.y.z:{targets.Port} ({Environment.ProcessorCount} cores, {(options.Quick ? "quick" : "full")} run)");
var rows = new List<Row>();

foreach (var size in options.Sizes)
{
    foreach (var tool in new[] { "exporter", "blackbox" })
    {
        rows.Add(await MeasureAsync(tool, size));
    }
}

var estates = new List<EstateRow>();
foreach (var mode in options.EstateModes)
{
    estates.Add(await Panorama.MeasureAsync(options.Exporter, options.Estate, mode));
}

// Issue 12: the same estate imported from a saved Panorama configuration.
var imports = new List<(int Firewalls, double PeakRss, long FileBytes)>();
foreach (var firewalls in estates.Count > 0 ? new[] { 1000, options.Estate.Groups } : [])
{
    var (peak, bytes) = await Panorama.PeakRssImportingAsync(options.Exporter, firewalls, options.Estate, targets);
    imports.Add((firewalls, peak, bytes));
}

var floods = options.Floods ? await PasswordFlood.MeasureAsync(options.Exporter) : ((IReadOnlyList<FloodRow>, IReadOnlyList<NewcomerRow>, TimeSpan)?)null;
// Issue 20: the firewalls' own report over SNMP beside the same estate, in a real Prometheus with the rules.
var firewallReport = options.Firewalls is { } firewallEstate ? await FirewallReport.MeasureAsync(options.Exporter, firewallEstate, targets) : null;
TimeSpan? startup = options.Sizes.Count > 0 ? await MeasureStartupAsync() : null;
double? peakAt1000 = options.Sizes.Count > 0
    ? rows.FirstOrDefault(r => r.Tool == "logcollector-exporter" && r.Targets == 1000)?.PeakRss
    : estates.Count > 0 ? await Panorama.PeakRssAt1000Async(options.Exporter, options.Estate.Interval) : null;
Report(rows, estates, startup, peakAt1000, floods);
return 0;

async Task<Row> MeasureAsync(string tool, Size size)
{
    Console.WriteLine($"-- {tool}, {size.Targets} targets every {size.Interval.TotalSeconds} s: warm-up {size.WarmUp.TotalSeconds} s, window {size.Window.TotalSeconds} s");
    await using IProber prober = tool == "exporter"
        ? await ExporterProber.StartAsync(options.Exporter, size.Targets, targets.Port, size.Interval)
        : await BlackboxProber.StartAsync(options.Blackbox, size.Targets, targets.Port, size.Interval);
    await Task.Delay(size.WarmUp);

    // CPU and probes over the window, with no scrape of the exporter inside it.
    var exporter = prober as ExporterProber;
    var before = await prober.CountAsync();
    var firstLag = exporter?.Last?.Histogram("logcollector_exporter_schedule_lag_seconds");
    var cpuBefore = ProcessStats.Cpu(prober.Pid);
    await Task.Delay(size.Window);
    var cpu = ProcessStats.Cpu(prober.Pid) - cpuBefore;
    var after = await prober.CountAsync();
    var lag = exporter?.Last?.Histogram("logcollector_exporter_schedule_lag_seconds").Since(firstLag!);
    var probes = after.Probes - before.Probes;

    // Accuracy: handshakes captured on the wire against what the prober reported for them, over a window of its own.
    double reported = double.NaN, wire = double.NaN;
    var captured = 0;
    if (size.Accuracy)
    {
        using var capture = await WireCapture.StartAsync(targets.Port);
        var start = await prober.CountAsync();
        await Task.Delay(size.CaptureWindow);
        var end = await prober.CountAsync();
        (wire, captured) = await capture.StopAsync();
        reported = (end.ReportedSeconds - start.ReportedSeconds) / (end.Successes - start.Successes);
    }

    (TimeSpan Time, long Bytes, TimeSpan Cpu)? scrape = null;
    if (exporter is not null)
    {
        var times = new List<TimeSpan>();
        long bytes = 0;
        var scrapeCpu = ProcessStats.Cpu(prober.Pid);
        for (var i = 0; i < 3; i++)
        {
            var (time, size1) = await exporter.ScrapeAsync();
            times.Add(time);
            bytes = size1;
        }

        scrape = (times.Order().ElementAt(1), bytes, (ProcessStats.Cpu(prober.Pid) - scrapeCpu) / 3);
    }

    var peakRss = ProcessStats.PeakRssMiB(prober.Pid);
    double floor = double.NaN;
    if (exporter is not null && options.Floor is { } floorProgram)
    {
        // With the exporter still running (idle between its probes) the machine is as loaded as during the window.
        var (_, output) = await Tools.RunAsync(floorProgram, [targets.Port.ToString(culture), size.Targets.ToString(culture),
            (size.Targets / size.Interval.TotalSeconds).ToString(culture), Math.Min(5, size.Window.TotalSeconds).ToString(culture)]);
        floor = double.Parse(output.Trim(), culture);
    }

    var row = new Row(prober.Name, size.Targets, size.Interval, probes, cpu, peakRss, floor, reported, wire, captured,
        lag?.Quantile(0.5) ?? double.NaN,
        lag?.Quantile(0.99) ?? double.NaN,
        scrape);
    Console.WriteLine("   " + row.Describe());
    return row;
}

async Task<TimeSpan> MeasureStartupAsync()
{
    var times = new List<TimeSpan>();
    for (var i = 0; i < 5; i++)
    {
        await using var exporter = await ExporterProber.StartAsync(options.Exporter, 10, targets.Port, TimeSpan.FromSeconds(60));
        times.Add(await exporter.WaitReadyAsync());
    }

    var median = times.Order().ElementAt(times.Count / 2);
    Console.WriteLine($"-- start-up, exec to /-/ready with 10 collectors: {string.Join(", ", times.Select(t => $"{t.TotalMilliseconds:0}"))} ms; median {median.TotalMilliseconds:0} ms");
    return median;
}

void Report(List<Row> rows, List<EstateRow> estates, TimeSpan? startup, double? peakAt1000, (IReadOnlyList<FloodRow> Rows, IReadOnlyList<NewcomerRow> Newcomers, TimeSpan OneCheck)? floods)
{
    var table = new StringBuilder();
    table.AppendLine("| tool | targets | interval | probes | CPU ms / 1k probes | with a scrape every 15 s | syscall floor | peak RSS MiB | reported µs | wire µs | overhead µs | lag p50 / p99 ms | /metrics ms (CPU ms), size |");
    table.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    foreach (var r in rows)
    {
        table.AppendLine(r.Markdown());
    }

    var startupLine = startup is { } ready ? $"\nstart-up (exec to /-/ready, 10 collectors, median of 5): {ready.TotalMilliseconds:0} ms\n" : "";
    if (rows.Count > 0)
    {
        Console.WriteLine();
        Console.Write(table);
        Console.WriteLine(startupLine);
    }

    var verdicts = new List<string>();
    void Check(bool pass, string text) => verdicts.Add($"{(pass ? "PASS" : "FAIL")} {text}");
    foreach (var size in options.Sizes)
    {
        var ours = rows.Single(r => r.Tool == "logcollector-exporter" && r.Targets == size.Targets);
        var theirs = rows.Single(r => r.Tool == "blackbox_exporter" && r.Targets == size.Targets);
        Check(ours.CpuPer1k <= 0.1 * theirs.CpuPer1k,
            $"CPU per 1,000 probes at {size.Targets}: {ours.CpuPer1k:0.0} ms <= 0.1 x blackbox's {theirs.CpuPer1k:0.0} ms (ratio {ours.CpuPer1k / theirs.CpuPer1k:0.000}" +
            (double.IsNaN(ours.FloorPer1k) ? ")" : $"; the system calls alone: {ours.FloorPer1k:0.0} ms, {ours.FloorPer1k / theirs.CpuPer1k:0.000} x blackbox's)"));
        if (size.Accuracy)
        {
            Check(ours.Overhead <= 50e-6 && ours.Overhead < theirs.Overhead,
                $"measurement overhead at {size.Targets}: {ours.Overhead * 1e6:0.0} µs <= 50 µs and < blackbox's {theirs.Overhead * 1e6:0.0} µs");
        }

        if (size.Targets == 1000)
        {
            Check(ours.PeakRss <= 30, $"peak RSS at 1,000 collectors: {ours.PeakRss:0.0} MiB <= 30 (blackbox: {theirs.PeakRss:0.0} MiB)");
        }

        if (size.Targets == 10000)
        {
            Check(ours.PeakRss <= 80, $"peak RSS at 10,000 collectors: {ours.PeakRss:0.0} MiB <= 80 (blackbox: {theirs.PeakRss:0.0} MiB)");
            Check(ours.LagP99 <= 0.1, $"schedule lag p99 at 10,000 collectors: {ours.LagP99 * 1000:0.0} ms <= 100 ms");
            Check(ours.Scrape!.Value.Time.TotalMilliseconds <= 100,
                $"/metrics scrape at 10,000 collectors: {ours.Scrape!.Value.Time.TotalMilliseconds:0} ms <= 100 ms ({ours.Scrape.Value.Bytes / 1e6:0.0} MB)");
        }
    }

    if (startup is { } startupTime)
    {
        Check(startupTime.TotalMilliseconds <= 300, $"start-up to ready: {startupTime.TotalMilliseconds:0} ms <= 300 ms");
    }

    // The Panorama scale (issue 11), and the exporter's peak at 1,000 collectors.
    var estateTable = estates.Count > 0 || peakAt1000 is not null ? Panorama.Table(options.Estate, estates, peakAt1000, imports) : "";
    Console.WriteLine();
    Console.Write(estateTable);
    Console.WriteLine();
    foreach (var (pass, text) in Panorama.Verdicts(estates, peakAt1000, imports))
    {
        Check(pass, text);
    }

    // Wrong passwords against TLS and basic authentication (issue 13).
    var floodTable = floods is { } flood ? PasswordFlood.Table(flood.Rows, flood.OneCheck) + "\n" + PasswordFlood.NewcomerTable(flood.Newcomers) : "";
    if (floods is { } measured)
    {
        Console.WriteLine();
        Console.Write(floodTable);
        foreach (var (pass, text) in PasswordFlood.Verdicts(measured.Rows, measured.OneCheck).Concat(PasswordFlood.NewcomerVerdicts(measured.Newcomers)))
        {
            Check(pass, text);
        }
    }

    var firewallTable = firewallReport is { } report ? FirewallReport.Table(options.Firewalls!, report) : "";
    if (firewallReport is { } measuredReport)
    {
        Console.WriteLine();
        Console.Write(firewallTable);
        foreach (var (pass, text) in FirewallReport.Verdicts(options.Firewalls!, measuredReport))
        {
            Check(pass, text);
        }
    }

    foreach (var verdict in verdicts)
    {
        Console.WriteLine(verdict);
    }

    var results = Path.Combine(options.Out, rows.Count > 0 ? "results.md" : estates.Count > 0 ? "panorama.md" : floods is not null ? "passwords.md" : "firewalls.md");
    File.WriteAllText(results, (rows.Count > 0 ? table + startupLine + "\n" : "") + estateTable + "\n" + floodTable + "\n" + firewallTable + "\n" + string.Join("\n", verdicts) + "\n");
    if (rows.Count == 0)
    {
        Console.WriteLine($"\nresults: {results}");
        return;
    }

    File.WriteAllLines(Path.Combine(options.Out, "results.tsv"),
        ["tool\ttargets\tcpu_ms_per_1k\tpeak_rss_mib", .. rows.OrderBy(r => r.Tool, StringComparer.Ordinal).ThenBy(r => r.Targets).Select(r => $"{r.Tool}\t{r.Targets}\t{r.CpuPer1k:0.###}\t{r.PeakRss:0.###}")]);
    Console.WriteLine($"\nresults: {results}, {Path.Combine(options.Out, "results.tsv")}");
}

/// <summary>One prober at one size: what was measured.</summary>
internal sealed record Row(
    string Tool, int Targets, TimeSpan Interval, double Probes, TimeSpan Cpu, double PeakRss, double FloorPer1k, double Reported, double Wire, int Captured,
    double LagP50, double LagP99, (TimeSpan Time, long Bytes, TimeSpan Cpu)? Scrape)
{
    public double CpuPer1k => Cpu.TotalMilliseconds / Probes * 1000;

    public double Overhead => Reported - Wire;

    /// <summary>CPU per 1,000 probes once Prometheus's scrapes of /metrics, every 15 s, are counted too (blackbox: its cost is in each probe).</summary>
    public double CpuPer1kScraped => Scrape is { } s ? CpuPer1k + (s.Cpu.TotalMilliseconds / (Targets / Interval.TotalSeconds * 15) * 1000) : CpuPer1k;

    public string Describe() =>
        $"{Probes:0} probes, CPU {Cpu.TotalMilliseconds:0} ms = {CpuPer1k:0.0} ms per 1k" + (double.IsNaN(FloorPer1k) ? "" : $" (syscall floor {FloorPer1k:0.0})") +
        $", peak RSS {PeakRss:0.0} MiB" +
        (double.IsNaN(Reported) ? "" : $", reported {Reported * 1e6:0.0} µs vs wire {Wire * 1e6:0.0} µs ({Captured} handshakes)") +
        (double.IsNaN(LagP99) ? "" : $", lag p50 {LagP50 * 1000:0.00} ms p99 {LagP99 * 1000:0.00} ms") +
        (Scrape is { } s ? $", /metrics {s.Time.TotalMilliseconds:0} ms ({s.Cpu.TotalMilliseconds:0} ms CPU) {s.Bytes / 1e6:0.00} MB" : "");

    public string Markdown() => string.Create(CultureInfo.InvariantCulture,
        $"| {Tool} | {Targets:N0} | {Interval.TotalSeconds} s | {Probes:0} | {CpuPer1k:0.0} | {CpuPer1kScraped:0.0} | {Num(FloorPer1k)} | {PeakRss:0.0} | {Num(Reported * 1e6)} | {Num(Wire * 1e6)} | {Num(Overhead * 1e6)} | " +
        $"{(double.IsNaN(LagP99) ? "–" : $"{LagP50 * 1000:0.00} / {LagP99 * 1000:0.00}")} | " +
        $"{(Scrape is { } s ? $"{s.Time.TotalMilliseconds:0} ({s.Cpu.TotalMilliseconds:0}), {s.Bytes / 1e6:0.00} MB" : "–")} |");

    private static string Num(double value) => double.IsNaN(value) ? "–" : value.ToString("0.0", CultureInfo.InvariantCulture);
}

/// <summary>A size to measure: targets, their interval, how long to warm up and measure, and whether to capture the wire.</summary>
internal sealed record Size(int Targets, TimeSpan Interval, TimeSpan WarmUp, TimeSpan Window, bool Accuracy, TimeSpan CaptureWindow);

internal sealed record Options(string Exporter, string Blackbox, string? Floor, bool Quick, string Out, IReadOnlyList<Size> Sizes, Estate Estate, IReadOnlyList<string> EstateModes,
    bool Floods, FirewallEstate? Firewalls)
{
    public static Options Parse(string[] args)
    {
        string? exporter = null, blackbox = "/usr/bin/prometheus-blackbox-exporter", output = "artifacts/bench", floor = null;
        var quick = false;
        var panoramaOnly = false;
        var passwordsOnly = false;
        var firewallsOnly = false;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--exporter": exporter = args[++i]; break;
                case "--blackbox": blackbox = args[++i]; break;
                case "--out": output = args[++i]; break;
                case "--floor": floor = args[++i]; break;
                case "--quick": quick = true; break;
                case "--panorama": panoramaOnly = true; break;
                case "--passwords": passwordsOnly = true; break;
                case "--firewalls": firewallsOnly = true; break;
                default: throw new ArgumentException($"unknown argument {args[i]}; usage: --exporter PATH [--blackbox PATH] [--floor PATH] [--quick] [--panorama] [--passwords] [--firewalls] [--out DIR]");
            }
        }

        static TimeSpan s(double seconds) => TimeSpan.FromSeconds(seconds);
        IReadOnlyList<Size> sizes = panoramaOnly || passwordsOnly || firewallsOnly ? []
            : quick
            ? [new(10, s(1), s(2), s(8), false, s(0)), new(1000, s(5), s(6), s(10), true, s(5))]
            : [new(10, s(1), s(3), s(60), false, s(0)), new(1000, s(10), s(12), s(60), true, s(20)), new(10000, s(10), s(25), s(60), false, s(0))];

        // Issue 11's Panorama estate: 5,000 firewalls over 50 collectors, every 10 s. The warm-up is longer than an interval:
        // every collector's first probe runs at the start, the spread over the interval begins with the second. The quick
        // run leaves out hold mode and caps the storm at 5 s.
        var estate = quick
            ? new Estate(50, 5000, 3, s(10), s(11), s(10), 1000, s(5))
            : new Estate(50, 5000, 3, s(10), s(12), s(30), 1000, s(60));
        string[] modes = passwordsOnly || firewallsOnly ? [] : quick ? ["handshake"] : ["handshake", "hold"];

        // Issue 20: every firewall of that estate polled over SNMP, once every 120 s (the README's interval at this scale: one
        // snmpsimd answers for all 5,000 and takes about 19 ms of a core each), the rules every 30 s. The quick run: 200
        // firewalls every 10 s, the rules every 5 s.
        var firewalls = panoramaOnly || passwordsOnly ? null
            : quick ? new FirewallEstate(200, 50, 3, s(10), s(5), 3)
            : new FirewallEstate(5000, 50, 3, s(120), s(30), 3);
        return new Options(exporter ?? throw new ArgumentException("--exporter PATH is required"), blackbox!, floor, quick, output!, sizes, estate, modes,
            Floods: !panoramaOnly && !firewallsOnly, firewalls);
    }
}
