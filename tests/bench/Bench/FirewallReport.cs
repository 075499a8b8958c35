using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using LogCollectorExporter.EndToEnd.Support;
using LogCollectorExporter.Tests.Support;

namespace LogCollectorExporter.Bench;

/// <summary>
/// How big the firewall report's run is: firewalls (each listing 3 of 50 collectors in the saved Panorama
/// configuration), how often snmp_exporter polls each and Prometheus evaluates the rules, and how many evaluations to
/// watch once every firewall has been polled twice.
/// </summary>
internal sealed record FirewallEstate(int Firewalls, int Collectors, int PerFirewall, TimeSpan ScrapeInterval, TimeSpan EvaluationInterval, int Evaluations)
{
    public string Name => string.Create(CultureInfo.InvariantCulture,
        $"{Firewalls:N0} firewalls × {PerFirewall} of {Collectors} collectors, polled every {ScrapeInterval.TotalSeconds} s, rules every {EvaluationInterval.TotalSeconds} s");
}

/// <summary>What was measured: rule groups' evaluation times, the series the firewalls add, snmp_exporter's time per firewall.</summary>
internal sealed record FirewallReportRow(
    IReadOnlyDictionary<string, IReadOnlyList<double>> GroupSeconds, int Answering, double SamplesPerPoll, double SnmpJobSeries, double RecordedSeries,
    double HeadSeries, (double P50, double P95, double Max) SnmpScrape, (double P50, double P95, double Max) PrometheusScrape,
    double SnmpExporterCpuMsPerFirewall, double SimulatorCpuMsPerFirewall, double PrometheusPeakRss, IReadOnlyDictionary<string, double> Pending, double Joined,
    IReadOnlyList<(string Rule, double Seconds)> SlowestRules);

/// <summary>
/// Issue 20 at the Panorama scale: the firewalls' own report (snmpsim answering as every firewall of a saved Panorama
/// configuration, Debian's snmp_exporter 0.21 with grafana/snmp/snmp.yml's module, one target per firewall) beside
/// the exporter importing that configuration, in a real Prometheus evaluating both rule files of grafana/alerts.
/// Every firewall reports an active log collector connection to its first collector (the model's preferred one), one
/// in a hundred to its second instead, and a management (CMS) connection to Panorama; four log types on that connection,
/// traffic's counters moving. All on loopback: collectors on 127.0.0.x, firewalls on 127.1.x.y.
/// </summary>
internal static class FirewallReport
{
    private const string SnmpJob = "panos-logging";
    private static readonly string[] LogTypes = ["traffic", "threat", "system", "config"];

    /// <summary>How long a question to Prometheus may take: at 5,000 firewalls it holds a quarter of a million series.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    public static async Task<FirewallReportRow> MeasureAsync(string binary, FirewallEstate estate, TargetListener targets)
    {
        Console.WriteLine($"-- the firewalls' own report: {estate.Name}");
        using var directory = new TempDirectory();
        var xml = Panorama.SavedConfiguration(estate.Firewalls, estate.Collectors, estate.PerFirewall);
        var saved = directory.Write("panorama-running.xml", xml);
        var clock = Stopwatch.StartNew();
        await using var agents = await SimulatedFirewallAgents.StartAsync(directory.Path, Firewalls(xml), address: FirewallAddress, patience: TimeSpan.FromMinutes(5));
        Console.WriteLine($"   snmpsimd answering as {agents.Endpoints.Count:N0} firewalls after {clock.Elapsed.TotalSeconds:0} s");

        await using var exporter = await ExporterProber.StartAsync(binary, ExporterProber.PanoramaImportConfig(saved, estate.Collectors, targets.Port, TimeSpan.FromSeconds(10)));
        var snmpConfig = directory.Write("snmp.yml", ShippedSnmpModule.ForSnmpExporter021("public"));
        await using var snmpExporter = await ServerProcess.StartAsync("prometheus-snmp-exporter", listen => [$"--config.file={snmpConfig}", $"--web.listen-address={listen}", "--log.level=warn"]);
        await using var prometheus = await StartPrometheusAsync(directory, estate, exporter.Client.BaseAddress!.Authority, snmpExporter.Address.Authority, agents.Endpoints);
        using var http = new HttpClient { BaseAddress = prometheus.Address, Timeout = Patience };
        using var api = new PrometheusApi(prometheus.Address, Patience);

        // Two polls of every firewall (rate() and increase() need two samples), then the evaluations to watch.
        var warmUp = (2 * estate.ScrapeInterval) + estate.EvaluationInterval;
        Console.WriteLine($"   warm-up {warmUp.TotalSeconds} s, then {estate.Evaluations} evaluations");
        await Task.Delay(warmUp);
        var cpuBefore = (Snmp: ProcessStats.Cpu(snmpExporter.Id), Simulator: ProcessStats.Cpu(agents.Id));
        var window = Stopwatch.StartNew();
        var evaluations = new Dictionary<string, SortedDictionary<string, double>>();
        while (evaluations.Count == 0 || evaluations.Values.Min(e => e.Count) < estate.Evaluations)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            foreach (var (group, last, seconds) in await RuleGroupsAsync(http))
            {
                (evaluations.TryGetValue(group, out var seen) ? seen : evaluations[group] = [])[last] = seconds;
            }
        }

        // Polls in the window: each firewall every scrape interval.
        var polls = window.Elapsed / estate.ScrapeInterval * estate.Firewalls;
        var snmpCpu = (ProcessStats.Cpu(snmpExporter.Id) - cpuBefore.Snmp).TotalMilliseconds / polls;
        var simulatorCpu = (ProcessStats.Cpu(agents.Id) - cpuBefore.Simulator).TotalMilliseconds / polls;
        var job = $"job=\"{SnmpJob}\"";
        var pending = new Dictionary<string, double>();
        foreach (var series in await QueryAsync(api, "count by (alertname) (ALERTS)"))
        {
            pending[series.Labels.GetValueOrDefault("alertname", "")] = series.Value;
        }

        var row = new FirewallReportRow(
            evaluations.ToDictionary(e => e.Key, e => (IReadOnlyList<double>)[.. e.Value.Values]),
            (int)await ScalarAsync(api, $"count(up{{{job}}} == 1)"),
            await ScalarAsync(api, $"sum(scrape_samples_scraped{{{job}}})"),
            await ScalarAsync(api, $"count({{{job}, __name__!~\".+:.+\"}})"),
            await ScalarAsync(api, "count({__name__=~\"firewall:.+|ip:.+\"})"),
            ExporterProber.Sum(Scrape.Parse(await http.GetStringAsync("metrics")), "prometheus_tsdb_head_series"),
            await QuantilesAsync(api, $"snmp_scrape_duration_seconds{{{job}}}"),
            await QuantilesAsync(api, $"scrape_duration_seconds{{{job}}}"),
            snmpCpu, simulatorCpu, ProcessStats.PeakRssMiB(prometheus.Id), pending,
            await ScalarAsync(api, "count(firewall:panos_logging_collector_connection:active{collector!=\"\"} == 1)"),
            await SlowestRulesAsync(http));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"   {row.Answering:N0} firewalls answering, {row.SamplesPerPoll:N0} samples a round, {row.SnmpJobSeries:N0} series of the SNMP job, {row.RecordedSeries:N0} recorded; " +
            $"rule groups {string.Join(", ", row.GroupSeconds.Select(g => $"{g.Key} {Describe(g.Value)}"))}; alerts {string.Join(", ", pending.Select(p => $"{p.Key} {p.Value}"))}"));
        return row;
    }

    /// <summary>The figures as a table for docs/benchmarks.md.</summary>
    public static string Table(FirewallEstate estate, FirewallReportRow r)
    {
        var perFirewall = r.SamplesPerPoll / estate.Firewalls;
        var table = new StringBuilder();
        table.AppendLine(CultureInfo.InvariantCulture, $"| {estate.Name} | goal | measured |");
        table.AppendLine("|---|---|---|");
        foreach (var (group, seconds) in r.GroupSeconds.OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            table.AppendLine(CultureInfo.InvariantCulture, $"| rule group `{group}`, evaluation time (last {seconds.Count}) | ≤ 1 s | {Describe(seconds)} |");
        }

        table.AppendLine(CultureInfo.InvariantCulture, $"| its slowest rules, last evaluation | – | {string.Join("; ", r.SlowestRules.Select(x => $"`{x.Rule}` {x.Seconds * 1000:0} ms"))} |");
        table.AppendLine(CultureInfo.InvariantCulture, $"| firewalls answering (`up == 1`) | {estate.Firewalls:N0} | {r.Answering:N0} |");
        table.AppendLine(CultureInfo.InvariantCulture, $"| samples a round of polls (`scrape_samples_scraped`) | – | {r.SamplesPerPoll:N0} ({perFirewall:0.0} per firewall) |");
        table.AppendLine(CultureInfo.InvariantCulture, $"| series the SNMP job adds (`up` and `scrape_*` included) | – | {r.SnmpJobSeries:N0} ({r.SnmpJobSeries / estate.Firewalls:0.0} per firewall) |");
        table.AppendLine(CultureInfo.InvariantCulture, $"| series the firewall rules record (`firewall:*`, `ip:*`) | – | {r.RecordedSeries:N0} ({r.RecordedSeries / estate.Firewalls:0.0} per firewall) |");
        table.AppendLine(CultureInfo.InvariantCulture, $"| head series in all (`prometheus_tsdb_head_series`, the exporter's included) | – | {r.HeadSeries:N0} |");
        table.AppendLine(CultureInfo.InvariantCulture, $"| snmp_exporter's time per firewall (`snmp_scrape_duration_seconds`) p50 / p95 / max | – | {Ms(r.SnmpScrape)} |");
        table.AppendLine(CultureInfo.InvariantCulture, $"| Prometheus's scrape of a firewall (`scrape_duration_seconds`) p50 / p95 / max | – | {Ms(r.PrometheusScrape)} |");
        table.AppendLine(CultureInfo.InvariantCulture, $"| CPU per firewall polled: snmp_exporter / snmpsimd | – | {r.SnmpExporterCpuMsPerFirewall:0.00} ms / {r.SimulatorCpuMsPerFirewall:0.00} ms |");
        table.AppendLine(CultureInfo.InvariantCulture, $"| firewalls joined to a collector of the exporter | {estate.Firewalls:N0} | {r.Joined:N0} |");
        table.AppendLine(CultureInfo.InvariantCulture, $"| alerts pending or firing (`ALERTS`) | `LogCollectorFirewallElsewhere` {estate.Firewalls / 100} | " +
            $"{(r.Pending.Count == 0 ? "none" : string.Join(", ", r.Pending.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"`{p.Key}` {p.Value}")))} |");
        table.AppendLine(CultureInfo.InvariantCulture, $"| Prometheus peak RSS | – | {r.PrometheusPeakRss:0} MiB |");
        return table.ToString();
    }

    public static IEnumerable<(bool Pass, string Text)> Verdicts(FirewallEstate estate, FirewallReportRow r)
    {
        foreach (var (group, seconds) in r.GroupSeconds.OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            yield return (seconds.Max() <= 1, string.Create(CultureInfo.InvariantCulture, $"firewall report: rule group {group} evaluated in at most {seconds.Max():0.000} s <= 1 s"));
        }

        yield return (r.Answering == estate.Firewalls && r.Joined == estate.Firewalls,
            $"firewall report: {r.Answering} of {estate.Firewalls} firewalls answering, {r.Joined} joined to a collector of the exporter");
    }

    private static string Describe(IReadOnlyList<double> seconds) => string.Create(CultureInfo.InvariantCulture,
        $"{string.Join(", ", seconds.Select(s => $"{s * 1000:0}"))} ms");

    private static string Ms((double P50, double P95, double Max) q) => string.Create(CultureInfo.InvariantCulture,
        $"{q.P50 * 1000:0} / {q.P95 * 1000:0} / {q.Max * 1000:0} ms");

    /// <summary>
    /// Each firewall of the saved configuration as snmpsim answers for it: its serial, its collectors in the order the
    /// configuration lists them, a connection to the first (one in a hundred: the second) and one to Panorama.
    /// </summary>
    private static List<SimulatedFirewall> Firewalls(string savedConfiguration)
    {
        var firewalls = new List<SimulatedFirewall>();
        foreach (Match entry in Regex.Matches(savedConfiguration, "<entry name=\"(\\d+)\"><collectors>(.*?)</collectors>"))
        {
            var collectors = Regex.Matches(entry.Groups[2].Value, "name=\"\\d{7}(\\d{5})\"").Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToArray();
            var to = collectors[firewalls.Count % 100 == 99 ? 1 : 0];
            var address = TargetListener.Address(to);
            var device = PanoramaConfigs.CollectorSerial(to);
            ConnectionRow[] connections = [new("LC", address, $"lc-{to}", "Active"), new("CMS", "127.0.0.250", "panorama", "connected")];
            LogTypeRow[] logTypes = [.. LogTypes.Select((type, i) => i == 0
                ? new LogTypeRow(i, device, type, 50_000, 40, 49_990, 40, 900_000, 40)
                : new LogTypeRow(i, device, type, 700 * (i + 1), 0, 700 * (i + 1), 0, 8_000 * (i + 1), 0))];
            firewalls.Add(new SimulatedFirewall(entry.Groups[1].Value, 40, connections, logTypes));
        }

        return firewalls;
    }

    /// <summary>The i-th firewall's address: 127.1.0.1 … 127.1.0.250, 127.1.1.1 … (the collectors are on 127.0.x.y).</summary>
    private static string FirewallAddress(int i) => string.Create(CultureInfo.InvariantCulture, $"127.1.{i / 250}.{(i % 250) + 1}");

    private static Task<ServerProcess> StartPrometheusAsync(TempDirectory directory, FirewallEstate estate, string exporter, string snmpExporter, IReadOnlyList<string> firewalls)
    {
        var alerts = Path.Combine(Tools.RepositoryRoot, "grafana", "alerts");
        var targets = directory.Write("firewalls.json", JsonSerializer.Serialize(new[] { new { targets = firewalls } }));
        var scrape = estate.ScrapeInterval.TotalSeconds;
        var config = directory.Write("prometheus.yml", string.Create(CultureInfo.InvariantCulture, $$"""
            global: {scrape_interval: 15s, evaluation_interval: {{estate.EvaluationInterval.TotalSeconds}}s}
            rule_files: ["{{alerts}}/logcollector-alerts.yml", "{{alerts}}/logcollector-firewall-report.yml"]
            scrape_configs:
              - job_name: logcollector-exporter
                static_configs: [{targets: ["{{exporter}}"]}]
              - job_name: {{SnmpJob}}
                scrape_interval: {{scrape}}s
                scrape_timeout: {{Math.Max(5, scrape - 10)}}s
                metrics_path: /snmp
                params: {module: [panos_logging]}
                file_sd_configs: [{files: ["{{targets}}"]}]
                relabel_configs:
                  - {source_labels: [__address__], target_label: __param_target}
                  - {source_labels: [__param_target], target_label: instance}
                  - {target_label: __address__, replacement: "{{snmpExporter}}"}
            """));
        return ServerProcess.StartAsync("prometheus", listen =>
            [$"--config.file={config}", $"--storage.tsdb.path={Path.Combine(directory.Path, "prometheus")}", $"--web.listen-address={listen}", "--log.level=warn"]);
    }

    /// <summary>Every rule group's last evaluation: when (as Prometheus gives it) and how long it took.</summary>
    private static async Task<IEnumerable<(string Group, string Last, double Seconds)>> RuleGroupsAsync(HttpClient api)
    {
        using var body = JsonDocument.Parse(await api.GetStringAsync("api/v1/rules"));
        return [.. from g in body.RootElement.GetProperty("data").GetProperty("groups").EnumerateArray()
                   let last = g.GetProperty("lastEvaluation").GetString()!
                   where !last.StartsWith("0001-", StringComparison.Ordinal)
                   select (g.GetProperty("name").GetString()!, last, g.GetProperty("evaluationTime").GetDouble())];
    }

    /// <summary>The firewall report groups' three slowest rules in their last evaluations (an alert by its name, a record by its).</summary>
    private static async Task<(string Rule, double Seconds)[]> SlowestRulesAsync(HttpClient api)
    {
        using var body = JsonDocument.Parse(await api.GetStringAsync("api/v1/rules"));
        return [.. (from g in body.RootElement.GetProperty("data").GetProperty("groups").EnumerateArray()
                    where g.GetProperty("name").GetString()!.StartsWith("logcollector-firewall-report", StringComparison.Ordinal)
                    from r in g.GetProperty("rules").EnumerateArray()
                    select (r.GetProperty("name").GetString()!, r.GetProperty("evaluationTime").GetDouble()))
                   .OrderByDescending(r => r.Item2).Take(3)];
    }

    private static async Task<IReadOnlyList<Series>> QueryAsync(PrometheusApi api, string expression)
    {
        var (series, error) = await api.SeriesAsync(expression, instant: true);
        return error is null ? series : throw new InvalidOperationException($"Prometheus did not answer {expression}: {error}");
    }

    private static async Task<double> ScalarAsync(PrometheusApi api, string expression) =>
        (await QueryAsync(api, expression)).Select(r => r.Value).DefaultIfEmpty(double.NaN).Single();

    private static async Task<(double, double, double)> QuantilesAsync(PrometheusApi api, string selector) =>
        (await ScalarAsync(api, $"quantile(0.5, {selector})"), await ScalarAsync(api, $"quantile(0.95, {selector})"), await ScalarAsync(api, $"max({selector})"));
}
