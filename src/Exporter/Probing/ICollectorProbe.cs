using LogCollectorExporter.Configuration;

namespace LogCollectorExporter.Probing;

/// <summary>Probes one collector once. The real one is <see cref="HandshakeProbe"/>.</summary>
public interface ICollectorProbe
{
    /// <summary>Never throws for a failed probe: the failure is the outcome. Throws only when <paramref name="cancellationToken"/> is cancelled.</summary>
    ValueTask<ProbeAttempt> ProbeAsync(CollectorConfig collector, ProbeSettings settings, CancellationToken cancellationToken);
}

/// <summary>The outcome, and in hold mode the connection to keep open until the next probe.</summary>
public readonly record struct ProbeAttempt(ProbeOutcome Outcome, HeldConnection? Held = null);
