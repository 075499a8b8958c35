using System.Net;
using LogCollectorExporter.Tests.Support;
using Xunit.Abstractions;
using static LogCollectorExporter.Tests.Support.Exposition;

namespace LogCollectorExporter.Tests;

/// <summary>The page at /: what a person sees when they curl or port-forward to the exporter.</summary>
public sealed class StatusPageTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory directory = new();

    public void Dispose() => directory.Dispose();

    [Fact]
    public async Task The_page_shows_each_collector_in_priority_order_with_its_state()
    {
        using var up = Peer.Up();
        using var refused = Peer.Refused();
        var config = directory.Write("collectors.yaml", $$"""
            probe: {interval: 1s, timeout: 500ms}
            groups:
              - name: cg-east
                collectors:
                  - {name: lc-224, address: 127.0.0.1, port: {{refused.Port}}, serial: "009201002984"}
                  - {name: lc-225, address: 127.0.0.1, port: {{up.Port}}}
              - name: cg-west
                forwardToAll: true
                collectors:
                  - {name: lc-230, address: 127.0.0.1, port: {{up.Port}}}
            """);
        await using var exporter = await RunningExporter.StartAsync(config);
        await exporter.WaitForMetricsAsync(m => Value(m, "logcollector_up", L("group", "cg-east"), L("collector", "lc-224")) == 0,
            Eventually.Patience, "lc-224 down");

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

        var east = Section(page, "cg-east");
        Assert.Contains("failback immediate · 1 of 2 up · logs go to <b>lc-225</b> (priority 2)", east, StringComparison.Ordinal);
        var rows = Rows(east);
        Assert.Equal(2, rows.Length);
        Assert.Contains("<td class=\"num\">1</td><td><b>lc-224</b>", rows[0], StringComparison.Ordinal);
        Assert.Contains("009201002984", rows[0], StringComparison.Ordinal);
        Assert.Contains("<span class=\"badge down\">down</span>", rows[0], StringComparison.Ordinal);
        Assert.Contains($"127.0.0.1:{refused.Port}", rows[0], StringComparison.Ordinal);
        Assert.Contains("refused<br><span class=\"small muted\">127.0.0.1:", rows[0], StringComparison.Ordinal);
        Assert.Contains("Connection refused", rows[0], StringComparison.OrdinalIgnoreCase);
        Assert.Contains("<td class=\"num\">never</td>", rows[0], StringComparison.Ordinal);
        Assert.StartsWith("<tr class=\"preferred\">", rows[1], StringComparison.Ordinal);
        Assert.Contains("<span class=\"badge up\">up</span>", rows[1], StringComparison.Ordinal);
        Assert.Matches(@"<td class=""num"">\d+(\.\d+)? ms</td>", rows[1]);
        Assert.Matches(@"<td class=""num"">\d+ s ago</td>", rows[1]);
        Assert.Contains("<svg width=\"180\" height=\"28\"", rows[1], StringComparison.Ordinal);
        Assert.Contains("<line class=\"fail\"", rows[0], StringComparison.Ordinal);
        Assert.Contains("forward to all · 1 of 1 up · logs go to <b>lc-230</b>", Section(page, "cg-west"), StringComparison.Ordinal);
    }

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
        Assert.Equal(1280, ReadBigEndian(png, 16));
        Assert.Equal(640, ReadBigEndian(png, 20));
    }

    private static int ReadBigEndian(byte[] bytes, int offset) =>
        (bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) | bytes[offset + 3];

    private static string Section(string page, string group)
    {
        var start = page.IndexOf($"<section><h2>{group}</h2>", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no section for {group}");
        return page[start..page.IndexOf("</section>", start, StringComparison.Ordinal)];
    }

    private static string[] Rows(string section)
    {
        var body = section[section.IndexOf("<tbody>", StringComparison.Ordinal)..];
        return [.. body.Split("</tr>").Where(r => r.Contains("<tr", StringComparison.Ordinal)).Select(r => r[r.IndexOf("<tr", StringComparison.Ordinal)..])];
    }
}
