using System.Globalization;

namespace LogCollectorExporter.Tests.Support;

/// <summary>What Linux says about a process: open file descriptors, resident memory, CPU time (from /proc).</summary>
public readonly record struct ProcessStats(int OpenFiles, int Sockets, long RssBytes, TimeSpan CpuTime)
{
    /// <summary>Clock ticks per second of /proc/PID/stat (USER_HZ), 100 on Linux.</summary>
    private const double TicksPerSecond = 100;

    public double RssMegabytes => RssBytes / 1024.0 / 1024.0;

    public static ProcessStats Of(int pid)
    {
        var descriptors = Directory.GetFileSystemEntries($"/proc/{pid}/fd");
        var sockets = descriptors.Count(d => new FileInfo(d).LinkTarget?.StartsWith("socket:", StringComparison.Ordinal) == true);
        return new ProcessStats(descriptors.Length, sockets, StatusKiB(pid, "VmRSS:") * 1024, Cpu(pid));
    }

    /// <summary>User plus system CPU time the process has used so far.</summary>
    public static TimeSpan Cpu(int pid)
    {
        // The fields after the command name, which is in parentheses and may hold spaces: utime and stime are the 12th and 13th.
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / TicksPerSecond);
    }

    /// <summary>The process's peak resident set size (VmHWM), in MiB.</summary>
    public static double PeakRssMiB(int pid) => StatusKiB(pid, "VmHWM:") / 1024.0;

    private static long StatusKiB(int pid, string field)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith(field, StringComparison.Ordinal));
        return long.Parse(line[field.Length..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[0], CultureInfo.InvariantCulture);
    }

    public static ProcessStats OfThisProcess() => Of(Environment.ProcessId);

    /// <summary>
    /// The sample with the fewest sockets over 1.5 s: a probe's socket lives until the engine collects the finished
    /// handshake (up to 200 ms later), so a single sample counts whatever probes happen to be in flight; a leaked socket
    /// is there in every sample.
    /// </summary>
    public static async Task<ProcessStats> SettledAsync(int pid)
    {
        var lowest = Of(pid);
        for (var i = 0; i < 15; i++)
        {
            await Task.Delay(100);
            var sample = Of(pid);
            lowest = sample.Sockets < lowest.Sockets ? sample : lowest;
        }

        return lowest;
    }
}
