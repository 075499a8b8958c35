using System.Diagnostics;
using System.Globalization;
using System.Net;
using LogCollectorExporter.Platform;

namespace LogCollectorExporter.Tests.Support;

/// <summary>
/// The long scenarios: category "Soak", left out of the README's test command, run by <c>tests/soak</c> (which
/// <c>.ci/run</c> calls) one at a time. Their lengths come from the environment, so CI keeps them to a few minutes.
/// </summary>
public static class Soak
{
    public const string Category = "Soak";

    /// <summary>How long a soak runs after its warm-up (LCE_SOAK_SECONDS).</summary>
    public static TimeSpan Duration => TimeSpan.FromSeconds(Setting("LCE_SOAK_SECONDS", 60));

    /// <summary>How long the exporter runs before the first measurement (LCE_SOAK_WARMUP_SECONDS).</summary>
    public static TimeSpan WarmUp => TimeSpan.FromSeconds(Setting("LCE_SOAK_WARMUP_SECONDS", 20));

    /// <summary>Collectors in the fleet (LCE_SOAK_COLLECTORS).</summary>
    public static int Collectors => (int)Setting("LCE_SOAK_COLLECTORS", 1000);

    private static double Setting(string name, double fallback) =>
        double.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : fallback;
}

/// <summary>Soak scenarios share the machine with nothing else of the test run.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class SoakCollection
{
    public const string Name = "Soak";
}

/// <summary>The exporter process and what it said at one moment: its /metrics, its descriptors and memory, and when.</summary>
public sealed record Snapshot(Scrape Metrics, ProcessStats Stats, TimeSpan At)
{
    /// <summary>Scrapes /metrics and reads /proc; <see cref="At"/> is the middle of the scrape on <paramref name="clock"/>.</summary>
    public static async Task<Snapshot> TakeAsync(HttpClient client, int pid, Stopwatch clock)
    {
        var before = clock.Elapsed;
        var text = await client.GetStringAsync("/metrics");
        var at = (before + clock.Elapsed) / 2;
        return new Snapshot(Scrape.Parse(text), ProcessStats.Of(pid), at);
    }
}

/// <summary>Samples of a process's descriptors and memory, taken while a scenario runs.</summary>
public sealed class StatsSampler
{
    private readonly List<ProcessStats> samples = [];

    public int MinOpenFiles => samples.Min(s => s.OpenFiles);

    public int MaxOpenFiles => samples.Max(s => s.OpenFiles);

    public double MaxRssMegabytes => samples.Max(s => s.RssMegabytes);

    /// <summary>
    /// The fewest descriptors open in the first and in the last third of the samples. Connects in flight and sockets the
    /// peers have not accepted yet come and go from one second to the next; a leak raises the floor.
    /// </summary>
    public (int First, int Last) OpenFilesFloors
    {
        get
        {
            var third = Math.Max(1, samples.Count / 3);
            return (samples.Take(third).Min(s => s.OpenFiles), samples.TakeLast(third).Min(s => s.OpenFiles));
        }
    }

    public int Count => samples.Count;

    /// <summary>Samples every second until <paramref name="until"/>; checks /-/healthy every five.</summary>
    public async Task RunAsync(int pid, HttpClient client, TimeSpan until, Stopwatch clock)
    {
        var tick = 0;
        while (clock.Elapsed < until)
        {
            samples.Add(ProcessStats.Of(pid));
            if (tick++ % 5 == 0)
            {
                var health = await client.GetAsync("/-/healthy");
                Assert.True(health.StatusCode == HttpStatusCode.OK, $"unhealthy during the soak: {await health.Content.ReadAsStringAsync()}");
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
        }
    }
}
