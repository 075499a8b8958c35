using System.Globalization;

namespace LogCollectorExporter.Bench;

/// <summary>CPU time and memory of a process, from /proc.</summary>
public static class ProcessStats
{
    // USER_HZ: the unit of utime and stime in /proc/PID/stat; 100 on Linux.
    private const double TicksPerSecond = 100;

    /// <summary>User plus system CPU time used so far.</summary>
    public static TimeSpan Cpu(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");

        // The command name (field 2) may hold spaces; the fields after it are counted from its closing parenthesis.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / TicksPerSecond);
    }

    /// <summary>Peak resident set size (VmHWM), in MiB.</summary>
    public static double PeakRssMiB(int pid) => StatusKiB(pid, "VmHWM:") / 1024.0;

    public static double RssMiB(int pid) => StatusKiB(pid, "VmRSS:") / 1024.0;

    private static long StatusKiB(int pid, string field)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith(field, StringComparison.Ordinal));
        return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }
}
