using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;

namespace LogCollectorExporter.Bench;

/// <summary>A program under measurement (or a helper such as tshark), its output kept for when something goes wrong.</summary>
public sealed class ToolProcess : IDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    public ToolProcess(string program, IEnumerable<string> args, IDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        Started = Stopwatch.GetTimestamp();
        process = Process.Start(info) ?? throw new InvalidOperationException($"{program} did not start");
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public int Pid => process.Id;

    /// <summary>When it was started (a <see cref="Stopwatch"/> timestamp).</summary>
    public long Started { get; }

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

    /// <summary>A free TCP port on 127.0.0.1 for a tool to listen on.</summary>
    public static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>Waits for it to exit of its own accord and for its output to be read.</summary>
    public Task WaitForExitAsync() => process.WaitForExitAsync();

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
