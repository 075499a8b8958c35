using System.Diagnostics;
using System.Net;

namespace LogCollectorExporter.Tests.Support;

/// <summary>The exporter binary probing a <see cref="LoopbackFleet"/> every second, and the checks a soak makes on it.</summary>
public sealed class SoakedExporter : IAsyncDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly TempDirectory directory;

    private SoakedExporter(LoopbackFleet fleet, TempDirectory directory, ExporterProcess process, HttpClient client)
    {
        Fleet = fleet;
        this.directory = directory;
        Process = process;
        Client = client;
    }

    public LoopbackFleet Fleet { get; }

    public ExporterProcess Process { get; }

    public HttpClient Client { get; }

    public Uri Address => Client.BaseAddress!;

    /// <summary>Runs from the exporter's start.</summary>
    public Stopwatch Clock { get; } = Stopwatch.StartNew();

    /// <summary>Starts a fleet of <paramref name="collectors"/> and the exporter probing it every second, and waits until every collector has been probed.</summary>
    public static async Task<SoakedExporter> StartAsync(string mode, int collectors, IReadOnlyList<CollectorKind>? kinds = null, string? probe = null)
    {
        var fleet = await LoopbackFleet.StartAsync(collectors, kinds);
        var directory = new TempDirectory();
        var config = directory.Write("collectors.yaml", fleet.Yaml(probe ?? $"interval: 1s, timeout: 500ms, mode: {mode}"));
        var process = ExporterProcess.Start(["--config", config]);
        var client = new HttpClient { BaseAddress = await process.ListeningAsync(), Timeout = TimeSpan.FromSeconds(60) };
        var soaked = new SoakedExporter(fleet, directory, process, client);
        var deadline = Stopwatch.StartNew();
        while ((await client.GetAsync("/-/ready")).StatusCode != HttpStatusCode.OK)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(60), "not ready within 60 s:\n" + process.Output);
            await Task.Delay(250);
        }

        return soaked;
    }

    public async Task<(Snapshot Exporter, Dictionary<string, int> Accepted)> SnapshotAsync()
    {
        var snapshot = await Snapshot.TakeAsync(Client, Process.Id, Clock);
        return (snapshot, Fleet.Collectors.Where(c => c.Kind != CollectorKind.Refused).ToDictionary(c => c.Name, c => Fleet.Accepted(c.Name)));
    }

    /// <summary>
    /// Every collector was probed once an interval between the two snapshots (within two probes, for the scrape's own
    /// time), whatever it did; hold mode may add one re-probe per dropped connection. No probe ended in "error", and the
    /// up collectors saw exactly the connections counted as successes. Returns the probes counted.
    /// </summary>
    public long CheckSchedule((Snapshot Exporter, Dictionary<string, int> Accepted) from, (Snapshot Exporter, Dictionary<string, int> Accepted) to, bool hold)
    {
        var expected = (to.Exporter.At - from.Exporter.At) / Interval;
        var before = from.Exporter.Metrics.Probes();
        var after = to.Exporter.Metrics.Probes();
        var offenders = new List<string>();
        long total = 0;
        foreach (var collector in Fleet.Collectors)
        {
            var then = before[collector.Name];
            var now = after[collector.Name];
            double Delta(string result) => now[result] - then[result];
            var resets = Delta("reset");
            var scheduled = now.Sum(r => r.Value) - then.Sum(r => r.Value) - resets;
            total += (long)(scheduled + resets);
            var allowed = (Low: expected - 2, High: expected + 2 + (hold ? resets : 0));
            var problem = scheduled < allowed.Low || scheduled > allowed.High ? $"{scheduled} probes, {expected:F1} intervals"
                : Delta("error") + Delta("dns_error") + Delta("unreachable") > 0 ? $"error {Delta("error")}, dns_error {Delta("dns_error")}, unreachable {Delta("unreachable")}"
                : collector.Kind switch
                {
                    CollectorKind.Up when Math.Abs(Delta("success") - scheduled) > 0 => $"{Delta("success")} successes of {scheduled}",
                    CollectorKind.Up when Math.Abs(to.Accepted[collector.Name] - from.Accepted[collector.Name] - Delta("success")) > 2 =>
                        $"{to.Accepted[collector.Name] - from.Accepted[collector.Name]} connections accepted, {Delta("success")} successes",
                    CollectorKind.Refused when Delta("refused") != scheduled => $"{Delta("refused")} refused of {scheduled}",
                    CollectorKind.Blackholed when Delta("timeout") != scheduled => $"{Delta("timeout")} timeouts of {scheduled}",
                    _ => null,
                };
            if (problem is not null)
            {
                offenders.Add($"{collector.Group}/{collector.Name} ({collector.Kind}): {problem}");
            }
        }

        Assert.True(offenders.Count == 0, $"{offenders.Count} collectors off schedule:\n" + string.Join("\n", offenders.Take(20)));
        return total;
    }

    /// <summary>SIGTERM; returns how long the exporter took to exit (with code 0).</summary>
    public async Task<TimeSpan> TerminateAsync()
    {
        var clock = Stopwatch.StartNew();
        Process.Signal(15);
        var exited = await Process.WaitForExitAsync(TimeSpan.FromSeconds(5));
        clock.Stop();
        Assert.True(exited, "still running 5 s after SIGTERM");
        Assert.Equal(0, Process.ExitCode);
        return clock.Elapsed;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Process.DisposeAsync();
        await Fleet.DisposeAsync();
        directory.Dispose();
    }
}
