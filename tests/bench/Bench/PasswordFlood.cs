using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using LogCollectorExporter.Tests.Support;

namespace LogCollectorExporter.Bench;

/// <summary>A flood of 10 s from 127.0.0.1, and a scraper at 127.0.0.2 whose right password was never checked: how soon it got in.</summary>
internal sealed record NewcomerRow(string Kind, int Flood, TimeSpan Cpu, IReadOnlyList<HttpStatusCode> Tries, TimeSpan? FirstOk);

/// <summary>One flood of requests with the same kind of credentials: what they got and what they cost.</summary>
internal sealed record FloodRow(
    string Kind, int Requests, Dictionary<HttpStatusCode, int> Answers, TimeSpan Took, TimeSpan Cpu, double LagP50, double LagP99, double LagMax,
    int Scrapes, int ScrapesOk, TimeSpan SlowestScrape);

/// <summary>
/// Issue 13: a flood of requests with wrong passwords against the exporter over TLS with basic authentication (a bcrypt
/// hash of cost 10, as the toolkit's docs suggest), while it probes 1,000 collectors every 10 s and a scraper with the
/// right password scrapes every 100 ms: the exporter's CPU for the flood, the probes' schedule lag meanwhile, and the
/// scraper's answers. Without a bound, each new wrong password would cost a bcrypt. Issue 19: during a 10 s flood, how
/// soon a scraper at another address whose right password was never checked gets in.
/// </summary>
internal static class PasswordFlood
{
    public const int Requests = 1000;
    private const int Connections = 20;
    private const string User = "prometheus";
    private const string Password = "correct horse battery staple";
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    /// <summary>Users with the right password that no request has used yet: one for each flood a newcomer arrives in.</summary>
    private static readonly string[] Newcomers = ["grafana", "alertmanager"];

    public static async Task<(IReadOnlyList<FloodRow> Rows, IReadOnlyList<NewcomerRow> Newcomers, TimeSpan OneCheck)> MeasureAsync(string binary)
    {
        Console.WriteLine($"-- password flood: {Requests} requests over {Connections} TLS connections per kind, 1,000 collectors every {Interval.TotalSeconds} s, a scrape every 100 ms");
        var oneCheck = OneBcrypt();
        using var certificate = TestCertificateAuthority.SelfSignedServer("logcollector-exporter", DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddDays(1));
        var hash = BCrypt.Net.BCrypt.HashPassword(Password, BCrypt.Net.BCrypt.GenerateSalt(10, 'y'));
        using var directory = new TempDirectory();
        var (crt, key) = TestCertificateAuthority.Write(certificate, Path.Combine(directory.Path, "tls.crt"), Path.Combine(directory.Path, "tls.key"));
        var web = new WebAccess(
            $"tls_server_config: {{cert_file: {crt}, key_file: {key}}}\nbasic_auth_users:\n  {User}: {hash}\n" +
            string.Concat(Newcomers.Select(newcomer => $"  {newcomer}: {hash}\n")),
            "https", () => Trusting(certificate), Basic(User, Password));
        using var targets = new TargetListener();
        await using var exporter = await ExporterProber.StartAsync(binary, 1000, targets.Port, Interval, web);
        await Task.Delay(Interval + TimeSpan.FromSeconds(2));

        var rows = new List<FloodRow> { await FloodAsync(exporter, web, "none (baseline, 10 s)", null) };
        foreach (var (kind, credentials) in new (string, Func<int, (string, string)>)[]
        {
            ("a new wrong password each", i => (User, $"guess {i}")),
            ("one wrong password", _ => (User, "guess")),
            ("a new unknown user each", i => ($"user{i}", Password)),
            ("the right password (1,000 scrapes)", _ => (User, Password)),
        })
        {
            // The budget refills between floods (300 ms at 50 ms a second).
            await Task.Delay(TimeSpan.FromSeconds(7));
            rows.Add(await FloodAsync(exporter, web, kind, credentials));
        }

        var newcomers = new List<NewcomerRow>();
        foreach (var (kind, newcomer, credentials) in new (string, string, Func<int, (string, string)>)[]
        {
            ("a new wrong password each", Newcomers[0], i => (User, $"again {i}")),
            ("a new unknown user each", Newcomers[1], i => ($"someone{i}", Password)),
        })
        {
            await Task.Delay(TimeSpan.FromSeconds(7));
            newcomers.Add(await NewcomerDuringFloodAsync(exporter, web, certificate, kind, newcomer, credentials));
        }

        return (rows, newcomers, oneCheck);
    }

    public static string Table(IReadOnlyList<FloodRow> rows, TimeSpan oneCheck)
    {
        var table = new StringBuilder();
        table.AppendLine(CultureInfo.InvariantCulture,
            $"| flood of {Requests:N0} requests, TLS + basic auth (bcrypt cost 10) | answers | took | exporter CPU | schedule lag p50 / p99 / max ms | scrapes with the right password meanwhile |");
        table.AppendLine("|---|---|---:|---:|---:|---|");
        foreach (var r in rows)
        {
            var answers = r.Answers.Count == 0 ? "–" : string.Join(", ", r.Answers.OrderBy(a => a.Key).Select(a => $"{a.Value} × {(int)a.Key}"));
            table.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Kind} | {answers} | {r.Took.TotalSeconds:0.0} s | {r.Cpu.TotalMilliseconds:0} ms | {r.LagP50 * 1000:0.0} / {r.LagP99 * 1000:0.0} / ≤ {r.LagMax * 1000:0} | " +
                $"{r.ScrapesOk} of {r.Scrapes} answered 200, slowest {r.SlowestScrape.TotalMilliseconds:0} ms |");
        }

        table.AppendLine(CultureInfo.InvariantCulture,
            $"\none bcrypt check of cost 10 here: {oneCheck.TotalMilliseconds:0} ms of CPU; {Requests:N0} new wrong passwords checked without a bound: {oneCheck.TotalSeconds * Requests:0} s of CPU");
        return table.ToString();
    }

    public static string NewcomerTable(IReadOnlyList<NewcomerRow> rows)
    {
        var table = new StringBuilder();
        table.AppendLine("| 10 s flood from 127.0.0.1 (20 connections) | requests | exporter CPU | a never-checked right password from 127.0.0.2, once a second | first 200 after |");
        table.AppendLine("|---|---:|---:|---|---:|");
        foreach (var r in rows)
        {
            table.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Kind} | {r.Flood:N0} | {r.Cpu.TotalMilliseconds:0} ms | {string.Join(", ", r.Tries.Select(t => (int)t))} | {(r.FirstOk is { } ok ? $"{ok.TotalSeconds:0.0} s" : "never")} |");
        }

        return table.ToString();
    }

    public static IEnumerable<(bool Pass, string Text)> NewcomerVerdicts(IReadOnlyList<NewcomerRow> rows) =>
        rows.Select(r => (r.Tries.Take(3).Contains(HttpStatusCode.OK),
            $"password flood, {r.Kind}: a never-checked right password from another address got 200 within 3 tries ({string.Join(", ", r.Tries.Select(t => (int)t))})"));

    public static IEnumerable<(bool Pass, string Text)> Verdicts(IReadOnlyList<FloodRow> rows, TimeSpan oneCheck)
    {
        // The refused floods; the right password's row is a thousand renders of /metrics, a load of its own (docs/reliability.md).
        foreach (var r in rows.Skip(1).SkipLast(1))
        {
            yield return (r.Cpu < oneCheck * Requests / 10, string.Create(CultureInfo.InvariantCulture,
                $"password flood, {r.Kind}: exporter CPU {r.Cpu.TotalMilliseconds:0} ms < a tenth of {Requests} unbounded checks ({oneCheck.TotalMilliseconds * Requests / 10:0} ms)"));
            yield return (r.LagP99 <= 0.1, string.Create(CultureInfo.InvariantCulture, $"password flood, {r.Kind}: schedule lag p99 {r.LagP99 * 1000:0.0} ms <= 100 ms"));
            yield return (r.ScrapesOk == r.Scrapes, $"password flood, {r.Kind}: every scrape with the right password answered 200 ({r.ScrapesOk} of {r.Scrapes})");
        }
    }

    private static async Task<FloodRow> FloodAsync(ExporterProber exporter, WebAccess web, string kind, Func<int, (string User, string Password)>? credentials)
    {
        var lagBefore = await LagAsync();
        var cpuBefore = ProcessStats.Cpu(exporter.Pid);
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();
        var scraper = ScrapeOftenAsync(exporter, stop.Token);
        var answers = new Dictionary<HttpStatusCode, int>();
        if (credentials is null)
        {
            await Task.Delay(TimeSpan.FromSeconds(10));
        }
        else
        {
            var next = -1;
            await Task.WhenAll(Enumerable.Range(0, Connections).Select(async _ =>
            {
                using var client = new HttpClient(web.Handler()) { BaseAddress = exporter.Client.BaseAddress };
                int i;
                while ((i = Interlocked.Increment(ref next)) < Requests)
                {
                    var (user, password) = credentials(i);
                    using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
                    request.Headers.Authorization = Basic(user, password);
                    using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                    lock (answers)
                    {
                        answers[response.StatusCode] = answers.GetValueOrDefault(response.StatusCode) + 1;
                    }
                }
            }));
        }

        var took = clock.Elapsed;
        await stop.CancelAsync();
        var (scrapes, ok, slowest) = await scraper;
        var cpu = ProcessStats.Cpu(exporter.Pid) - cpuBefore;
        var lag = (await LagAsync()).Since(lagBefore);
        var row = new FloodRow(kind, credentials is null ? 0 : Requests, answers, took, cpu, lag.Quantile(0.5), lag.Quantile(0.99), lag.MaxAtMost, scrapes, ok, slowest);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"   {kind}: {string.Join(", ", answers.Select(a => $"{a.Value} × {(int)a.Key}"))} in {took.TotalSeconds:0.0} s, CPU {cpu.TotalMilliseconds:0} ms, " +
            $"lag p50 {row.LagP50 * 1000:0.0} ms p99 {row.LagP99 * 1000:0.0} ms; scrapes {ok}/{scrapes} OK, slowest {slowest.TotalMilliseconds:0} ms"));
        return row;

        async Task<Histogram> LagAsync() => Scrape.Parse(await exporter.Client.GetStringAsync("/metrics")).Histogram("logcollector_exporter_schedule_lag_seconds");
    }

    /// <summary>
    /// Floods for 10 s from 127.0.0.1; from 1 s in, a scraper at 127.0.0.2 asks once a second with a user whose right
    /// password no request has used, until it gets 200 (at most 8 tries).
    /// </summary>
    private static async Task<NewcomerRow> NewcomerDuringFloodAsync(ExporterProber exporter, WebAccess web, X509Certificate2 certificate, string kind, string newcomer,
        Func<int, (string User, string Password)> credentials)
    {
        var cpuBefore = ProcessStats.Cpu(exporter.Pid);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var sent = 0;
        var flood = Task.WhenAll(Enumerable.Range(0, Connections).Select(async _ =>
        {
            using var client = new HttpClient(web.Handler()) { BaseAddress = exporter.Client.BaseAddress };
            while (!stop.IsCancellationRequested)
            {
                var (user, password) = credentials(Interlocked.Increment(ref sent));
                using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
                request.Headers.Authorization = Basic(user, password);
                try
                {
                    using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stop.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }));

        await Task.Delay(TimeSpan.FromSeconds(1));
        var handler = Trusting(certificate);
        handler.ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 0));
            await socket.ConnectAsync(context.DnsEndPoint.Host, context.DnsEndPoint.Port, cancellationToken);
            return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
        };
        using var scraper = new HttpClient(handler) { BaseAddress = exporter.Client.BaseAddress, Timeout = TimeSpan.FromSeconds(15) };
        var tries = new List<HttpStatusCode>();
        var clock = Stopwatch.StartNew();
        TimeSpan? firstOk = null;
        while (firstOk is null && tries.Count < 8)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
            request.Headers.Authorization = Basic(newcomer, Password);
            using var response = await scraper.SendAsync(request);
            tries.Add(response.StatusCode);
            firstOk = response.IsSuccessStatusCode ? clock.Elapsed : null;
            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        await flood;
        var row = new NewcomerRow(kind, sent, ProcessStats.Cpu(exporter.Pid) - cpuBefore, tries, firstOk);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"   10 s of {kind} ({sent:N0} requests, CPU {row.Cpu.TotalMilliseconds:0} ms): the newcomer at 127.0.0.2 got {string.Join(", ", tries.Select(t => (int)t))}"));
        return row;
    }

    private static async Task<(int Scrapes, int Ok, TimeSpan Slowest)> ScrapeOftenAsync(ExporterProber exporter, CancellationToken stop)
    {
        var (scrapes, ok, slowest) = (0, 0, TimeSpan.Zero);
        while (!stop.IsCancellationRequested)
        {
            var clock = Stopwatch.StartNew();
            using var response = await exporter.Client.GetAsync("/metrics", CancellationToken.None);
            await response.Content.ReadAsByteArrayAsync(CancellationToken.None);
            (scrapes, ok, slowest) = (scrapes + 1, ok + (response.IsSuccessStatusCode ? 1 : 0), clock.Elapsed > slowest ? clock.Elapsed : slowest);
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return (scrapes, ok, slowest);
    }

    /// <summary>The CPU of one bcrypt check of cost 10 on this machine, the median of five.</summary>
    private static TimeSpan OneBcrypt()
    {
        var hash = BCrypt.Net.BCrypt.HashPassword("x", BCrypt.Net.BCrypt.GenerateSalt(10, 'y'));
        var times = new List<TimeSpan>();
        for (var i = 0; i < 5; i++)
        {
            var before = Process.GetCurrentProcess().TotalProcessorTime;
            BCrypt.Net.BCrypt.Verify("y", hash);
            times.Add(Process.GetCurrentProcess().TotalProcessorTime - before);
        }

        return times.Order().ElementAt(2);
    }

    private static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));

    /// <summary>A handler that trusts this certificate alone, with keep-alive connections (as Prometheus keeps them).</summary>
    private static SocketsHttpHandler Trusting(X509Certificate2 certificate) => new()
    {
        SslOptions = new SslClientAuthenticationOptions
        {
            RemoteCertificateValidationCallback = (_, presented, _, _) => presented is not null && presented.GetRawCertData().AsSpan().SequenceEqual(certificate.RawData),
        },
    };
}
