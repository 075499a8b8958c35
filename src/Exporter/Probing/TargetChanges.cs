namespace LogCollectorExporter.Probing;

/// <summary>What <see cref="ProbeLoop.Apply"/> changed; kept targets are in neither list.</summary>
/// <param name="Removed">Ids of targets no longer probed (removed, or changed): their sockets are to be closed.</param>
/// <param name="Added">Ids of new or changed targets (never one of <paramref name="Removed"/>), due at once.</param>
internal readonly record struct TargetChanges(IReadOnlyList<int> Removed, IReadOnlyList<int> Added);
