using System.Runtime;

namespace LogCollectorExporter;

/// <summary>
/// Reading a configuration allocates many times its size (the YAML reader, the configuration's key tree: 84 MB for a
/// 5,000-group file), and building the fleet and its series over it adds more. Much of it lives long enough to be
/// promoted, and would lie in the old generation, its memory committed, until a full collection. Collected and given
/// back to the system once the exporter has started and after each reload that changed something, it does not set
/// the size the process keeps (at 5,000 groups: resident 52 MB when ready instead of 63). Both are rare, and so is this
/// collection. It treats the loader's garbage rather than the loader: the reader that walks the configuration through
/// <c>IConfiguration</c> is what allocates, and when it is made lean (the configuration binder, which the Panorama import is to bring) this may go.
/// </summary>
public static class LoadGarbage
{
    public static void Collect()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
    }
}
