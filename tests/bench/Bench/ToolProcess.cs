using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace LogCollectorExporter.Bench;

/// <summary>
/// A program that runs until it is asked to stop (tshark capturing), its output kept for when something goes wrong.
/// The tests' helpers kill what they start; a capture is stopped with SIGINT so that tshark writes out its file.
/// </summary>
public sealed class ToolProcess : IDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    public ToolProcess(string program, IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        process = Process.Start(info) ?? throw new InvalidOperationException($"{program} did not start");
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    public bool HasExited => process.HasExited;

    /// <summary>Asks it to stop (SIGINT), as a person at a terminal would; waits for it, 10 s at most (then says so, and <see cref="Dispose"/> kills it).</summary>
    public async Task InterruptAsync()
    {
        if (!process.HasExited)
        {
            _ = Kill(process.Id, 2);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                Console.WriteLine($"   {process.StartInfo.FileName} (pid {process.Id}) did not stop within 10 s of SIGINT: killed");
            }
        }
    }

    public void Dispose()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }

        process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is not null)
        {
            lock (output)
            {
                output.AppendLine(line);
            }
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
