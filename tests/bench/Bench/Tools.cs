using System.Diagnostics;
using System.Globalization;
using System.Text;
using LogCollectorExporter.EndToEnd.Support;
using LogCollectorExporter.Tests.Support;

namespace LogCollectorExporter.Bench;

/// <summary>A prober under measurement: started for N targets, then read for its probe count and reported handshake times.</summary>
public interface IProber : IAsyncDisposable
{
    string Name { get; }

    int Pid { get; }

    /// <summary>Probes finished so far, and the sum of their reported handshake times.</summary>
    Task<(double Probes, double ReportedSeconds, double Successes)> CountAsync();
}

/// <summary>logcollector-exporter: N collectors in one group, handshake mode.</summary>
public sealed class ExporterProber : IProber
{
    private readonly ExporterProcess process;
    private readonly TempDirectory directory;
    private readonly long started;

    private ExporterProber(ExporterProcess process, TempDirectory directory, HttpClient client, long started)
    {
        this.process = process;
        this.directory = directory;
        this.started = started;
        Client = client;
    }

    public string Name => "logcollector-exporter";

    public int Pid => process.Id;

    public HttpClient Client { get; }

    public Scrape? Last { get; private set; }

    /// <summary>N collectors in one group, handshake mode.</summary>
    public static Task<ExporterProber> StartAsync(string binary, int targets, int targetPort, TimeSpan interval, WebAccess? web = null)
    {
        var config = new StringBuilder(ProbeSection(interval, "handshake")).Append("groups:\n  - name: bench\n    collectors:\n");
        for (var i = 0; i < targets; i++)
        {
            config.Append(CultureInfo.InvariantCulture, $"      - {{address: {TargetListener.Address(i)}, port: {targetPort}}}\n");
        }

        return StartAsync(binary, config.ToString(), web);
    }

    /// <summary>
    /// A Panorama estate: a catalogue of <paramref name="collectors"/> collectors (lc-0 on the first target address, and
    /// so on) and <paramref name="groups"/> groups (firewalls) each listing <paramref name="perGroup"/> of them, in
    /// orders that differ from group to group (the same for every run).
    /// </summary>
    public static string PanoramaConfig(int collectors, int groups, int perGroup, int targetPort, TimeSpan interval, string mode)
    {
        var config = new StringBuilder(ProbeSection(interval, mode)).Append("collectors:\n");
        for (var i = 0; i < collectors; i++)
        {
            config.Append(CultureInfo.InvariantCulture, $"  - {{name: lc-{i}, address: {TargetListener.Address(i)}, port: {targetPort}}}\n");
        }

        config.Append("groups:\n");
        var random = new Random(11);
        var order = Enumerable.Range(0, collectors).ToArray();
        for (var g = 0; g < groups; g++)
        {
            random.Shuffle(order);
            config.Append(CultureInfo.InvariantCulture, $"  - {{name: fw-{g}, collectors: [{string.Join(", ", order.Take(perGroup).Select(m => $"lc-{m}"))}]}}\n");
        }

        return config.ToString();
    }

    /// <summary>
    /// The estate of <see cref="PanoramaConfig"/> as a saved Panorama configuration would give it: the configuration
    /// imports the file, and its catalogue maps each collector's serial to its target (Panorama knows no port).
    /// </summary>
    public static string PanoramaImportConfig(string savedConfiguration, int collectors, int targetPort, TimeSpan interval)
    {
        var config = new StringBuilder(ProbeSection(interval, "handshake")).Append("collectors:\n");
        for (var i = 0; i < collectors; i++)
        {
            config.Append(CultureInfo.InvariantCulture, $"  - {{name: lc-{i}, address: {TargetListener.Address(i)}, port: {targetPort}, serial: \"{PanoramaConfigs.CollectorSerial(i)}\"}}\n");
        }

        return config.Append(CultureInfo.InvariantCulture, $"panorama:\n  - configFile: {savedConfiguration}\n").ToString();
    }

    /// <summary>Starts the exporter on a configuration file with this text; returns once it is ready.</summary>
    /// <param name="web">A web configuration (<c>--web.config.file</c>) and how the benchmark's own client gets through it.</param>
    public static async Task<ExporterProber> StartAsync(string binary, string configText, WebAccess? web = null)
    {
        var directory = new TempDirectory();
        string[] args = ["--config", directory.Write("collectors.yaml", configText)];
        if (web is not null)
        {
            args = [.. args, "--web.config.file", directory.Write("web.yml", web.ConfigText)];
        }

        // Quiet but for the host's "Now listening on", which says the port.
        var started = Stopwatch.GetTimestamp();
        var process = ExporterProcess.Start([.. args, "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Microsoft.Hosting.Lifetime=Information"],
            scheme: web?.Scheme ?? "http", exporter: binary);
        var client = new HttpClient(web?.Handler() ?? new SocketsHttpHandler()) { BaseAddress = await process.ListeningAsync(), Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = web?.Authorization;
        var prober = new ExporterProber(process, directory, client, started);
        await prober.WaitReadyAsync();
        return prober;
    }

    /// <summary>Waits for /-/ready; returns the time from exec to the first 200.</summary>
    public async Task<TimeSpan> WaitReadyAsync()
    {
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException("the exporter exited:\n" + process.Output);
            }

            try
            {
                if ((await Client.GetAsync("/-/ready")).IsSuccessStatusCode)
                {
                    return Stopwatch.GetElapsedTime(started);
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(1);
        }
    }

    public async Task<(double Probes, double ReportedSeconds, double Successes)> CountAsync()
    {
        Last = Scrape.Parse(await Client.GetStringAsync("/metrics"));
        return (Sum(Last, "logcollector_probes_total"), Sum(Last, "logcollector_handshake_duration_seconds_sum"),
            Sum(Last, "logcollector_handshake_duration_seconds_count"));
    }

    /// <summary>Every sample of a metric added up, all label values together.</summary>
    public static double Sum(Scrape scrape, string name) => scrape.Samples(name).Sum(s => s.Value);

    /// <summary>Wall time and size of one answer (by default, a /metrics scrape).</summary>
    public async Task<(TimeSpan Time, long Bytes)> ScrapeAsync(string path = "/metrics")
    {
        var clock = Stopwatch.StartNew();
        var bytes = await Client.GetByteArrayAsync(path);
        return (clock.Elapsed, bytes.LongLength);
    }

    /// <summary>One <c>POST /-/reload</c>; throws unless the exporter took the configuration.</summary>
    public async Task ReloadAsync()
    {
        using var response = await Client.PostAsync("/-/reload", null);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Asks it to stop (SIGINT), as a person at a terminal would; says so when it is still running 10 s later (then it is killed).</summary>
    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Signal(2);
            if (!await process.WaitForExitAsync(TimeSpan.FromSeconds(10)))
            {
                Console.WriteLine($"   the exporter (pid {process.Id}) did not stop within 10 s of SIGINT: killed");
            }
        }

        await process.DisposeAsync();
        Client.Dispose();
        directory.Dispose();
    }

    private static string ProbeSection(TimeSpan interval, string mode) => string.Create(CultureInfo.InvariantCulture,
        $"probe:\n  interval: {interval.TotalSeconds}s\n  timeout: {Math.Min(5000, interval.TotalMilliseconds / 2)}ms\n  mode: {mode}\n");
}

/// <summary>A web configuration for the exporter, and the client side of it: a handler that trusts its certificate, the scraper's credentials.</summary>
public sealed record WebAccess(string ConfigText, string Scheme, Func<HttpMessageHandler> Handler, System.Net.Http.Headers.AuthenticationHeaderValue? Authorization);

/// <summary>
/// Debian's prometheus-blackbox-exporter with a tcp module, driven the way Prometheus drives it: one
/// <c>/probe?module=tcp&amp;target=…</c> request per target per interval, spread over the interval.
/// </summary>
public sealed class BlackboxProber : IProber
{
    private readonly ServerProcess process;
    private readonly TempDirectory directory;
    private readonly HttpClient client;
    private readonly CancellationTokenSource stop = new();
    private readonly Lock gate = new();
    private readonly Task driver;
    private double probes;
    private double reported;
    private double successes;
    private int pending;

    private BlackboxProber(ServerProcess process, TempDirectory directory, HttpClient client, int targets, int targetPort, TimeSpan interval)
    {
        this.process = process;
        this.directory = directory;
        this.client = client;
        driver = DriveAsync(targets, targetPort, interval);
    }

    public string Name => "blackbox_exporter";

    public int Pid => process.Id;

    public static async Task<BlackboxProber> StartAsync(string binary, int targets, int targetPort, TimeSpan interval)
    {
        var directory = new TempDirectory();
        var config = directory.Write("blackbox.yml", """
            modules:
              tcp:
                prober: tcp
                timeout: 5s
                tcp:
                  preferred_ip_protocol: ip4
                  ip_protocol_fallback: false
            """);
        var process = await ServerProcess.StartAsync(binary, listen => [$"--config.file={config}", $"--web.listen-address={listen}", "--log.level=warn"]);
        var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
        var client = new HttpClient(handler) { BaseAddress = process.Address, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Add("X-Prometheus-Scrape-Timeout-Seconds", "5");
        return new BlackboxProber(process, directory, client, targets, targetPort, interval);
    }

    public Task<(double Probes, double ReportedSeconds, double Successes)> CountAsync()
    {
        lock (gate)
        {
            return Task.FromResult((probes, reported, successes));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        await driver;
        while (Volatile.Read(ref pending) > 0)
        {
            await Task.Delay(10);
        }

        await process.DisposeAsync();
        client.Dispose();
        directory.Dispose();
    }

    // Target i is probed at start + (i/N + k)·interval: the same cadence and spread as the exporter's own schedule.
    private async Task DriveAsync(int targets, int targetPort, TimeSpan interval)
    {
        var start = Stopwatch.GetTimestamp();
        long next = 0;
        while (!stop.IsCancellationRequested)
        {
            var now = Stopwatch.GetElapsedTime(start);
            while (interval * ((next / targets) + ((double)(next % targets) / targets)) <= now)
            {
                var target = $"{TargetListener.Address((int)(next % targets))}:{targetPort}";
                Interlocked.Increment(ref pending);
                _ = ProbeAsync(target);
                next++;
            }

            await Task.Delay(1);
        }
    }

    private async Task ProbeAsync(string target)
    {
        string body;
        try
        {
            body = await client.GetStringAsync($"/probe?module=tcp&target={target}");
        }
        finally
        {
            Interlocked.Decrement(ref pending);
        }

        double duration = 0, success = 0;
        foreach (var line in body.AsSpan().EnumerateLines())
        {
            if (line.StartsWith("probe_duration_seconds "))
            {
                duration = double.Parse(line["probe_duration_seconds ".Length..], CultureInfo.InvariantCulture);
            }
            else if (line.StartsWith("probe_success "))
            {
                success = double.Parse(line["probe_success ".Length..], CultureInfo.InvariantCulture);
            }
        }

        lock (gate)
        {
            probes++;
            if (success == 1)
            {
                successes++;
                reported += duration;
            }
        }
    }
}
