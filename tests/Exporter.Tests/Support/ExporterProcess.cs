using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace LogCollectorExporter.Tests.Support;

/// <summary>The built exporter binary run as a process, on 127.0.0.1 and a free port.</summary>
public sealed partial class ExporterProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();
    private readonly TaskCompletionSource<Uri> listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ExporterProcess(Process process)
    {
        this.process = process;
        process.OutputDataReceived += (_, e) => Collect(e.Data);
        process.ErrorDataReceived += (_, e) => Collect(e.Data);
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

    public int Id => process.Id;

    public int ExitCode => process.ExitCode;

    /// <param name="args">The exporter's arguments; it always listens on 127.0.0.1 and a free port.</param>
    /// <param name="environment">Extra environment variables.</param>
    /// <param name="wrapper">A command to run the exporter under, such as <c>unshare -n</c>.</param>
    /// <param name="scheme">http, or https for a web configuration with TLS.</param>
    /// <param name="exporter">The binary, when not the one built next to the tests.</param>
    public static ExporterProcess Start(IEnumerable<string> args, IDictionary<string, string>? environment = null, string[]? wrapper = null,
        string scheme = "http", string? exporter = null)
    {
        string[] command = [.. wrapper ?? [], exporter ?? Tools.Exporter];
        var info = new ProcessStartInfo(Tools.Find(command[0]))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in command.Skip(1).Concat(args).Append("--urls").Append($"{scheme}://127.0.0.1:0"))
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        return new ExporterProcess(Process.Start(info) ?? throw new InvalidOperationException("the exporter did not start"));
    }

    /// <summary>Where it listens, once Kestrel says so; fails with its output when it exits first (a configuration error).</summary>
    public async Task<Uri> ListeningAsync()
    {
        var first = await Task.WhenAny(listening.Task, process.WaitForExitAsync()).WaitAsync(TimeSpan.FromSeconds(30));
        return first == listening.Task
            ? await listening.Task
            : throw new InvalidOperationException($"the exporter exited with {process.ExitCode} before it listened:\n{Output}");
    }

    public void Signal(int signal) => Assert.Equal(0, Kill(process.Id, signal));

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }

    private void Collect(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }

        if (ListeningLine().Match(line) is { Success: true } match && Uri.TryCreate(match.Groups["url"].Value, UriKind.Absolute, out var url))
        {
            listening.TrySetResult(url);
        }
    }

    [GeneratedRegex(@"Now listening on: (?<url>https?://[^\s""]+)")]
    private static partial Regex ListeningLine();

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
