using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using LogCollectorExporter.Tests.Support;

namespace LogCollectorExporter.EndToEnd.Support;

/// <summary>A server run as a process (Prometheus, Alertmanager) on 127.0.0.1 and a free port; killed when disposed.</summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan Startup = TimeSpan.FromSeconds(30);
    private readonly Process process;
    private readonly StringBuilder output = new();

    private ServerProcess(Process process, Uri address)
    {
        this.process = process;
        Address = address;
        process.OutputDataReceived += (_, e) => Collect(e.Data);
        process.ErrorDataReceived += (_, e) => Collect(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Uri Address { get; }

    public int Id => process.Id;

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

    /// <summary>Starts the program and waits until its <c>/-/ready</c> answers 200.</summary>
    /// <param name="program">The executable.</param>
    /// <param name="args">Its arguments, given the address (<c>127.0.0.1:port</c>) to listen on.</param>
    public static async Task<ServerProcess> StartAsync(string program, Func<string, IEnumerable<string>> args)
    {
        var listen = $"127.0.0.1:{FreePort()}";
        var info = new ProcessStartInfo(Tools.Find(program)) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args(listen))
        {
            info.ArgumentList.Add(arg);
        }

        var server = new ServerProcess(Process.Start(info) ?? throw new InvalidOperationException($"{program} did not start"), new Uri($"http://{listen}/"));
        try
        {
            await server.WaitUntilReadyAsync(program);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts Prometheus with this configuration file, keeping its data in <paramref name="storage"/>.</summary>
    public static Task<ServerProcess> StartPrometheusAsync(string config, string storage) => StartAsync("prometheus", listen =>
    [
        $"--config.file={config}",
        $"--storage.tsdb.path={storage}",
        $"--web.listen-address={listen}",
    ]);

    /// <summary>Starts Alertmanager with this configuration file, alone (no cluster), keeping its data in <paramref name="storage"/>.</summary>
    public static Task<ServerProcess> StartAlertmanagerAsync(string config, string storage) => StartAsync("prometheus-alertmanager", listen =>
    [
        $"--config.file={config}",
        $"--storage.path={storage}",
        $"--web.listen-address={listen}",
        "--cluster.listen-address=",
    ]);

    /// <summary>
    /// Starts Prometheus scraping one job and evaluating <paramref name="rules"/> every second, its configuration and
    /// data in <paramref name="directory"/>, sending alerts to <paramref name="alertmanager"/> when given.
    /// </summary>
    /// <param name="targets">The job's <c>static_configs</c> as a YAML flow list, such as <c>[{targets: ["127.0.0.1:9978"]}]</c>.</param>
    public static Task<ServerProcess> StartPrometheusEverySecondAsync(string directory, string rules, string job, string targets, string? alertmanager = null)
    {
        var alerting = alertmanager is null ? "" : $"alerting: {{alertmanagers: [{{static_configs: [{{targets: [\"{alertmanager}\"]}}]}}]}}\n";
        var config = Path.Combine(directory, "prometheus.yml");
        File.WriteAllText(config, $$"""
            global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}
            rule_files: ["{{rules}}"]
            {{alerting}}scrape_configs:
              - job_name: {{job}}
                static_configs: {{targets}}
            """);
        return StartPrometheusAsync(config, Path.Combine(directory, "prometheus"));
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }

    private async Task WaitUntilReadyAsync(string program)
    {
        using var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow + Startup;
        while (true)
        {
            Assert.False(process.HasExited, $"{program} exited with {(process.HasExited ? process.ExitCode : 0)}:\n{Output}");
            Assert.True(DateTime.UtcNow < deadline, $"{program} not ready within {Startup.TotalSeconds} s:\n{Output}");
            try
            {
                using var response = await client.GetAsync("-/ready");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }
    }

    /// <summary>A port that nothing listens on now. The server binds it a moment later; another process could take it in between, which on a test machine's loopback is rare enough.</summary>
    private static int FreePort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
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
    }
}
