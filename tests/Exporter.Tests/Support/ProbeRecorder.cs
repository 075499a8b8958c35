using LogCollectorExporter.Configuration;
using LogCollectorExporter.Probing;

namespace LogCollectorExporter.Tests.Support;

/// <summary>An observer that keeps everything the engine reports, in order, for the test to read from any thread.</summary>
public sealed class ProbeRecorder : IProbeObserver
{
    private readonly Lock gate = new();
    private readonly List<ProbeReport> reports = [];
    private readonly List<TimeSpan> lags = [];

    /// <summary>Every report so far, in the order the engine made them.</summary>
    public IReadOnlyList<ProbeReport> Reports
    {
        get
        {
            lock (gate)
            {
                return [.. reports];
            }
        }
    }

    /// <summary>The schedule lags reported so far.</summary>
    public IReadOnlyList<TimeSpan> Lags
    {
        get
        {
            lock (gate)
            {
                return [.. lags];
            }
        }
    }

    public void Finished(CollectorConfig target, in ProbeOutcome outcome, DateTimeOffset startedAt, DateTimeOffset finishedAt) =>
        Add(new ProbeReport(target, outcome, startedAt, finishedAt, Dropped: false));

    public void Dropped(CollectorConfig target, string reason, DateTimeOffset at) =>
        Add(new ProbeReport(target, new ProbeOutcome(ProbeResult.Reset, TimeSpan.Zero, null, null, reason), at, at, Dropped: true));

    public void Late(TimeSpan lag)
    {
        lock (gate)
        {
            lags.Add(lag);
        }
    }

    /// <summary>The reports about one target, by name, in order.</summary>
    public IReadOnlyList<ProbeReport> Of(string collector) => [.. Reports.Where(r => r.Target.Name == collector)];

    /// <summary>How many reports about a target had this result (drops count as <see cref="ProbeResult.Reset"/>).</summary>
    public int Count(string collector, ProbeResult result) => Of(collector).Count(r => r.Result == result);

    /// <summary>The last finished probe of a target (not a drop); null before the first.</summary>
    public ProbeReport? LastProbe(string collector) => Of(collector).LastOrDefault(r => !r.Dropped);

    private void Add(ProbeReport report)
    {
        lock (gate)
        {
            reports.Add(report);
        }
    }
}
