using LogCollectorExporter.Configuration;

namespace LogCollectorExporter.Probing;

/// <summary>Receives what the engine measures. Called on the engine's thread, one call at a time; must return quickly and not block.</summary>
public interface IProbeObserver
{
    /// <summary>A probe of the target finished (any result).</summary>
    /// <param name="target">The <see cref="CollectorConfig"/> instance the engine holds for the target now.</param>
    /// <param name="startedAt">When the probe began (its name resolution, if any, then the handshake).</param>
    void Finished(CollectorConfig target, in ProbeOutcome outcome, DateTimeOffset startedAt, DateTimeOffset finishedAt);

    /// <summary>
    /// Hold mode: the collector closed (FIN) or reset (RST) the held connection before its next probe; it is re-probed
    /// at once (at most once a second).
    /// </summary>
    void Dropped(CollectorConfig target, string reason, DateTimeOffset at);

    /// <summary>A scheduled probe (not a re-probe after a drop, not a first probe after ApplyAsync) started this late against its due time.</summary>
    void Late(TimeSpan lag);
}
