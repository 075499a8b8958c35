using System.Diagnostics;
using System.Net;
using System.Text.Json;
using LogCollectorExporter.Tests.Support;
using Xunit.Abstractions;

namespace LogCollectorExporter.Tests.Soak;

/// <summary>
/// A hundred reloads, good and bad in turn, by HTTP, SIGHUP and Kubernetes-style <c>..data</c> symlink swaps, while
/// the exporter probes every second: it never stops, runs the last good configuration, keeps the counters of
/// collectors that stay, and drops the series of those that go.
/// </summary>
[Collection(SoakCollection.Name)]
[Trait("Category", Support.Soak.Category)]
public sealed class ReloadStormTests(ITestOutputHelper output) : IDisposable
{
    private const int Reloads = 100;
    private const int Sighup = 1;
    private const int StableCollectors = 10;

    /// <summary>Configurations a bad ConfigMap update could bring; every one must be rejected and change nothing.</summary>
    private static readonly string[] BadFiles =
    [
        "groups: [{name: stable, collectors: [{address: 127.0.0.1}]\n",
        "groups: [{name: stable, collectors: [{address: 127.0.0.1, port: 70000}]}]\n",
        "- 127.0.0.1\n",
        "groups: &g [{name: g, collectors: *g}]\n",
        "groups: []\n",
        "groups: [{name: stable, preferenceListFile: /dev/zero}]\n",
        "\u0001\u0002\u0003\u00ff binary \0",
        "groups: " + new string('[', 10_000) + new string(']', 10_000) + "\n",
        "probe: {interval: 60d}\ngroups: [{name: stable, collectors: [{address: 127.0.0.1}]}]\n",
    ];

    private readonly TempDirectory directory = new();
    private readonly Peer peer = Peer.Up();

    public void Dispose()
    {
        peer.Dispose();
        directory.Dispose();
    }

    [Fact]
    public async Task A_hundred_reloads_good_and_bad_by_every_trigger_keep_the_last_good_configuration_running()
    {
        var volume = new ConfigMapVolume(Path.Combine(directory.Path, "config"), Good(0));
        await using var exporter = ExporterProcess.Start(["--config", volume.ConfigFile]);
        using var client = new HttpClient { BaseAddress = await exporter.ListeningAsync(), Timeout = TimeSpan.FromSeconds(30) };
        await Eventually.TrueAsync(async () => (await client.GetAsync("/-/ready")).StatusCode == HttpStatusCode.OK, "ready");
        var statsBefore = await ProcessStats.SettledAsync(exporter.Id);
        var lastGood = 0;
        var counters = StableCounters(Scrape.Parse(await client.GetStringAsync("/metrics")));
        var latencies = new List<TimeSpan>();
        var storm = Stopwatch.StartNew();

        for (var i = 1; i <= Reloads; i++)
        {
            var good = i % 2 == 0;
            var trigger = (i / 2 % 3) switch { 0 => "http", 1 => "SIGHUP", _ => "file change" };
            var previous = await LastReloadAsync(client);
            var clock = Stopwatch.StartNew();
            volume.Publish(good ? Good(i) : BadFiles[i / 2 % BadFiles.Length]);
            switch (trigger)
            {
                case "http":
                    using (var answer = await client.PostAsync("/-/reload", null))
                    {
                        Assert.True(answer.StatusCode == (good ? HttpStatusCode.OK : HttpStatusCode.BadRequest), $"reload {i}: {answer.StatusCode} {await answer.Content.ReadAsStringAsync()}");
                    }

                    break;
                case "SIGHUP":
                    // Counted in the log: the file watcher may reload the same file just before or after, and the status shows the last.
                    var sighups = Count(exporter.Output, "(SIGHUP)");
                    exporter.Signal(Sighup);
                    await Eventually.TrueAsync(() => Count(exporter.Output, "(SIGHUP)") > sighups, $"reload {i} by SIGHUP");
                    break;
                default:
                    await Eventually.TrueAsync(async () => (await LastReloadAsync(client)).At > previous.At, $"reload {i} by the file change");
                    break;
            }

            latencies.Add(clock.Elapsed);
            lastGood = good ? i : lastGood;
            var scrape = Scrape.Parse(await client.GetStringAsync("/metrics"));
            var reload = await LastReloadAsync(client);
            Assert.True(reload.Successful == good, $"reload {i} ({trigger}): successful {reload.Successful}, expected {good}");
            Assert.Equal(good ? 1 : 0, scrape.Samples("logcollector_exporter_config_last_reload_successful").Single().Value);

            // The last good configuration runs: its groups and collectors, and nothing of the ones before it.
            Assert.Equal(["stable", $"v{lastGood}"], scrape.Samples("logcollector_group_collectors").Select(s => s.Labels["group"]).Order(StringComparer.Ordinal));
            string[] running = [.. Enumerable.Range(0, StableCollectors).Select(c => $"s{c}"), $"v{lastGood}-0", $"v{lastGood}-1"];
            Assert.Equal(running.Order(StringComparer.Ordinal), scrape.Samples("logcollector_info").Select(s => s.Labels["collector"]).Order(StringComparer.Ordinal));
            Assert.All(scrape.Samples("logcollector_probes_total"), s => Assert.True(running.Contains(s.Labels["collector"]), $"series of {s.Labels["collector"]} left behind"));

            // The collectors that stay keep their counters: they never go back.
            var now = StableCounters(scrape);
            Assert.All(now, c => Assert.True(c.Value >= counters[c.Key], $"reload {i}: {c.Key}'s probes went from {counters[c.Key]} to {c.Value}"));
            counters = now;
            Assert.False(exporter.HasExited, exporter.Output);
        }

        storm.Stop();
        var statsAfter = await ProcessStats.SettledAsync(exporter.Id);
        await Eventually.TrueAsync(async () => StableCounters(Scrape.Parse(await client.GetStringAsync("/metrics"))).All(c => c.Value > counters[c.Key]), "probing goes on after the storm");
        exporter.Signal(15);
        Assert.True(await exporter.WaitForExitAsync(TimeSpan.FromSeconds(5)), "still running 5 s after SIGTERM");
        Assert.Equal(0, exporter.ExitCode);
        Assert.DoesNotContain("Unhandled exception", exporter.Output, StringComparison.Ordinal);

        var summary = $"{Reloads} reloads ({Reloads / 2} good, {Reloads / 2} bad; by HTTP, SIGHUP and ..data swap) in {storm.Elapsed.TotalSeconds:F1} s; " +
            $"reload seen after {latencies.Average(l => l.TotalMilliseconds):F0} ms on average, {latencies.Max().TotalMilliseconds:F0} ms at most; " +
            $"fd {statsBefore.OpenFiles} -> {statsAfter.OpenFiles} (sockets {statsBefore.Sockets} -> {statsAfter.Sockets}); RSS {statsBefore.RssMegabytes:F1} -> {statsAfter.RssMegabytes:F1} MB";
        output.WriteLine(summary);
        RunReport.Add("reload-storm", ("summary", summary), ("reloads", Reloads), ("seconds", Math.Round(storm.Elapsed.TotalSeconds, 1)),
            ("latency_avg_ms", Math.Round(latencies.Average(l => l.TotalMilliseconds))), ("latency_max_ms", Math.Round(latencies.Max().TotalMilliseconds)),
            ("fd_before", statsBefore.OpenFiles), ("fd_after", statsAfter.OpenFiles), ("sockets_before", statsBefore.Sockets), ("sockets_after", statsAfter.Sockets),
            ("rss_mb_before", Math.Round(statsBefore.RssMegabytes, 1)), ("rss_mb_after", Math.Round(statsAfter.RssMegabytes, 1)));
        // Sockets come back to where they were; the few other descriptors a JIT-compiled exporter opens meanwhile are the
        // framework assemblies it loads the first time a code path runs (NativeAOT has none).
        Assert.InRange(statsAfter.Sockets, statsBefore.Sockets - 4, statsBefore.Sockets + 4);
        Assert.InRange(statsAfter.OpenFiles, statsBefore.OpenFiles - 32, statsBefore.OpenFiles + 32);
    }

    /// <summary>The i-th good configuration: the stable group, and a group of two that only this one has.</summary>
    private string Good(int i) =>
        $"probe: {{interval: 1s, timeout: 500ms}}\ngroups:\n  - name: stable\n    collectors:\n" +
        string.Concat(Enumerable.Range(0, StableCollectors).Select(c => $"      - {{name: s{c}, address: 127.0.0.1, port: {peer.Port}}}\n")) +
        $"  - name: v{i}\n    collectors:\n      - {{name: v{i}-0, address: 127.0.0.1, port: {peer.Port}}}\n      - {{name: v{i}-1, address: 127.0.0.1, port: {peer.Port}}}\n";

    private static int Count(string text, string what) => (text.Length - text.Replace(what, "", StringComparison.Ordinal).Length) / what.Length;

    private static Dictionary<string, double> StableCounters(Scrape scrape) =>
        scrape.Samples("logcollector_probes_total").Where(s => s.Labels["collector"].StartsWith('s'))
            .GroupBy(s => s.Labels["collector"]).ToDictionary(g => g.Key, g => g.Sum(s => s.Value));

    private static async Task<(bool Successful, DateTimeOffset At, string Trigger)> LastReloadAsync(HttpClient client)
    {
        var reload = JsonDocument.Parse(await client.GetStringAsync("/api/v1/status")).RootElement.GetProperty("exporter").GetProperty("lastReload");
        return (reload.GetProperty("successful").GetBoolean(), reload.GetProperty("at").GetDateTimeOffset(), reload.GetProperty("trigger").GetString()!);
    }
}
