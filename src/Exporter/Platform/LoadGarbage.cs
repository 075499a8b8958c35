using System.Runtime;

namespace LogCollectorExporter.Platform;

/// <summary>
/// Reading a configuration (its YAML tree) and building the fleet and its series over it allocate many times the
/// file's size. Much of it lives long enough to be promoted, and would lie in the old generation, its memory committed,
/// until a full collection. Collected and given back to the system once the exporter has started and after each reload
/// that changed something, it does not set the size the process keeps. Both are rare, and so is this collection. The
/// YAML reader that replaced the configuration layers did not make it unneeded (docs/benchmarks.md, "One YAML reader").
/// </summary>
public static class LoadGarbage
{
    public static void Collect()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }
}
