using System.Text.RegularExpressions;
using LogCollectorExporter.EndToEnd.Support;
using LogCollectorExporter.Tests.Support;
using Xunit.Abstractions;

namespace LogCollectorExporter.EndToEnd;

/// <summary>
/// docs/examples/alertmanager.yml in a real Alertmanager, fed by a real Prometheus evaluating the shipped rules over
/// the built exporter and two loopback collectors, all on 127.0.0.1. The routing is the file's, timings included; only
/// its receivers' URLs are rewritten, to the test's webhook. What the test shortens so that it takes about a minute and
/// a half: the probe interval (1 s), Prometheus's scrape and evaluation interval (1 s) and each rule's "for" (N minutes
/// to N seconds).
/// </summary>
public sealed partial class AlertRoutingTests(ITestOutputHelper output) : IDisposable
{
    private const string Job = "logcollector-exporter";
    private const int WestGroups = 20;
    private static readonly TimeSpan WithinAMinute = TimeSpan.FromMinutes(1);
    private readonly TempDirectory directory = new();

    public void Dispose() => directory.Dispose();

    [Fact]
    public async Task A_second_collector_down_while_the_first_ones_page_stands_is_paged_within_a_minute_of_its_alert_firing()
    {
        // lc-east is the only collector of one preference list, lc-west of twenty: each going down makes its lists
        // unreachable (critical, the pager) and is LogCollectorDown (warning, the tickets).
        using var east = Peer.Up();
        using var west = Peer.Up();
        var westGroups = Enumerable.Range(1, WestGroups).Select(i => $"west-{i:D2}").ToArray();
        var config = directory.Write("collectors.yaml", "probe: {interval: 1s, timeout: 500ms}\ngroups:\n" + string.Concat(
            new[] { ("east", Configs.Collector("lc-east", east.Port)) }.Concat(westGroups.Select(g => (g, Configs.Collector("lc-west", west.Port))))
                .Select(g => $"  - name: {g.Item1}\n    collectors: [{g.Item2}]\n")));
        await using var webhook = await AlertWebhook.StartAsync();
        await using var alertmanager = await ServerProcess.StartAlertmanagerAsync(ShippedRoutingTo(webhook.Url), Path.Combine(directory.Path, "alertmanager"));
        await using var exporter = ExporterProcess.Start(["--config", config]);
        var instance = (await exporter.ListeningAsync()).Authority;
        await using var prometheus = await ServerProcess.StartPrometheusEverySecondAsync(directory.Path, ShippedRules.WriteWithForInSeconds(directory.Path), Job,
            $"[{{targets: [\"{instance}\"]}}]", alertmanager.Address.Authority);
        using var api = new PrometheusApi(prometheus.Address);
        try
        {
            Assert.True(await UntilAsync(WithinAMinute, async () => (await api.QueryAsync("logcollector_up == 1", instant: true)).Series == 2),
                "Prometheus does not have both collectors up");

            east.StopListening();
            Log(webhook, "lc-east stopped listening");
            var eastPage = await ArrivesAsync(webhook, TimeSpan.FromMinutes(2), "pager", "firing", "LogCollectorGroupUnreachable", "group", "east");
            Assert.NotNull(eastPage);
            Log(webhook, $"paged: {eastPage}");

            // lc-east stays down: its page stands while lc-west goes down.
            west.StopListening();
            Log(webhook, "lc-west stopped listening");
            var (unreachableFired, downFired) = await FiringAsync(api, webhook, westGroups[0]);
            Log(webhook, $"firing in Prometheus: LogCollectorGroupUnreachable{{group=\"{westGroups[0]}\"}} at {unreachableFired.TotalSeconds:F1} s, LogCollectorDown{{collector=\"lc-west\"}} at {downFired.TotalSeconds:F1} s");
            var westPage = await ArrivesAsync(webhook, unreachableFired + WithinAMinute - webhook.Elapsed, "pager", "firing", "LogCollectorGroupUnreachable", "group", westGroups[0]);
            var westTicket = await ArrivesAsync(webhook, downFired + WithinAMinute - webhook.Elapsed, "tickets", "firing", "LogCollectorDown", "collector", "lc-west");

            Assert.True(westPage is not null, $"no page naming lc-west within a minute of LogCollectorGroupUnreachable{{group=\"{westGroups[0]}\"}} firing");
            output.WriteLine($"PAGE: LogCollectorGroupUnreachable for lc-west's lists reached the pager {(westPage.At - unreachableFired).TotalSeconds:F1} s after it fired (the page for lc-east, in group {eastPage.GroupKey}, stood since {eastPage.At.TotalSeconds:F1} s; this one is in group {westPage.GroupKey})");
            Assert.Contains($"not even its first choice lc-west (127.0.0.1 port {west.Port})", westPage.Annotations["description"], StringComparison.Ordinal);
            Assert.True(westTicket is not null, "no LogCollectorDown for lc-west at the tickets receiver within a minute of its firing");
            output.WriteLine($"TICKET: LogCollectorDown for lc-west reached the tickets receiver {(westTicket.At - downFired).TotalSeconds:F1} s after it fired");

            // The storm: lc-west's twenty unreachable lists come as one page, or few, not as twenty.
            Assert.True(await UntilAsync(WithinAMinute, () => Task.FromResult(WestPages(webhook).Select(a => a.Labels["group"]).Distinct().Count() == WestGroups)),
                $"not every list of lc-west was paged: {string.Join(", ", WestPages(webhook).Select(a => a.Labels["group"]).Distinct())}");
            var notifications = WestPages(webhook).Select(a => a.At).Distinct().Count();
            output.WriteLine($"STORM: lc-west's {WestGroups} unreachable lists came in {notifications} page(s)");
            Assert.InRange(notifications, 1, 2);

            // Critical alerts page only, warnings go only to the tickets.
            Assert.All(webhook.Alerts, a => Assert.Equal(a.Labels["severity"] == "critical" ? "pager" : "tickets", a.Receiver));
        }
        finally
        {
            output.WriteLine($"alerts at the webhook (time on the webhook's clock):\n{string.Join("\n", webhook.Alerts)}");
            output.WriteLine($"--- Alertmanager\n{Tail(alertmanager.Output)}\n--- Prometheus\n{Tail(prometheus.Output)}");
        }

        IEnumerable<ReceivedAlert> WestPages(AlertWebhook webhook) => webhook.Alerts.Where(a =>
            a is { Receiver: "pager", Status: "firing", Name: "LogCollectorGroupUnreachable" } && westGroups.Contains(a.Labels["group"]));
    }

    /// <summary>The shipped routing with each receiver's URL replaced by the webhook's: nothing else changes.</summary>
    private string ShippedRoutingTo(Uri webhook)
    {
        var shipped = File.ReadAllText(Path.Combine(Tools.RepositoryRoot, "docs", "examples", "alertmanager.yml"));
        Assert.Equal(2, ReceiverUrl().Count(shipped));
        return directory.Write("alertmanager.yml", ReceiverUrl().Replace(shipped, $"url: {webhook}"));
    }

    /// <summary>
    /// When, on the webhook's clock, Prometheus first shows lc-west's alerts firing: LogCollectorGroupUnreachable of
    /// <paramref name="group"/> and LogCollectorDown (polled every 250 ms, so at most that much after they fired).
    /// </summary>
    private static async Task<(TimeSpan Unreachable, TimeSpan Down)> FiringAsync(PrometheusApi api, AlertWebhook webhook, string group)
    {
        TimeSpan? unreachable = null, down = null;
        Assert.True(await UntilAsync(WithinAMinute, async () =>
        {
            var firing = (await api.AlertsAsync()).Where(a => a.State == "firing").ToArray();
            var now = webhook.Elapsed;
            unreachable ??= firing.Any(a => a.Name == "LogCollectorGroupUnreachable" && a.Labels.GetValueOrDefault("group") == group) ? now : null;
            down ??= firing.Any(a => a.Name == "LogCollectorDown" && a.Labels.GetValueOrDefault("collector") == "lc-west") ? now : null;
            return unreachable is not null && down is not null;
        }), $"lc-west's alerts not firing in Prometheus within a minute (LogCollectorGroupUnreachable: {unreachable}, LogCollectorDown: {down})");
        return (unreachable!.Value, down!.Value);
    }

    /// <summary>The first alert of this name, status and label value at this receiver, waiting for it up to <paramref name="within"/>; null if none came.</summary>
    private static async Task<ReceivedAlert?> ArrivesAsync(AlertWebhook webhook, TimeSpan within, string receiver, string status, string alertname, string label, string value)
    {
        ReceivedAlert? alert = null;
        await UntilAsync(within, () =>
        {
            alert = webhook.Alerts.FirstOrDefault(a => a.Receiver == receiver && a.Status == status && a.Name == alertname && a.Labels.GetValueOrDefault(label) == value);
            return Task.FromResult(alert is not null);
        });
        return alert;
    }

    private static async Task<bool> UntilAsync(TimeSpan within, Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + within;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(250);
        }

        return true;
    }

    private void Log(AlertWebhook webhook, string what) => output.WriteLine($"{webhook.Elapsed.TotalSeconds,6:F1} s  {what}");

    private static string Tail(string text) => string.Join("\n", text.Split('\n').TakeLast(20));

    [GeneratedRegex(@"url: http://\S+\.example\.internal/\S*")]
    private static partial Regex ReceiverUrl();
}
