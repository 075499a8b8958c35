using System.Diagnostics;
using Xunit.Sdk;

namespace LogCollectorExporter.Tests.Support;

/// <summary>Runs the real tools the project is checked with (promtool, the built exporter).</summary>
public static class Tools
{
    private const UnixFileMode Executable = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    /// <summary>Runs a program to completion; its standard output and error, together.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(string program, IEnumerable<string> args, string? input = null,
        IDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo(Find(program))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"{program} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
        }

        process.StandardInput.Close();
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(cancel.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>
    /// Where a program the tests start is: as given when it is a path, else in .tools/bin (where tests/run installs what
    /// Debian does not package) or on the PATH. A program that is in neither fails the test with one line that names it
    /// and the command that installs it (tests/tools/programs), not with the Win32Exception of a process that cannot start.
    /// </summary>
    public static string Find(string program)
    {
        if (program.Contains('/', StringComparison.Ordinal))
        {
            return program;
        }

        string[] directories =
            [Path.Combine(RepositoryRoot, ".tools", "bin"), .. (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)];
        return directories.Select(directory => Path.Combine(directory, program)).FirstOrDefault(IsExecutable)
            ?? throw FailException.ForFailure(NotInstalled(program));
    }

    /// <summary>The checkout the tests were built from (where Exporter.sln is), or for a program built outside it (the bench), the one it runs in.</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    /// <summary>The exporter as built next to the tests (the apphost of the referenced project).</summary>
    public static string Exporter => Path.Combine(AppContext.BaseDirectory, "logcollector-exporter");

    private static bool IsExecutable(string path) =>
        File.Exists(path) && (OperatingSystem.IsWindows() || (File.GetUnixFileMode(path) & Executable) != 0);

    private static string NotInstalled(string program)
    {
        var from = File.ReadLines(Path.Combine(RepositoryRoot, "tests", "tools", "programs"))
            .Where(line => !line.StartsWith('#'))
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .FirstOrDefault(fields => fields.Length > 1 && fields[0] == program)?[1];
        return from switch
        {
            null => $"{program} is not installed, and tests/tools/programs does not say where it comes from",
            _ when from.Contains('/', StringComparison.Ordinal) => $"{program} is not installed: {from} (or run tests/run)",
            _ => $"{program} is not installed: sudo apt-get install {from} (or run tests/run)",
        };
    }

    private static string FindRepositoryRoot()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "Exporter.sln")))
                {
                    return directory.FullName;
                }
            }
        }

        throw new InvalidOperationException($"no Exporter.sln above {AppContext.BaseDirectory} or {Environment.CurrentDirectory}");
    }
}
