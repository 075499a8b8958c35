using System.Diagnostics;
using System.Globalization;
using System.Text;
using LogCollectorExporter.Tests.Support;

namespace LogCollectorExporter.Bench;

/// <summary>
/// A Panorama estate: <see cref="Groups"/> firewalls' preference lists, each naming <see cref="PerGroup"/> of the same
/// <see cref="Collectors"/> collectors, probed every <see cref="Interval"/>. A reload storm is <see cref="StormReloads"/>
/// unchanged reloads one after the other, or as many as fit in <see cref="StormLimit"/>.
/// </summary>
internal sealed record Estate(int Collectors, int Groups, int PerGroup, TimeSpan Interval, TimeSpan WarmUp, TimeSpan Window, int StormReloads, TimeSpan StormLimit)
{
    public string Name => string.Create(CultureInfo.InvariantCulture, $"{Groups:N0} groups × {PerGroup} of {Collectors} collectors, every {Interval.TotalSeconds} s");
}

/// <summary>An answer's median wall time over three requests, and its size.</summary>
internal readonly record struct Answer(TimeSpan Time, long Bytes)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Time.TotalMilliseconds:0} ms, {Bytes / 1e6:0.00} MB");
}

/// <summary>Handshakes the collectors accepted from the first reload of a storm until <c>Settle</c> after its last, against what the schedule alone makes in that time.</summary>
internal readonly record struct Storm(int Reloads, TimeSpan Took, long Accepted, double Scheduled, int Collectors)
{
    public double Extra => Accepted - Scheduled;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Extra:0} ({Extra / Collectors:0.00} per collector): {Accepted} handshakes against {Scheduled:0} scheduled, {Reloads} reloads in {Took.TotalSeconds:0.0} s");
}

/// <summary>What was measured of one estate in one probe mode.</summary>
internal sealed record EstateRow(
    string Mode, TimeSpan Ready, double PerInterval, double MinPerInterval, double MaxPerInterval, TimeSpan Window,
    Answer Metrics, Answer Page, Answer GroupPage, Answer Api, double PeakRss, Storm Few, Storm Many, double PeakRssAfterStorms);

/// <summary>The Panorama-scale scenario (issue 11): one probe per collector however many preference lists name it.</summary>
internal static class Panorama
{
    // After the last reload: what a reload triggers (at once, or deferred by the one-probe-a-second rule) is in the count.
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(2);

    public static async Task<EstateRow> MeasureAsync(string binary, Estate estate, string mode)
    {
        Console.WriteLine($"-- Panorama, {mode} mode: {estate.Name}: warm-up {estate.WarmUp.TotalSeconds} s, window {estate.Window.TotalSeconds} s");
        using var targets = new TargetListener(hold: mode == "hold");
        var config = ExporterProber.PanoramaConfig(estate.Collectors, estate.Groups, estate.PerGroup, targets.Port, estate.Interval, mode);
        var clock = Stopwatch.StartNew();
        await using var exporter = await ExporterProber.StartAsync(binary, config);
        var ready = clock.Elapsed;
        await Task.Delay(estate.WarmUp);

        // Probes per collector per interval, from the handshakes each collector accepted; nothing else asks the exporter anything meanwhile.
        var before = targets.AcceptedBy(estate.Collectors);
        clock.Restart();
        await Task.Delay(estate.Window);
        var after = targets.AcceptedBy(estate.Collectors);
        var window = clock.Elapsed;
        var perInterval = after.Zip(before, (a, b) => (a - b) / (window / estate.Interval)).ToArray();

        var metrics = await MedianAsync(exporter, "/metrics");
        var page = await MedianAsync(exporter, "/");
        var groupPage = await MedianAsync(exporter, $"/?group=fw-{estate.Groups / 2}");
        var api = await MedianAsync(exporter, "/api/v1/status");
        var peakRss = ProcessStats.PeakRssMiB(exporter.Pid);

        var few = await StormAsync(exporter, targets, estate, 3, estate.StormLimit);
        var many = await StormAsync(exporter, targets, estate, estate.StormReloads, estate.StormLimit);
        var row = new EstateRow(mode, ready, perInterval.Average(), perInterval.Min(), perInterval.Max(), window,
            metrics, page, groupPage, api, peakRss, few, many, ProcessStats.PeakRssMiB(exporter.Pid));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"   ready in {ready.TotalMilliseconds:0} ms; probes per collector per interval {row.PerInterval:0.00} (min {row.MinPerInterval:0.00}, max {row.MaxPerInterval:0.00}, over {window.TotalSeconds:0.0} s); " +
            $"/metrics {metrics}; / {page}; /?group= {groupPage}; /api/v1/status {api}; peak RSS {peakRss:0.0} MiB; " +
            $"extra probes from {few}; from {many}; peak RSS after the storms {row.PeakRssAfterStorms:0.0} MiB"));
        return row;
    }

    /// <summary>
    /// Peak RSS with 1,000 collectors in one group, scraped three times, for a run of this scenario alone (the full and
    /// quick runs take it from their 1,000-target row, measured the same way).
    /// </summary>
    public static async Task<double> PeakRssAt1000Async(string binary, TimeSpan interval)
    {
        Console.WriteLine($"-- 1,000 collectors in one group, every {interval.TotalSeconds} s, scraped");
        using var targets = new TargetListener();
        await using var exporter = await ExporterProber.StartAsync(binary, 1000, targets.Port, interval);
        await Task.Delay(interval + TimeSpan.FromSeconds(2));
        var metrics = await MedianAsync(exporter, "/metrics");
        var peak = ProcessStats.PeakRssMiB(exporter.Pid);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"   /metrics {metrics}; peak RSS {peak:0.0} MiB"));
        return peak;
    }

    /// <summary>
    /// Peak RSS of the exporter importing a saved Panorama configuration of <paramref name="firewalls"/> firewalls over
    /// the estate's collectors (issue 12), scraped three times on each endpoint. Around the preference lists the file has
    /// what a real one has more of: a device group with rules per firewall, which the import streams past.
    /// </summary>
    public static async Task<(double PeakRss, long FileBytes)> PeakRssImportingAsync(string binary, int firewalls, Estate estate, TargetListener targets)
    {
        using var directory = new TempDirectory();
        var file = directory.Write("panorama-running.xml", SavedConfiguration(firewalls, estate.Collectors, estate.PerGroup));
        var bytes = new FileInfo(file).Length;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"-- a saved Panorama configuration of {firewalls:N0} firewalls ({bytes / 1e6:0.0} MB), {estate.PerGroup} of {estate.Collectors} collectors each, imported"));
        await using var exporter = await ExporterProber.StartAsync(binary, ExporterProber.PanoramaImportConfig(file, estate.Collectors, targets.Port, estate.Interval));
        await Task.Delay(estate.Interval + TimeSpan.FromSeconds(2));
        var metrics = await MedianAsync(exporter, "/metrics");
        var page = await MedianAsync(exporter, "/");
        var api = await MedianAsync(exporter, "/api/v1/status");
        var peak = ProcessStats.PeakRssMiB(exporter.Pid);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"   /metrics {metrics}; / {page}; /api/v1/status {api}; peak RSS {peak:0.0} MiB"));
        return (peak, bytes);
    }

    /// <summary>
    /// A Panorama running configuration (the tests' estate: managed collectors, collector groups of 100 firewalls) with a
    /// device group of five rules per firewall.
    /// </summary>
    public static string SavedConfiguration(int firewalls, int collectors, int perFirewall) =>
        PanoramaConfigs.Estate(firewalls, collectors, perFirewall, more: xml =>
        {
            xml.Append("<device-group>\n");
            for (var f = 0; f < firewalls; f++)
            {
                xml.Append(CultureInfo.InvariantCulture, $"<entry name=\"dg-{f}\"><devices><entry name=\"{PanoramaConfigs.FirewallSerial(f)}\"/></devices><pre-rulebase><security><rules>");
                for (var r = 0; r < 5; r++)
                {
                    xml.Append(CultureInfo.InvariantCulture, $"<entry name=\"rule-{r}\"><from><member>trust</member></from><to><member>untrust</member></to><source><member>10.{f % 250}.{r}.0/24</member></source><destination><member>any</member></destination><application><member>web-browsing</member></application><service><member>application-default</member></service><action>allow</action></entry>");
                }

                xml.Append("</rules></security></pre-rulebase></entry>\n");
            }

            xml.Append("</device-group>\n");
        });

    /// <summary>The issue's goal table, a column per mode measured.</summary>
    public static string Table(Estate estate, IReadOnlyList<EstateRow> rows, double? peakRssAt1000, IReadOnlyList<(int Firewalls, double PeakRss, long FileBytes)> imports)
    {
        var table = new StringBuilder();
        table.AppendLine(CultureInfo.InvariantCulture, $"| {estate.Name} | goal | {string.Join(" | ", rows.Select(r => $"{r.Mode} mode"))} |");
        table.AppendLine($"|---|---|{string.Concat(rows.Select(_ => "---|"))}");
        void Line(string figure, string goal, Func<EstateRow, string> value) =>
            table.AppendLine(CultureInfo.InvariantCulture, $"| {figure} | {goal} | {string.Join(" | ", rows.Select(value))} |");
        Line("probes per collector per interval", "1", r => string.Create(CultureInfo.InvariantCulture,
            $"{r.PerInterval:0.00} (min {r.MinPerInterval:0.00}, max {r.MaxPerInterval:0.00}, over {r.Window.TotalSeconds:0} s)"));
        Line("extra probes from 3 unchanged reloads", "none", r => r.Few.ToString());
        Line("extra probes from a storm of unchanged reloads", "none", r => r.Many.ToString());
        Line("`/metrics`", "≤ 100 ms", r => r.Metrics.ToString());
        Line("status page `/`", "≤ 200 ms and ≤ 1 MB", r => r.Page.ToString());
        Line("one group, `/?group=NAME`", "–", r => r.GroupPage.ToString());
        Line("`/api/v1/status`", "–", r => r.Api.ToString());
        Line("peak RSS at the Panorama scale, scrapes included", "≤ 64 MiB", r => string.Create(CultureInfo.InvariantCulture, $"{r.PeakRss:0.0} MiB"));
        Line("peak RSS after the reload storms", "–", r => string.Create(CultureInfo.InvariantCulture, $"{r.PeakRssAfterStorms:0.0} MiB"));
        Line("start to `/-/ready`", "–", r => string.Create(CultureInfo.InvariantCulture, $"{r.Ready.TotalMilliseconds:0} ms"));
        if (peakRssAt1000 is { } peak)
        {
            Line("peak RSS at 1,000 collectors (one group), scraped", "≤ 45 MiB", _ => string.Create(CultureInfo.InvariantCulture, $"{peak:0.0} MiB"));
        }

        foreach (var (firewalls, importPeak, bytes) in imports)
        {
            Line(string.Create(CultureInfo.InvariantCulture, $"peak RSS importing a saved Panorama configuration of {firewalls:N0} firewalls ({bytes / 1e6:0.0} MB), scraped"), "≤ 64 MiB",
                _ => string.Create(CultureInfo.InvariantCulture, $"{importPeak:0.0} MiB"));
        }

        return table.ToString();
    }

    /// <summary>The verdicts against the issue's goals, one per figure and mode.</summary>
    public static IEnumerable<(bool Pass, string Text)> Verdicts(IReadOnlyList<EstateRow> rows, double? peakRssAt1000, IReadOnlyList<(int Firewalls, double PeakRss, long FileBytes)> imports)
    {
        foreach (var (firewalls, importPeak, _) in imports)
        {
            yield return (importPeak <= 64, string.Create(CultureInfo.InvariantCulture, $"peak RSS importing {firewalls:N0} firewalls from a saved Panorama configuration: {importPeak:0.0} MiB <= 64 MiB"));
        }

        foreach (var r in rows)
        {
            var at = $"Panorama, {r.Mode} mode";
            yield return (Math.Abs(r.PerInterval - 1) < 0.05, string.Create(CultureInfo.InvariantCulture, $"{at}: probes per collector per interval {r.PerInterval:0.00} = 1"));
            foreach (var storm in new[] { r.Few, r.Many })
            {
                // The window does not start on an interval, so the schedule's count in it is off by a probe or two.
                yield return (storm.Extra < storm.Collectors / 10.0, string.Create(CultureInfo.InvariantCulture,
                    $"{at}: extra probes from {storm.Reloads} unchanged reloads: {storm.Extra:0} < {storm.Collectors / 10.0:0} (none beyond the schedule)"));
            }

            yield return (r.Metrics.Time.TotalMilliseconds <= 100, $"{at}: /metrics {r.Metrics} <= 100 ms");
            yield return (r.Page.Time.TotalMilliseconds <= 200 && r.Page.Bytes <= 1_000_000, $"{at}: status page {r.Page} <= 200 ms and <= 1 MB");
            yield return (r.PeakRss <= 64, string.Create(CultureInfo.InvariantCulture, $"{at}: peak RSS {r.PeakRss:0.0} MiB <= 64 MiB"));
        }

        if (peakRssAt1000 is { } peak)
        {
            yield return (peak <= 45, string.Create(CultureInfo.InvariantCulture, $"peak RSS at 1,000 collectors, scraped: {peak:0.0} MiB <= 45 MiB"));
        }
    }

    private static async Task<Answer> MedianAsync(ExporterProber exporter, string path)
    {
        var answers = new List<(TimeSpan Time, long Bytes)>();
        for (var i = 0; i < 3; i++)
        {
            answers.Add(await exporter.ScrapeAsync(path));
        }

        var median = answers.OrderBy(a => a.Time).ElementAt(1);
        return new Answer(median.Time, median.Bytes);
    }

    // Reloads of the unchanged file, one after the other as fast as one client can send them.
    private static async Task<Storm> StormAsync(ExporterProber exporter, TargetListener targets, Estate estate, int reloads, TimeSpan limit)
    {
        var before = targets.AcceptedBy(estate.Collectors).Sum();
        var clock = Stopwatch.StartNew();
        var done = 0;
        while (done < reloads && clock.Elapsed < limit)
        {
            await exporter.ReloadAsync();
            done++;
        }

        var took = clock.Elapsed;
        await Task.Delay(Settle);
        var accepted = targets.AcceptedBy(estate.Collectors).Sum() - before;
        return new Storm(done, took, accepted, estate.Collectors * (clock.Elapsed / estate.Interval), estate.Collectors);
    }
}
