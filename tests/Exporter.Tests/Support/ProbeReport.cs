using LogCollectorExporter.Configuration;
using LogCollectorExporter.Probing;

namespace LogCollectorExporter.Tests.Support;

/// <summary>One thing the engine reported about a target: a finished probe, or (<see cref="Dropped"/>) a held connection the collector dropped.</summary>
/// <param name="Target">The configuration instance the engine held for the target.</param>
/// <param name="Outcome">What the probe measured; for a drop, a <see cref="ProbeResult.Reset"/> with the reason as its error.</param>
/// <param name="StartedAt">When the probe began (a drop: when it was seen).</param>
/// <param name="FinishedAt">When it ended (a drop: when it was seen).</param>
/// <param name="Dropped">Whether this is a drop rather than a probe.</param>
public sealed record ProbeReport(CollectorConfig Target, ProbeOutcome Outcome, DateTimeOffset StartedAt, DateTimeOffset FinishedAt, bool Dropped)
{
    public ProbeResult Result => Outcome.Result;
}
