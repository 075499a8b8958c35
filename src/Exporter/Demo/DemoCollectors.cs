using System.Globalization;

namespace LogCollectorExporter.Demo;

/// <summary>
/// <c>--demo</c>: three simulated collectors on 127.0.0.1, shared by the preference lists of four firewalls that order
/// them differently, probed every 5 s in hold mode. <see cref="DemoCycle"/> takes the first one away for three probe
/// cycles out of every eight, so failover, failback and hold-mode drop detection show within a minute, each firewall
/// failing over its own way.
/// </summary>
public sealed class DemoCollectors : IDisposable
{
    /// <summary>The firewalls: their preference lists (collector numbers, highest priority first) and policies.</summary>
    private static readonly (string Name, int[] Collectors, string Failback, bool ForwardToAll)[] Firewalls =
    [
        ("fw-hq", [1, 2, 3], "immediate", false),
        ("fw-branch-1", [1, 3], "sticky", false),
        ("fw-branch-2", [2, 1, 3], "immediate", false),
        ("fw-dc", [1, 2], "immediate", true),
    ];

    private readonly SimulatedCollector[] collectors = [new(), new(), new()];

    public IReadOnlyList<SimulatedCollector> Collectors => collectors;

    /// <summary>The demo's configuration, in YAML: the collectors once, and the firewalls' preference lists naming them.</summary>
    public string Configuration =>
        "probe: {interval: 5s, timeout: 2s, mode: hold}\ncollectors:\n"
        + string.Concat(collectors.Select((c, i) => $"  - {{name: {Name(i + 1)}, address: 127.0.0.1, port: {I(c.Port)}, serial: \"00920100{(i + 1).ToString("D4", CultureInfo.InvariantCulture)}\"}}\n"))
        + "groups:\n"
        + string.Concat(Firewalls.Select(f => $"  - {{name: {f.Name}, failback: {f.Failback}, forwardToAll: {(f.ForwardToAll ? "true" : "false")}, collectors: [{string.Join(", ", f.Collectors.Select(Name))}]}}\n"));

    public void Dispose()
    {
        foreach (var collector in collectors)
        {
            collector.Dispose();
        }
    }

    private static string Name(int number) => $"lc-{I(number)}";

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);
}

/// <summary>Takes the demo's first collector away and brings it back, for as long as the exporter runs.</summary>
public sealed partial class DemoCycle(DemoCollectors demo, TimeProvider time, ILogger<DemoCycle> logger) : BackgroundService
{
    // Probes run every 5 s from the start. lc-1 goes away 22.5 s in, then every 40 s, and comes back 15 s later: always
    // half-way between two probes, so hold mode notices it going at once and the next probe sees it back.
    public static readonly TimeSpan FirstUpFor = TimeSpan.FromSeconds(22.5);
    public static readonly TimeSpan DownFor = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan UpFor = TimeSpan.FromSeconds(25);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogStarted(logger, string.Join(", ", demo.Collectors.Select((c, i) => $"lc-{i + 1} on 127.0.0.1:{c.Port}")));
        var first = demo.Collectors[0];
        try
        {
            await Task.Delay(FirstUpFor, time, stoppingToken);
            while (true)
            {
                first.Stop();
                LogStopped(logger, first.Port, (int)DownFor.TotalSeconds);
                await Task.Delay(DownFor, time, stoppingToken);
                first.Start();
                LogRestarted(logger, first.Port);
                await Task.Delay(UpFor, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The exporter is stopping.
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo: simulated log collectors {Collectors}; lc-1 goes away for 15 s every 40 s")]
    private static partial void LogStarted(ILogger logger, string collectors);

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo: lc-1 (127.0.0.1:{Port}) stops: its connections close and its port refuses, for {Seconds} s")]
    private static partial void LogStopped(ILogger logger, int port, int seconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Demo: lc-1 (127.0.0.1:{Port}) listens again")]
    private static partial void LogRestarted(ILogger logger, int port);
}
