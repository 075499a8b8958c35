using System.Diagnostics;
using System.Net;
using LogCollectorExporter.Tests.Support;
using Xunit.Abstractions;

namespace LogCollectorExporter.Tests.Soak;

/// <summary>Stopping with a thousand connections held and probes in flight: every socket closed, and quickly.</summary>
[Collection(SoakCollection.Name)]
[Trait("Category", Support.Soak.Category)]
public sealed class ShutdownSoakTests(ITestOutputHelper output)
{
    /// <summary>Seven held connections for every probe that is waiting for its timeout.</summary>
    private static readonly CollectorKind[] Kinds = [.. Enumerable.Repeat(CollectorKind.Up, 7), CollectorKind.Blackholed];

    private static int UpCollectors => Support.Soak.Collectors * 7 / 8;

    [Fact]
    public async Task SIGTERM_with_held_connections_and_probes_in_flight_exits_0_within_5_seconds_closing_every_connection_with_FIN()
    {
        await using var soaked = await SoakedExporter.StartAsync("hold", Support.Soak.Collectors, Kinds, "interval: 5s, timeout: 4s, mode: hold");
        await Eventually.TrueAsync(() => soaked.Fleet.Held == UpCollectors, $"{UpCollectors} connections held");

        // Ready came once the blackholed collectors' first probes timed out; their second ones start over the next interval.
        await Eventually.TrueAsync(() => ProcessStats.Of(soaked.Process.Id).Sockets > UpCollectors + (Support.Soak.Collectors / 16), "probes in flight");
        var stats = ProcessStats.Of(soaked.Process.Id);

        var exit = await soaked.TerminateAsync();
        await Eventually.TrueAsync(() => soaked.Fleet.Held == 0, "every held connection ended");

        var endings = soaked.Fleet.EndingsOfUpCollectors;
        var summary = $"SIGTERM with {UpCollectors} connections held and probes of {Support.Soak.Collectors - UpCollectors} blackholed collectors in flight " +
            $"({stats.Sockets} sockets open): exit 0 after {exit.TotalMilliseconds:F0} ms; every connection the collectors accepted ended, with " +
            string.Join(", ", endings.GroupBy(e => e).Select(g => $"{g.Count()} {g.Key}"));
        output.WriteLine(summary);
        RunReport.Add("shutdown", ("summary", summary), ("held", UpCollectors), ("sockets_open", stats.Sockets), ("exit_ms", Math.Round(exit.TotalMilliseconds)),
            ("fin", endings.Count(e => e == "fin")), ("rst", endings.Count(e => e == "rst")));
        Assert.All(endings, e => Assert.Equal("fin", e));
        Assert.Equal(0, soaked.Fleet.BytesReceived);
    }

    [Fact]
    public async Task Stopping_closes_every_socket_the_exporter_opened_before_the_process_ends()
    {
        await using var fleet = await LoopbackFleet.StartAsync(Support.Soak.Collectors, Kinds);
        using var directory = new TempDirectory();
        var config = directory.Write("collectors.yaml", fleet.Yaml("interval: 5s, timeout: 4s, mode: hold"));
        var before = ProcessStats.OfThisProcess();

        // In this process, so that what the exporter left open would still be open after it stopped.
        var exporter = await RunningExporter.StartAsync(config);
        await Eventually.TrueAsync(() => fleet.Held == UpCollectors, $"{UpCollectors} connections held");
        var running = ProcessStats.OfThisProcess();
        var clock = Stopwatch.StartNew();
        await exporter.DisposeAsync();
        clock.Stop();
        await Eventually.TrueAsync(() => fleet.Held == 0, "every held connection ended");
        var after = await SettledSocketsAsync(before.Sockets);

        var summary = $"in-process stop with {UpCollectors} connections held: {clock.Elapsed.TotalMilliseconds:F0} ms; " +
            $"sockets of the test process {before.Sockets} before the exporter, {running.Sockets} while it ran, {after} after it stopped";
        output.WriteLine(summary);
        RunReport.Add("shutdown.in-process", ("summary", summary), ("sockets_before", before.Sockets), ("sockets_running", running.Sockets),
            ("sockets_after", after), ("stop_ms", Math.Round(clock.Elapsed.TotalMilliseconds)));
        Assert.True(running.Sockets >= before.Sockets + (2 * UpCollectors), $"{running.Sockets} sockets while running");
        Assert.InRange(after, before.Sockets - 4, before.Sockets + 4);
        Assert.All(fleet.EndingsOfUpCollectors, e => Assert.Equal("fin", e));
    }

    /// <summary>The test process's socket count once it is back near <paramref name="expected"/> (closing takes the peers a moment).</summary>
    private static async Task<int> SettledSocketsAsync(int expected)
    {
        var deadline = Stopwatch.StartNew();
        int sockets;
        while ((sockets = ProcessStats.OfThisProcess().Sockets) > expected + 4 && deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(100);
        }

        return sockets;
    }
}
