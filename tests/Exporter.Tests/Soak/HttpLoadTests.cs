using System.Globalization;
using System.Text.RegularExpressions;
using LogCollectorExporter.Tests.Support;
using Xunit.Abstractions;

namespace LogCollectorExporter.Tests.Soak;

/// <summary>wrk against /metrics and the status page, 200 connections in all, while the exporter probes a thousand collectors.</summary>
[Collection(SoakCollection.Name)]
[Trait("Category", Support.Soak.Category)]
public sealed partial class HttpLoadTests(ITestOutputHelper output)
{
    private const int ConnectionsPerPath = 100;

    private static TimeSpan LoadFor => TimeSpan.FromSeconds(Math.Min(30, Support.Soak.Duration.TotalSeconds));

    [Fact]
    public async Task Two_hundred_connections_get_every_answer_and_the_probes_stay_on_schedule()
    {
        await using var soaked = await SoakedExporter.StartAsync("handshake", Support.Soak.Collectors);
        await Task.Delay(Support.Soak.WarmUp);

        // The same length of time without load, then with it.
        var quietFrom = await soaked.SnapshotAsync();
        await Task.Delay(LoadFor);
        var quietTo = await soaked.SnapshotAsync();
        var sampler = new StatsSampler();
        var metrics = RunWrkAsync(soaked.Address, "/metrics");
        var page = RunWrkAsync(soaked.Address, "/");
        await sampler.RunAsync(soaked.Process.Id, soaked.Client, soaked.Clock.Elapsed + LoadFor, soaked.Clock);
        var results = await Task.WhenAll(metrics, page);
        var loaded = await soaked.SnapshotAsync();

        soaked.CheckSchedule(quietTo, loaded, hold: false);
        var quietLag = Lag(quietTo).Since(Lag(quietFrom));
        var loadedLag = Lag(loaded).Since(Lag(quietTo));
        var summary = string.Join("; ", results.Select(r => r.Summary)) +
            $"; schedule lag p99 {quietLag.Quantile(0.99) * 1000:F1} ms without load, {loadedLag.Quantile(0.99) * 1000:F1} ms under load (max <= {loadedLag.MaxAtMost * 1000:F0} ms); " +
            $"RSS max {sampler.MaxRssMegabytes:F1} MB, fd max {sampler.MaxOpenFiles}";
        output.WriteLine(summary);
        RunReport.Add("http-load", ("summary", summary), ("collectors", Support.Soak.Collectors), ("seconds", LoadFor.TotalSeconds),
            ("metrics_requests", results[0].Requests), ("metrics_errors", results[0].Errors), ("metrics_p50_ms", results[0].P50Ms), ("metrics_p99_ms", results[0].P99Ms),
            ("page_requests", results[1].Requests), ("page_errors", results[1].Errors), ("page_p50_ms", results[1].P50Ms), ("page_p99_ms", results[1].P99Ms),
            ("lag_p99_quiet_ms", Math.Round(quietLag.Quantile(0.99) * 1000, 1)), ("lag_p99_loaded_ms", Math.Round(loadedLag.Quantile(0.99) * 1000, 1)),
            ("lag_max_at_most_loaded_ms", loadedLag.MaxAtMost * 1000), ("rss_mb_max", Math.Round(sampler.MaxRssMegabytes, 1)), ("fd_max", sampler.MaxOpenFiles));

        Assert.All(results, r => Assert.True(r.Requests > 0 && r.Errors == 0, r.Output));

        // Under load, probes may start a little later; a bound of hundreds of milliseconds holds on a loaded 2-core machine.
        Assert.True(loadedLag.Quantile(0.99) <= quietLag.Quantile(0.99) + 0.25, summary);
        Assert.True(loadedLag.MaxAtMost <= 1, summary);
        Assert.True(sampler.MaxRssMegabytes < 400, summary);
    }

    private static Histogram Lag((Snapshot Exporter, Dictionary<string, int> Accepted) snapshot) =>
        snapshot.Exporter.Metrics.Histogram("logcollector_exporter_schedule_lag_seconds");

    private static async Task<WrkResult> RunWrkAsync(Uri exporter, string path)
    {
        var (exitCode, text) = await Tools.RunAsync("wrk",
            ["-t2", $"-c{ConnectionsPerPath}", $"-d{LoadFor.TotalSeconds}s", "--timeout", "10s", "--latency", new Uri(exporter, path).ToString()],
            timeout: LoadFor + TimeSpan.FromSeconds(60));
        Assert.True(exitCode == 0, text);
        return WrkResult.Parse(path, text);
    }

    [GeneratedRegex(@"(?<n>\d+) requests in")]
    private static partial Regex RequestsLine();

    [GeneratedRegex(@"Socket errors: connect (?<c>\d+), read (?<r>\d+), write (?<w>\d+), timeout (?<t>\d+)")]
    private static partial Regex SocketErrorsLine();

    [GeneratedRegex(@"Non-2xx or 3xx responses: (?<n>\d+)")]
    private static partial Regex Non2xxLine();

    [GeneratedRegex(@"^\s+(?<p>50|99)%\s+(?<v>[\d.]+)(?<u>us|ms|s)\s*$", RegexOptions.Multiline)]
    private static partial Regex PercentileLine();

    /// <summary>What wrk printed: requests, errors of any kind, and latency percentiles.</summary>
    private sealed record WrkResult(string Path, long Requests, long Errors, double P50Ms, double P99Ms, string Output)
    {
        public string Summary => $"wrk {Path}: {Requests} requests, {Errors} errors, p50 {P50Ms:F0} ms, p99 {P99Ms:F0} ms";

        public static WrkResult Parse(string path, string text)
        {
            var requests = long.Parse(RequestsLine().Match(text).Groups["n"].Value, CultureInfo.InvariantCulture);
            long errors = 0;
            if (SocketErrorsLine().Match(text) is { Success: true } socket)
            {
                errors += new[] { "c", "r", "w", "t" }.Sum(g => long.Parse(socket.Groups[g].Value, CultureInfo.InvariantCulture));
            }

            if (Non2xxLine().Match(text) is { Success: true } non2xx)
            {
                errors += long.Parse(non2xx.Groups["n"].Value, CultureInfo.InvariantCulture);
            }

            var percentiles = PercentileLine().Matches(text).ToDictionary(m => m.Groups["p"].Value, m => Milliseconds(m.Groups["v"].Value, m.Groups["u"].Value));
            return new WrkResult(path, requests, errors, percentiles.GetValueOrDefault("50"), percentiles.GetValueOrDefault("99"), text);
        }

        private static double Milliseconds(string value, string unit) =>
            double.Parse(value, CultureInfo.InvariantCulture) * unit switch { "us" => 0.001, "ms" => 1, _ => 1000 };
    }
}
