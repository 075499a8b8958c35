using System.Buffers.Binary;
using System.Net;
using LogCollectorExporter.Configuration;
using LogCollectorExporter.Preference;
using LogCollectorExporter.Probing;
using LogCollectorExporter.Tests.Support;
using LogCollectorExporter.Web;
using Xunit.Abstractions;
using static LogCollectorExporter.Tests.Support.Exposition;

namespace LogCollectorExporter.Tests;

/// <summary>The page at /: what a person sees when they curl or port-forward to the exporter.</summary>
public sealed class StatusPageTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory directory = new();

    public void Dispose() => directory.Dispose();

    [Fact]
    public async Task The_page_shows_each_collector_once_and_the_groups_by_where_they_stand()
    {
        using var up = Peer.Up();
        using var refused = Peer.Refused();
        var config = directory.Write("collectors.yaml", TwoCollectors(refused, up, """
              - {name: fw-1, collectors: [lc-224, lc-225]}
              - {name: fw-2, collectors: [lc-225, lc-224]}
              - {name: fw-3, collectors: [lc-224]}
            """));
        await using var exporter = await RunningExporter.StartAsync(config);
        await exporter.WaitForMetricsAsync(m => Value(m, "logcollector_up", L("collector", "lc-224")) == 0, Eventually.Patience, "lc-224 down");

        var response = await exporter.Client.GetAsync("/");
        var page = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        Assert.Contains("default-src 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Contains("<meta http-equiv=\"refresh\" content=\"5\">", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", page, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("http://", page.Replace("http-equiv", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("<a href=\"/metrics\">/metrics</a>", page, StringComparison.Ordinal);
        Assert.Contains("<a href=\"/api/v1/status\">/api/v1/status</a>", page, StringComparison.Ordinal);
        Assert.Contains($"configuration <b>{config}</b>", page, StringComparison.Ordinal);
        Assert.Contains("probing every <b>1s</b>, timeout 500ms, mode <b>handshake</b>", page, StringComparison.Ordinal);

        var groups = Section(page, "Groups");
        Assert.Contains("<b>3</b> groups: <span class=\"badge first_choice\">1</span> on their first choice · <span class=\"badge failed_over\">1</span> failed over · " +
            "<span class=\"badge unreachable\">1</span> unreachable", groups, StringComparison.Ordinal);
        Assert.Contains("<h3>Failed over: logs go to lc-225 <span class=\"muted small\">(1)</span></h3><p class=\"names\"><a href=\"/?group=fw-1\">fw-1</a></p>", groups, StringComparison.Ordinal);
        Assert.Contains("<h3>Unreachable: no collector up <span class=\"muted small\">(1)</span></h3><p class=\"names\"><a href=\"/?group=fw-3\">fw-3</a></p>", groups, StringComparison.Ordinal);
        Assert.Contains("<h3>On their first choice: logs go to lc-225 <span class=\"muted small\">(1)</span></h3><p class=\"names\"><a href=\"/?group=fw-2\">fw-2</a></p>", groups, StringComparison.Ordinal);
        Assert.Contains("<form action=\"/\" method=\"get\">", groups, StringComparison.Ordinal);

        var rows = Rows(Section(page, "Collectors"));
        Assert.Equal(2, rows.Length);
        Assert.StartsWith("<tr><td><b>lc-224</b>", rows[0], StringComparison.Ordinal);
        Assert.Contains("009201002984", rows[0], StringComparison.Ordinal);
        Assert.Contains("<span class=\"badge down\">down</span>", rows[0], StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{refused.Port}", rows[0], StringComparison.Ordinal);
        Assert.Contains("refused<br><span class=\"small muted\">127.0.0.1:", rows[0], StringComparison.Ordinal);
        Assert.Contains("Connection refused", rows[0], StringComparison.OrdinalIgnoreCase);
        Assert.Contains("<td class=\"num\">never</td>", rows[0], StringComparison.Ordinal);
        Assert.Contains("logs of <b>0</b><br><span class=\"small muted\">listed by 3</span>", rows[0], StringComparison.Ordinal);
        Assert.Contains("<line class=\"fail\"", rows[0], StringComparison.Ordinal);
        Assert.Contains("<span class=\"badge up\">up</span>", rows[1], StringComparison.Ordinal);
        Assert.Matches(@"<td class=""num"">\d+(\.\d+)? ms</td>", rows[1]);
        Assert.Matches(@"<td class=""num"">\d+ s ago</td>", rows[1]);
        Assert.Contains("logs of <b>2</b><br><span class=\"small muted\">listed by 2</span>", rows[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Any_group_is_shown_by_name_with_its_collectors_in_priority_order()
    {
        using var up = Peer.Up();
        using var refused = Peer.Refused();
        var config = directory.Write("collectors.yaml", TwoCollectors(refused, up, """
              - {name: "fw:7", collectors: [lc-224, lc-225]}
              - {name: fw-dc, forwardToAll: true, collectors: [lc-225]}
            """));
        await using var exporter = await RunningExporter.StartAsync(config);
        await exporter.WaitForMetricsAsync(m => Value(m, "logcollector_up", L("collector", "lc-224")) == 0, Eventually.Patience, "lc-224 down");

        var page = await exporter.Client.GetStringAsync("/?group=fw%3A7");

        var section = Section(page, "fw:7");
        Assert.Contains("<span class=\"badge failed_over\">failed over</span>", section, StringComparison.Ordinal);
        Assert.Contains("failback immediate · 1 of 2 up · logs go to <b>lc-225</b> (priority 2)", section, StringComparison.Ordinal);
        var rows = Rows(section);
        Assert.Equal(2, rows.Length);
        Assert.StartsWith("<tr><td class=\"num\">1</td><td><b>lc-224</b>", rows[0], StringComparison.Ordinal);
        Assert.StartsWith("<tr class=\"preferred\"><td class=\"num\">2</td><td><b>lc-225</b> <span class=\"small muted\">← logs</span>", rows[1], StringComparison.Ordinal);
        Assert.Contains("<a href=\"/\">← every group and collector</a>", page, StringComparison.Ordinal);
        Assert.DoesNotContain("fw-dc", page, StringComparison.Ordinal);
        Assert.Contains("forward to all · 1 of 1 up · logs go to <b>lc-225</b>", Section(await exporter.Client.GetStringAsync("/?group=fw-dc"), "fw-dc"), StringComparison.Ordinal);

        var missing = await exporter.Client.GetAsync("/?group=fw-404");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("No group named “fw-404”", await missing.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // An empty name (the search box sent empty) is the whole page, not a group.
        var empty = await exporter.Client.GetAsync("/?group=");
        Assert.Equal(HttpStatusCode.OK, empty.StatusCode);
        Assert.Contains("<section><h2>Groups</h2>", await empty.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_collector_gone_down_shows_no_handshake_time_and_group_names_wrap_between_them()
    {
        using var up = Peer.Up();
        using var other = Peer.Up();
        var config = directory.Write("collectors.yaml", TwoCollectors(up, other, """
              - {name: fw-1, collectors: [lc-224, lc-225]}
              - {name: fw-2, collectors: [lc-224, lc-225]}
              - {name: fw-3, collectors: [lc-224, lc-225]}
            """));
        await using var exporter = await RunningExporter.StartAsync(config);
        await exporter.WaitForMetricsAsync(m => Value(m, "logcollector_up", L("collector", "lc-224")) == 1, Eventually.Patience, "lc-224 up");
        var before = Rows(Section(await exporter.Client.GetStringAsync("/"), "Collectors"))[0];

        up.StopListening();
        up.CloseConnections();
        await exporter.WaitForMetricsAsync(m => Value(m, "logcollector_up", L("collector", "lc-224")) == 0, Eventually.Patience, "lc-224 down");
        var page = await exporter.Client.GetStringAsync("/");
        var after = Rows(Section(page, "Collectors"))[0];

        Assert.Matches("<td class=\"num\">[0-9.]+ ms</td><td class=\"spark\">", before);
        Assert.Contains("<span class=\"badge down\">down</span>", after, StringComparison.Ordinal);
        Assert.Contains("<td class=\"num\">–</td><td class=\"spark\">", after, StringComparison.Ordinal);
        Assert.Contains("<a href=\"/?group=fw-1\">fw-1</a> <a href=\"/?group=fw-2\">fw-2</a> <a href=\"/?group=fw-3\">fw-3</a></p>", page, StringComparison.Ordinal);
    }

    [Fact]
    public void A_group_page_leaves_out_a_collector_that_a_reload_removed_before_it_was_rendered()
    {
        var at = new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
        var kept = new CollectorStatus("lc-1", "127.0.0.1", 3978, "127.0.0.1:3978", "", "", "", CollectorState.Up, null, ProbeResult.Success, null, 0.001, 0, at, at, 0, 0, 1, 1, [], null);
        var status = Document([kept], [new GroupStatus("fw-1", "", "", GroupStanding.FirstChoice, false, "immediate", null, 1, 1, ["lc-1"], ["lc-1", "lc-gone"])]);

        var rows = Rows(Section(StatusPage.RenderGroup(status, at).ToString(), "fw-1"));

        Assert.StartsWith("<tr class=\"preferred\"><td class=\"num\">1</td><td><b>lc-1</b>", Assert.Single(rows), StringComparison.Ordinal);
    }

    [Fact]
    public void The_sparkline_spreads_the_probes_over_the_whole_column()
    {
        var at = new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
        RecentProbe[] recent = [new(at, ProbeResult.Success, 0.001), new(at.AddSeconds(60), ProbeResult.Refused, null), new(at.AddSeconds(120), ProbeResult.Success, 0.002)];
        var collector = new CollectorStatus("lc-1", "127.0.0.1", 3978, "127.0.0.1:3978", "", "", "", CollectorState.Up, "127.0.0.1", ProbeResult.Success, null, 0.002, 0, at, at, 0, 0, 1, 1, recent, null);
        var status = Document([collector], [new GroupStatus("g", "", "", GroupStanding.FirstChoice, false, "immediate", null, 1, 1, ["lc-1"], ["lc-1"])]);

        var row = Rows(Section(StatusPage.Render(status, at).ToString(), "Collectors")).Single();

        // As wide as its column; three probes from the first pixel to the last.
        Assert.Contains("<td class=\"spark\"><svg class=\"spark\" viewBox=\"0 0 300 28\" preserveAspectRatio=\"none\"", row, StringComparison.Ordinal);
        Assert.Contains("<polyline class=\"line\" points=\"1,15 \"/>", row, StringComparison.Ordinal);
        Assert.Contains("<line class=\"fail\" x1=\"150\" y1=\"18\" x2=\"150\" y2=\"28\"/>", row, StringComparison.Ordinal);
        Assert.Contains("<polyline class=\"line\" points=\"299,4 \"/>", row, StringComparison.Ordinal);
        Assert.Contains("td.spark{width:30%;min-width:140px}svg.spark{display:block;width:100%;height:28px}", StatusPage.Render(status, at).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void With_five_thousand_groups_the_page_stays_small_and_names_every_group_not_on_its_first_choice()
    {
        var at = new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
        var recent = Enumerable.Range(0, 60).Select(i => new RecentProbe(at.AddSeconds(i * 10), ProbeResult.Success, 0.0001 * (1 + (i % 7)))).ToArray();
        CollectorStatus[] collectors = [.. Enumerable.Range(1, 50).Select(c =>
            new CollectorStatus($"lc-{c:D2}", "127.0.0.1", 40000 + c, $"127.0.0.1:{40000 + c}", $"0092010{c:D5}", "", "", CollectorState.Up, "127.0.0.1", ProbeResult.Success, null, 0.0002, 0, at, at, 0, 0, 300, 100, recent, null))];
        GroupStatus[] groups = [.. Enumerable.Range(1, 5000).Select(g =>
        {
            // Half of the firewalls prefer lc-01, as estates do; the others spread over the 50 collectors.
            var members = Enumerable.Range(0, 3).Select(m => $"lc-{(g % 2 == 0 ? m : (g + m) % 50) + 1:D2}").ToArray();
            return g % 10 == 0
                ? new GroupStatus($"fw-{g:D4}", "", "", GroupStanding.FailedOver, false, "immediate", null, 2, 2, [members[1]], members)
                : new GroupStatus($"fw-{g:D4}", "", "", GroupStanding.FirstChoice, false, "immediate", null, 3, 1, [members[0]], members);
        })];

        var page = StatusPage.Render(Document(collectors, groups), at).ToString();
        output.WriteLine($"{page.Length} characters for 50 collectors and 5,000 groups");

        Assert.InRange(System.Text.Encoding.UTF8.GetByteCount(page), 1, 1024 * 1024);
        Assert.Equal(50, Rows(Section(page, "Collectors")).Length);
        Assert.All(groups.Where(g => g.Standing == GroupStanding.FailedOver), g => Assert.Contains($"<a href=\"/?group={g.Name}\">{g.Name}</a>", page, StringComparison.Ordinal));
        var onLc01 = groups.Count(g => g.Standing == GroupStanding.FirstChoice && g.Preferred[0] == "lc-01");
        Assert.Contains($"<h3>On their first choice: logs go to lc-01 <span class=\"muted small\">({onLc01})</span></h3>", page, StringComparison.Ordinal);
        Assert.Contains($"<span class=\"muted\">and {onLc01 - StatusPage.FirstChoiceNamesShown} more: find one by name</span>", page, StringComparison.Ordinal);
    }

    /// <summary>lc-224 refused, lc-225 up, in a catalogue, and the groups (YAML list items) over them.</summary>
    private static string TwoCollectors(Peer refused, Peer up, string groups) => $$"""
        probe: {interval: 1s, timeout: 500ms}
        collectors:
          - {name: lc-224, address: 127.0.0.1, port: {{refused.Port}}, serial: "009201002984"}
          - {name: lc-225, address: 127.0.0.1, port: {{up.Port}}}
        groups:
        {{groups}}
        """;

    private static StatusDocument Document(IReadOnlyList<CollectorStatus> collectors, IReadOnlyList<GroupStatus> groups) => new(
        new ExporterStatus("1.0.0", "abc", "test", DateTimeOffset.UnixEpoch, "collectors.yaml", new ReloadInfo(true, DateTimeOffset.UnixEpoch, ReloadTrigger.Start, null),
            new ProbeStatus("1m", "5s", "handshake", "fin", "ip4", null, 1, 1, 256, new CertificateCheckStatus(false, "1h", "10s")), true, []),
        new FleetSummary(groups.Count, groups.Count(g => g.Standing == GroupStanding.FirstChoice), groups.Count(g => g.Standing == GroupStanding.FailedOver),
            groups.Count(g => g.Standing == GroupStanding.Unreachable), groups.Count(g => g.Standing == GroupStanding.Undecided), collectors.Count, collectors.Count(c => c.State == CollectorState.Up)),
        collectors,
        groups);

    [Fact]
    public async Task Names_and_errors_from_configuration_and_network_are_escaped()
    {
        using var up = Peer.Up();
        var config = directory.Write("collectors.yaml", $$"""
            probe: {interval: 1s, timeout: 500ms}
            groups:
              - name: g
                collectors:
                  - {name: "<script>alert(1)</script>", address: 127.0.0.1, port: {{up.Port}}, serial: "<img src=x onerror=alert(2)>"}
            """);
        await using var exporter = await RunningExporter.StartAsync(config);
        await exporter.WaitForMetricsAsync(m => m.Contains("logcollector_up{", StringComparison.Ordinal), Eventually.Patience, "probed");

        var page = await exporter.Client.GetStringAsync("/");

        Assert.Contains("<b>&lt;script&gt;alert(1)&lt;/script&gt;</b>", page, StringComparison.Ordinal);
        Assert.Contains("&lt;img src=x onerror=alert(2)&gt;", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rejected_reload_shows_its_error_on_the_page()
    {
        using var up = Peer.Up();
        var config = directory.Write("collectors.yaml", Configs.Group([up.Port]));
        await using var exporter = await RunningExporter.StartAsync(config);
        File.WriteAllText(config, "groups: [{name: \"<b>\", collectors: [{address: 127.0.0.1}]}]");

        await exporter.Client.PostAsync("/-/reload", null);
        var page = await exporter.Client.GetStringAsync("/");

        Assert.Contains("last reload (http) <b class=\"error\">failed</b>", page, StringComparison.Ordinal);
        Assert.Contains("groups[0].name: &quot;&lt;b&gt;&quot; is not allowed", page, StringComparison.Ordinal);
        Assert.Contains("The previous configuration keeps running.", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Headless_Chromium_renders_the_demo_page()
    {
        await using var exporter = ExporterProcess.Start(["--demo"]);
        var address = await exporter.ListeningAsync();
        using var client = new HttpClient { BaseAddress = address };
        await Eventually.TrueAsync(async () => (await client.GetAsync("/-/ready")).StatusCode == HttpStatusCode.OK, "the demo ready");
        using var profile = new TempDirectory();
        var screenshot = Path.Combine(profile.Path, "status-page.png");

        var (exitCode, text) = await Tools.RunAsync("chromium", [
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-quic", $"--user-data-dir={Path.Combine(profile.Path, "profile")}", "--window-size=1280,640",
            $"--screenshot={screenshot}", address.ToString(),
        ]);
        output.WriteLine(text);

        Assert.Equal(0, exitCode);
        var png = await File.ReadAllBytesAsync(screenshot);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        Assert.True(png.Length > 10_000, $"a {png.Length}-byte screenshot is too small to show the page");
        Assert.Equal(1280, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)));
        Assert.Equal(640, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
    }

    private static string Section(string page, string title)
    {
        var start = page.IndexOf($"<section><h2>{System.Text.Encodings.Web.HtmlEncoder.Default.Encode(title)}", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no section {title}");
        return page[start..page.IndexOf("</section>", start, StringComparison.Ordinal)];
    }

    private static string[] Rows(string section)
    {
        var body = section[section.IndexOf("<tbody>", StringComparison.Ordinal)..];
        return [.. body.Split("</tr>").Where(r => r.Contains("<tr", StringComparison.Ordinal)).Select(r => r[r.IndexOf("<tr", StringComparison.Ordinal)..])];
    }
}
