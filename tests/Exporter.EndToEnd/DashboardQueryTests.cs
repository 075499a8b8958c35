using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Authentication;
using System.Text;
using LogCollectorExporter.EndToEnd.Support;
using LogCollectorExporter.Tests.Support;
using Xunit.Abstractions;

namespace LogCollectorExporter.EndToEnd;

/// <summary>
/// Every query of the dashboards, as Grafana runs it, against a real Prometheus scraping the built exporter with a
/// Panorama-sized configuration: 5,000 groups, each listing 3 of 50 loopback collectors, some up and some refusing, so
/// that groups are on their first choice, failed over and unreachable. A second exporter under the same job sees the
/// first collector down. A third exporter has the certificate check on, over a group of its own: three collectors
/// speaking TLS as port 3978 does (a certificate that expires in 10 days, an expired one, one of 400 days) and one that
/// refuses. All on 127.0.0.1 and 127.x.x.x.
/// </summary>
public sealed class DashboardQueryTests(ITestOutputHelper output) : IDisposable
{
    private const string Job = "logcollector-exporter";
    private const int Collectors = 50;
    private const int Groups = 5000;

    /// <summary>More series than this from one query is a series (or a row) per group.</summary>
    private const int PerGroup = Groups / 10;

    private const string ScrapeInterval = "2s";

    /// <summary>What Grafana makes of $__rate_interval for that scrape interval: four of them.</summary>
    private const string RateInterval = "8s";

    /// <summary>
    /// The distances from a group's first collector to its second and third. With every fifth collector refusing
    /// (<see cref="Kinds"/>), they make groups on their first choice, failed over to priority 2 and to 3, and unreachable.
    /// </summary>
    private static readonly (int Second, int Third)[] Distances = [(1, 2), (5, 10), (5, 1), (2, 7), (3, 11), (5, 6), (7, 20)];

    private static readonly CollectorKind[] Kinds = [CollectorKind.Up, CollectorKind.Up, CollectorKind.Up, CollectorKind.Up, CollectorKind.Refused];

    private readonly TempDirectory directory = new();
    private readonly Stopwatch clock = Stopwatch.StartNew();

    public void Dispose() => directory.Dispose();

    [Fact]
    public async Task Every_panel_query_shows_what_a_Panorama_sized_estate_seen_from_two_exporters_and_the_certificates_a_third_reads_imply()
    {
        await using var fleet = await LoopbackFleet.StartAsync(Collectors, Kinds);
        using var refusing = Peer.Refused();
        var now = DateTimeOffset.UtcNow;
        using var soon = TlsCollector.Tls(TestCertificateAuthority.SelfSignedServer("tls-soon", now.AddDays(-355), now.AddDays(10)), SslProtocols.Tls12, requireClientCertificate: true);
        using var expired = TlsCollector.Tls(TestCertificateAuthority.SelfSignedServer("tls-expired", now.AddDays(-400), now.AddDays(-1)), SslProtocols.Tls12, requireClientCertificate: true);
        using var valid = TlsCollector.Tls(TestCertificateAuthority.SelfSignedServer("tls-valid", now.AddDays(-1), now.AddDays(400)), SslProtocols.Tls12, requireClientCertificate: true);
        Endpoint[] checkedCatalogue =
        [
            new("tls-soon", IPAddress.Loopback, soon.Port), new("tls-expired", IPAddress.Loopback, expired.Port), new("tls-valid", IPAddress.Loopback, valid.Port),
            new("tls-refused", refusing.Address, refusing.Port),
        ];
        PreferenceList[] checkedGroups = [new("fw-certificates", ForwardToAll: false, [.. checkedCatalogue.Select(c => c.Name)])];
        var catalogue = fleet.Collectors.Select(c => new Endpoint(c.Name, c.Address, c.Port)).ToArray();
        var up = fleet.Collectors.Where(c => c.Kind == CollectorKind.Up).Select(c => c.Name).ToHashSet();
        var estate = Estate(catalogue);

        // Every state the panels tell apart is there: on the first choice, failed over to priority 2 and to 3,
        // unreachable, and failed over with forward-to-all, to two collectors at once.
        Assert.Equal([0, 1, 2, 3], estate.Select(g => g.PreferredPriority(up)).Distinct().Order());
        Assert.Contains(estate, g => g.ForwardToAll && g.PreferredPriority(up) > 1 && g.Preferred(up).Length > 1);

        // The second exporter watches the first group only, and reaches its first collector at a port that refuses.
        var first = estate[0];
        Endpoint[] elsewhere = [new(first.Collectors[0], refusing.Address, refusing.Port), .. catalogue.Where(c => first.Collectors[1..].Contains(c.Name))];

        await using var exporter = ExporterProcess.Start(["--config", directory.Write("estate.yaml", Config(catalogue, estate))]);
        await using var other = ExporterProcess.Start(["--config", directory.Write("elsewhere.yaml", Config(elsewhere, [first]))]);
        await using var checking = ExporterProcess.Start(["--config", directory.Write("certificates.yaml", Config(checkedCatalogue, checkedGroups, certificates: true))]);
        var views = new[]
        {
            new View((await exporter.ListeningAsync()).Authority, catalogue, up, estate),
            new View((await other.ListeningAsync()).Authority, elsewhere, up.Except([first.Collectors[0]]).ToHashSet(), [first]),
            new View((await checking.ListeningAsync()).Authority, checkedCatalogue, new HashSet<string>(["tls-soon", "tls-expired", "tls-valid"]), checkedGroups),
        };
        await using var prometheus = await ServerProcess.StartPrometheusAsync(
            directory.Write("prometheus.yml", PrometheusConfig(views.Select(v => v.Instance))), Path.Combine(directory.Path, "prometheus"));
        using var api = new PrometheusApi(prometheus.Address);
        Log($"started: {Collectors} collectors, {estate.Length} groups; exporters {views[0].Instance}, {views[1].Instance} and {views[2].Instance} (certificates), Prometheus {prometheus.Address.Authority}");

        try
        {
            var overview = new Dictionary<string, string>
            {
                ["job"] = Job, ["instance"] = ".*", ["group"] = ".*", ["collector"] = ".*", ["__rate_interval"] = RateInterval,
            };
            await ChecksPassAsync(api, "logcollector-overview.json", overview, OverviewExpectations(views));

            var collector = first.Collectors[0];
            var collectorView = new Dictionary<string, string>(overview) { ["collector"] = collector };
            await ChecksPassAsync(api, "logcollector-collector.json", collectorView, CollectorExpectations(views, collector));
        }
        finally
        {
            output.WriteLine($"--- Prometheus\n{Tail(prometheus.Output)}\n--- exporter\n{Tail(exporter.Output)}\n--- the other exporter\n{Tail(other.Output)}"
                + $"\n--- the exporter checking certificates\n{Tail(checking.Output)}");
        }
    }

    /// <summary>
    /// Runs the dashboard's variable queries and panel queries with these variable values until every check passes, or
    /// fails with the checks that did not: each variable lists exactly its expected values; each query parses and returns
    /// data; a query with expected series returns exactly those (their labels and values); and no other query returns
    /// a series per group.
    /// </summary>
    private async Task ChecksPassAsync(PrometheusApi api, string file, IReadOnlyDictionary<string, string> values, Expectations expected)
    {
        var dashboard = Dashboards.All()[file];
        var variables = Dashboards.Variables(dashboard).Where(v => (string?)v["type"] == "query").ToArray();
        var targets = Dashboards.Targets(dashboard).ToArray();
        Assert.Equal(expected.Variables.Keys.Order(StringComparer.Ordinal), variables.Select(v => (string)v["name"]!).Order(StringComparer.Ordinal));
        Assert.All(expected.Series.Keys, title => Assert.Single(targets, t => t.Panel == title));

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(45);
        List<string> failing = [];
        var took = new Dictionary<string, TimeSpan>();
        do
        {
            failing.Clear();
            foreach (var variable in variables)
            {
                var (selector, label) = Dashboards.LabelValues(variable);
                var listed = await api.LabelValuesAsync(label, Dashboards.Substitute(selector, values));
                var want = expected.Variables[(string)variable["name"]!];
                if (!listed.Order(StringComparer.Ordinal).SequenceEqual(want.Order(StringComparer.Ordinal)))
                {
                    failing.Add($"variable {variable["name"]}: {variable["definition"]} lists {Sample(listed)}, not {Sample(want)}");
                }
            }

            foreach (var target in targets)
            {
                var started = Stopwatch.GetTimestamp();
                var (series, error) = await api.SeriesAsync(Dashboards.Substitute(target.Expression, values), target.Instant);
                took[$"{target.Panel} [{target.RefId}]"] = Stopwatch.GetElapsedTime(started);
                if (error is not null || series.Count == 0)
                {
                    failing.Add($"{target}: {error ?? "no data"}");
                }
                else if (expected.Series.TryGetValue(target.Panel, out var want))
                {
                    var got = series.Select(s => want.Line(s)).Order(StringComparer.Ordinal).ToArray();
                    if (!got.SequenceEqual(want.Lines.Order(StringComparer.Ordinal)))
                    {
                        failing.Add($"{target}: {got.Length} series {Sample(got)}, not the {want.Lines.Length} expected {Sample(want.Lines)}; "
                            + $"missing {Sample(want.Lines.Except(got))}, unexpected {Sample(got.Except(want.Lines))}");
                    }
                }
                else if (series.Count > PerGroup)
                {
                    failing.Add($"{target}: {series.Count} series, a series per group");
                }
            }

            if (failing.Count > 0)
            {
                await Task.Delay(500);
            }
        }
        while (failing.Count > 0 && DateTime.UtcNow < deadline);

        Assert.True(failing.Count == 0, $"{file}:\n{string.Join("\n", failing)}");
        Log($"{file}: {variables.Length} variables list their values, {targets.Length} queries return what the estate implies; the slowest: "
            + string.Join(", ", took.OrderByDescending(t => t.Value).Take(3).Select(t => $"{t.Key} {t.Value.TotalMilliseconds:F0} ms")));
    }

    /// <summary>The overview, every variable at All: the groups by state, and the collectors, counted once however many exporters see them.</summary>
    private static Expectations OverviewExpectations(View[] views)
    {
        var seen = views.SelectMany(v => v.Catalogue.Select(c => (c.Name, Up: v.Up.Contains(c.Name)))).GroupBy(c => c.Name, c => c.Up).ToArray();
        int GroupsWhere(Func<int, bool> state) =>
            views.SelectMany(v => v.Groups.Where(g => state(g.PreferredPriority(v.Up))).Select(g => g.Name)).Distinct().Count();

        var notOnFirstChoice =
            from v in views
            from g in v.Groups
            let priority = g.PreferredPriority(v.Up)
            where priority != 1
            from collector in priority == 0 ? ["none up"] : g.Preferred(v.Up)
            select Expected.Row(priority, ("instance", v.Instance), ("group", g.Name), ("collector", collector), ("first_choice", g.Collectors[0]));

        return new Expectations(
            Variables: new()
            {
                ["job"] = [Job],
                ["instance"] = [.. views.Select(v => v.Instance)],
                ["group"] = [.. views.SelectMany(v => v.Groups.Select(g => g.Name)).Distinct()],
                ["collector"] = [.. seen.Select(c => c.Key)],
            },
            Series: new()
            {
                ["Groups"] = Expected.Count(views.SelectMany(v => v.Groups.Select(g => g.Name)).Distinct().Count()),
                ["On their first choice"] = Expected.Count(GroupsWhere(p => p == 1)),
                ["Failed over"] = Expected.Count(GroupsWhere(p => p > 1)),
                ["Unreachable"] = Expected.Count(GroupsWhere(p => p == 0)),
                ["Collectors"] = Expected.Count(seen.Length),
                ["Up"] = Expected.Count(seen.Count(c => c.All(u => u))),
                ["Down"] = Expected.Count(seen.Count(c => !c.Any(u => u))),
                ["Down from some exporters"] = Expected.Count(seen.Count(c => c.Distinct().Count() == 2)),
                ["Groups not on their first choice"] = new Expected(["instance", "group", "collector", "first_choice"], [.. notOnFirstChoice]),

                // Only the third exporter checks certificates: the expired one and the one of 10 days; the refusing collector's check fails.
                ["Certificates expiring within 30 days"] = Expected.Count(2),
                ["Certificate checks failing"] = Expected.Count(1),
            });
    }

    /// <summary>The collector dashboard for one collector, seen from every exporter: the groups that list it, by priority, and those that send it their logs.</summary>
    private static Expectations CollectorExpectations(View[] views, string collector)
    {
        var members =
            (from v in views
             from g in v.Groups
             let priority = Array.IndexOf(g.Collectors, collector) + 1
             where priority > 0
             select (View: v, Group: g, Priority: priority, Here: g.Preferred(v.Up).Contains(collector))).ToArray();
        Expected PerExporter(Func<(View View, PreferenceList Group, int Priority, bool Here), bool> which, bool zeros) => new(
            ["instance"],
            [.. members.GroupBy(m => m.View.Instance)
                .Select(byView => (Instance: byView.Key, Count: byView.Count(which)))
                .Where(c => zeros || c.Count > 0)
                .Select(c => Expected.Row(c.Count, ("instance", c.Instance)))]);

        return new Expectations(
            Variables: new()
            {
                ["job"] = [Job],
                ["instance"] = [.. views.Select(v => v.Instance)],
                ["collector"] = [.. views.SelectMany(v => v.Catalogue.Select(c => c.Name)).Distinct()],
                ["group"] = [.. members.Select(m => m.Group.Name).Distinct()],
            },
            Series: new()
            {
                ["Groups listing it, by priority"] = new(
                    ["instance", "priority"],
                    [.. members.CountBy(m => (m.View.Instance, m.Priority))
                        .Select(c => Expected.Row(c.Value, ("instance", c.Key.Instance), ("priority", c.Key.Priority.ToString(CultureInfo.InvariantCulture))))]),
                ["Sending logs here"] = PerExporter(m => m.Here, zeros: true),
                ["Failed over to it"] = PerExporter(m => m.Here && m.Priority > 1, zeros: false),
                ["First choice of, logs elsewhere"] = PerExporter(m => !m.Here && m.Priority == 1, zeros: false),
                ["Groups sending logs here now"] = new(
                    ["instance", "group", "priority", "first_choice"],
                    [.. members.Where(m => m.Here).Select(m => Expected.Row(1, ("instance", m.View.Instance), ("group", m.Group.Name),
                        ("priority", m.Priority.ToString(CultureInfo.InvariantCulture)), ("first_choice", m.Group.Collectors[0])))]),
            });
    }

    /// <summary>The groups: each starts at the next collector and takes two more at one of <see cref="Distances"/>; every seventh forwards to all.</summary>
    private static PreferenceList[] Estate(Endpoint[] catalogue) =>
    [
        .. Enumerable.Range(0, Groups).Select(i =>
        {
            var start = i % catalogue.Length;
            var (second, third) = Distances[i / catalogue.Length % Distances.Length];
            return new PreferenceList(
                $"fw-{i + 1:D4}",
                ForwardToAll: i % 7 == 3,
                [.. new[] { start, start + second, start + third }.Select(c => catalogue[c % catalogue.Length].Name)]);
        }),
    ];

    /// <summary>The exporter's configuration (README.md, "Collectors are shared"): the collectors once in a catalogue, the groups listing their names.</summary>
    /// <param name="certificates">The certificate check on, at its shortest interval: the first checks are due at start.</param>
    private static string Config(IEnumerable<Endpoint> catalogue, IEnumerable<PreferenceList> groups, bool certificates = false)
    {
        var yaml = new StringBuilder($"probe: {{interval: 5s, timeout: 1s{(certificates ? ", certificates: {enabled: true, interval: 1m}" : "")}}}\ncollectors:\n");
        foreach (var c in catalogue)
        {
            yaml.Append(CultureInfo.InvariantCulture, $"  - {{name: {c.Name}, address: {c.Address}, port: {c.Port}}}\n");
        }

        yaml.Append("groups:\n");
        foreach (var g in groups)
        {
            yaml.Append(CultureInfo.InvariantCulture, $"  - {{name: {g.Name}, forwardToAll: {(g.ForwardToAll ? "true" : "false")}, collectors: [{string.Join(", ", g.Collectors)}]}}\n");
        }

        return yaml.ToString();
    }

    private string PrometheusConfig(IEnumerable<string> exporters) => $$"""
        global:
          scrape_interval: {{ScrapeInterval}}
          scrape_timeout: {{ScrapeInterval}}
        scrape_configs:
          - job_name: {{Job}}
            static_configs: [{targets: [{{string.Join(", ", exporters.Select(e => $"\"{e}\""))}}]}]
        """;

    private void Log(string what) => output.WriteLine($"{clock.Elapsed.TotalSeconds,6:F1} s  {what}");

    private static string Tail(string text) => string.Join("\n", text.Split('\n').TakeLast(30));

    /// <summary>A few of many values, for a failure message.</summary>
    private static string Sample(IEnumerable<string> values)
    {
        var all = values.ToArray();
        return $"[{string.Join(", ", all.Take(5))}{(all.Length > 5 ? $", … {all.Length} in all" : "")}]";
    }

    private sealed record Endpoint(string Name, IPAddress Address, int Port);

    /// <summary>One firewall's preference list: its collectors, highest priority first.</summary>
    private sealed record PreferenceList(string Name, bool ForwardToAll, string[] Collectors)
    {
        /// <summary>The priority logs go to (the highest one up, with forward-to-all too); 0 when none is up.</summary>
        public int PreferredPriority(IReadOnlySet<string> up) => Array.FindIndex(Collectors, up.Contains) + 1;

        /// <summary>Where logs go: the highest collector up, or with forward-to-all every collector up.</summary>
        public string[] Preferred(IReadOnlySet<string> up) =>
            ForwardToAll ? [.. Collectors.Where(up.Contains)] : [.. Collectors.Where(up.Contains).Take(1)];
    }

    /// <summary>What one exporter watches (its collectors and groups) and which of its collectors answer.</summary>
    private sealed record View(string Instance, Endpoint[] Catalogue, IReadOnlySet<string> Up, PreferenceList[] Groups);

    /// <summary>What a dashboard's variables list, and the exact series of some of its panels, by panel title.</summary>
    private sealed record Expectations(Dictionary<string, string[]> Variables, Dictionary<string, Expected> Series);

    /// <summary>The series a query must return, each as a line of the labels named and the value.</summary>
    private sealed record Expected(string[] Labels, string[] Lines)
    {
        public static Expected Count(int count) => new([], [Row(count)]);

        public static string Row(double value, params (string Label, string Value)[] labels) =>
            string.Join(" ", labels.Select(l => $"{l.Label}={l.Value}").Append(value.ToString(CultureInfo.InvariantCulture)));

        public string Line(Series series) =>
            Row(series.Value, [.. Labels.Select(l => (l, series.Labels.GetValueOrDefault(l, "")))]);
    }
}
