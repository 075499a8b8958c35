namespace LogCollectorExporter.Platform;

/// <summary>
/// Raises the soft limit of open files to the hard limit. The JIT runtime does this by itself; NativeAOT does not, and
/// containers often start with a soft limit of 1024: too few for hold mode, which keeps a connection open to every
/// collector (a thousand collectors need over a thousand descriptors).
/// </summary>
public static class OpenFileLimit
{
    public static void Raise()
    {
        if (!OperatingSystem.IsLinux() || Native.GetResourceLimit(Native.RlimitNofile, out var limit) != 0 || limit.Current >= limit.Maximum)
        {
            return;
        }

        // If the kernel says no, the exporter runs with what it has.
        _ = Native.SetResourceLimit(Native.RlimitNofile, new Native.ResourceLimit { Current = limit.Maximum, Maximum = limit.Maximum });
    }
}
