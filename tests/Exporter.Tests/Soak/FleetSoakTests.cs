using LogCollectorExporter.Tests.Support;
using Xunit.Abstractions;

namespace LogCollectorExporter.Tests.Soak;

/// <summary>
/// A thousand collectors of every kind (up, refused, blackholed, flapping, resetting), probed every second for
/// minutes: nothing leaks, nothing falls behind, every collector gets its probe every interval.
/// </summary>
[Collection(SoakCollection.Name)]
[Trait("Category", Support.Soak.Category)]
public sealed class FleetSoakTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("handshake")]
    [InlineData("hold")]
    public async Task A_mixed_fleet_probed_every_second_leaks_no_descriptor_or_memory_and_keeps_its_schedule(string mode)
    {
        await using var soaked = await SoakedExporter.StartAsync(mode, Support.Soak.Collectors);
        await Task.Delay(Support.Soak.WarmUp);

        var before = await soaked.SnapshotAsync();
        var sampler = new StatsSampler();
        await sampler.RunAsync(soaked.Process.Id, soaked.Client, before.Exporter.At + Support.Soak.Duration, soaked.Clock);
        var after = await soaked.SnapshotAsync();

        var probes = soaked.CheckSchedule(before, after, hold: mode == "hold");
        var lag = after.Exporter.Metrics.Histogram("logcollector_exporter_schedule_lag_seconds").Since(before.Exporter.Metrics.Histogram("logcollector_exporter_schedule_lag_seconds"));
        var (fd0, fd1) = (before.Exporter.Stats.OpenFiles, after.Exporter.Stats.OpenFiles);
        var floors = sampler.OpenFilesFloors;
        var (rss0, rss1) = (before.Exporter.Stats.RssMegabytes, after.Exporter.Stats.RssMegabytes);
        var seconds = (after.Exporter.At - before.Exporter.At).TotalSeconds;
        var cpu = (after.Exporter.Stats.CpuTime - before.Exporter.Stats.CpuTime).TotalSeconds / seconds;
        var exit = await soaked.TerminateAsync();
        var summary = $"{mode}: {Support.Soak.Collectors} collectors, {seconds:F0} s after {Support.Soak.WarmUp.TotalSeconds:F0} s warm-up, {probes} probes; " +
            $"fd {fd0} -> {fd1} (min {sampler.MinOpenFiles}, max {sampler.MaxOpenFiles}, floor {floors.First} -> {floors.Last}); RSS {rss0:F1} -> {rss1:F1} MB (max {sampler.MaxRssMegabytes:F1}); " +
            $"schedule lag p50 {lag.Quantile(0.5) * 1000:F1} ms, p99 {lag.Quantile(0.99) * 1000:F1} ms, max <= {lag.MaxAtMost * 1000:F0} ms; " +
            $"CPU {cpu:P0} of a core; SIGTERM to exit {exit.TotalMilliseconds:F0} ms";
        output.WriteLine(summary);
        RunReport.Add($"soak.{mode}", ("summary", summary), ("collectors", Support.Soak.Collectors), ("seconds", Math.Round(seconds)), ("probes", probes),
            ("fd_before", fd0), ("fd_after", fd1), ("fd_min", sampler.MinOpenFiles), ("fd_max", sampler.MaxOpenFiles), ("fd_floor_first", floors.First), ("fd_floor_last", floors.Last),
            ("rss_mb_before", Math.Round(rss0, 1)), ("rss_mb_after", Math.Round(rss1, 1)), ("rss_mb_max", Math.Round(sampler.MaxRssMegabytes, 1)),
            ("lag_p50_ms", Math.Round(lag.Quantile(0.5) * 1000, 1)), ("lag_p99_ms", Math.Round(lag.Quantile(0.99) * 1000, 1)), ("lag_max_at_most_ms", lag.MaxAtMost * 1000),
            ("cpu_share", Math.Round(cpu, 3)), ("sigterm_exit_ms", Math.Round(exit.TotalMilliseconds)));

        // Every connect is closed, success or failure: the fewest descriptors open at the end are as many as at the start.
        Assert.InRange(floors.Last, floors.First - 64, floors.First + 64);
        Assert.True(rss1 < rss0 + 64, $"RSS grew from {rss0:F1} to {rss1:F1} MB");

        // The blackholed collectors' probes take their whole timeout, yet no probe starts more than half an interval late.
        Assert.True(lag.MaxAtMost <= 0.5, $"a probe started {lag.MaxAtMost} s late");
        Assert.True(lag.Quantile(0.99) <= 0.1, $"p99 schedule lag {lag.Quantile(0.99)} s");
        Assert.Equal(0, soaked.Fleet.BytesReceived);
    }
}
