using System.Runtime.InteropServices;

namespace LogCollectorExporter;

/// <summary>
/// Raises the soft limit of open files to the hard limit. The JIT runtime does this by itself; NativeAOT does not, and
/// containers often start with a soft limit of 1024: too few for hold mode, which keeps a connection open to every
/// collector (a thousand collectors need over a thousand descriptors).
/// </summary>
public static class OpenFileLimit
{
    private const int RlimitNofile = 7;

    public static void Raise()
    {
        if (!OperatingSystem.IsLinux() || GetRLimit(RlimitNofile, out var limit) != 0 || limit.Current >= limit.Maximum)
        {
            return;
        }

        // If the kernel says no, the exporter runs with what it has.
        _ = SetRLimit(RlimitNofile, new RLimit { Current = limit.Maximum, Maximum = limit.Maximum });
    }

    [DllImport("libc", EntryPoint = "getrlimit")]
    private static extern int GetRLimit(int resource, out RLimit limit);

    [DllImport("libc", EntryPoint = "setrlimit")]
    private static extern int SetRLimit(int resource, in RLimit limit);

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }
}
