using LogCollectorExporter.Configuration;

namespace LogCollectorExporter.Probing;

/// <summary>A call of <see cref="ProbeEngine.ApplyAsync"/>, waiting for the engine's thread; <paramref name="Applied"/> completes when it has taken it.</summary>
internal sealed record ApplyRequest(IReadOnlyList<CollectorConfig> Targets, ProbeSettings Settings, TaskCompletionSource Applied);
