using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using LogCollectorExporter.Tests.Support;
using LogCollectorExporter.Web;

namespace LogCollectorExporter.Tests;

/// <summary>The HTTP side under hostile or careless clients: wrong methods, bodies, huge or slow requests, too many connections, failures inside.</summary>
public sealed class HttpHardeningTests : IDisposable
{
    private readonly TempDirectory directory = new();
    private readonly Peer peer = Peer.Up();

    public void Dispose()
    {
        peer.Dispose();
        directory.Dispose();
    }

    [Theory]
    [InlineData("GET", "/", HttpStatusCode.OK)]
    [InlineData("HEAD", "/", HttpStatusCode.OK)]
    [InlineData("GET", "/metrics", HttpStatusCode.OK)]
    [InlineData("HEAD", "/metrics", HttpStatusCode.OK)]
    [InlineData("GET", "/api/v1/status", HttpStatusCode.OK)]
    [InlineData("HEAD", "/api/v1/status", HttpStatusCode.OK)]
    [InlineData("GET", "/-/healthy", HttpStatusCode.OK)]
    [InlineData("HEAD", "/-/healthy", HttpStatusCode.OK)]
    [InlineData("HEAD", "/-/ready", HttpStatusCode.OK)]
    [InlineData("POST", "/-/reload", HttpStatusCode.OK)]
    [InlineData("POST", "/metrics", HttpStatusCode.MethodNotAllowed)]
    [InlineData("PUT", "/", HttpStatusCode.MethodNotAllowed)]
    [InlineData("DELETE", "/-/reload", HttpStatusCode.MethodNotAllowed)]
    [InlineData("GET", "/-/reload", HttpStatusCode.MethodNotAllowed)]
    [InlineData("OPTIONS", "/metrics", HttpStatusCode.MethodNotAllowed)]
    [InlineData("TRACE", "/", HttpStatusCode.MethodNotAllowed)]
    [InlineData("GET", "/probe", HttpStatusCode.NotFound)]
    [InlineData("GET", "/metrics/extra", HttpStatusCode.NotFound)]
    [InlineData("GET", "/index.html", HttpStatusCode.NotFound)]
    [InlineData("POST", "/-/quit", HttpStatusCode.NotFound)]
    public async Task Only_the_documented_paths_and_methods_answer(string method, string path, HttpStatusCode expected)
    {
        await using var exporter = await StartAsync();
        await exporter.WaitForMetricsAsync(m => m.Contains("logcollector_up{", StringComparison.Ordinal), TimeSpan.FromSeconds(20), "the first probe");

        using var response = await exporter.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));

        Assert.Equal(expected, response.StatusCode);
        if (expected == HttpStatusCode.MethodNotAllowed)
        {
            Assert.NotEmpty(response.Content.Headers.Allow);
            Assert.DoesNotContain(method, response.Content.Headers.Allow);
        }
    }

    [Theory]
    [InlineData("Content-Length: 10\r\n\r\ngroups: []")]
    [InlineData("Transfer-Encoding: chunked\r\n\r\na\r\ngroups: []\r\n0\r\n\r\n")]
    public async Task A_reload_request_with_a_body_is_rejected_and_reloads_nothing(string bodyAndHeaders)
    {
        await using var exporter = await StartAsync();
        using var client = await ConnectAsync(exporter);

        await client.SendAsync(Encoding.ASCII.GetBytes($"POST /-/reload HTTP/1.1\r\nHost: 127.0.0.1\r\n{bodyAndHeaders}"));
        var answer = await ReadUntilClosedAsync(client, TimeSpan.FromSeconds(10), stopAfter: "file.\n");

        Assert.StartsWith("HTTP/1.1 413 Payload Too Large\r\n", answer, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\nPOST /-/reload takes no body: the configuration is read from its file.\n", answer, StringComparison.Ordinal);
        var status = JsonDocument.Parse(await exporter.Client.GetStringAsync("/api/v1/status")).RootElement;
        Assert.Equal("start", status.GetProperty("exporter").GetProperty("lastReload").GetProperty("trigger").GetString());
    }

    [Fact]
    public async Task Oversized_request_lines_and_headers_are_rejected()
    {
        await using var exporter = await StartAsync();

        using var longLine = await exporter.Client.GetAsync("/metrics?" + new string('a', 5000));
        using var bigHeader = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        bigHeader.Headers.Add("X-Padding", new string('a', 20_000));
        using var bigHeaderAnswer = await exporter.Client.SendAsync(bigHeader);
        using var manyHeaders = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        for (var i = 0; i < 100; i++)
        {
            manyHeaders.Headers.Add($"X-Header-{i}", "a");
        }

        using var manyHeadersAnswer = await exporter.Client.SendAsync(manyHeaders);

        Assert.Equal(HttpStatusCode.RequestUriTooLong, longLine.StatusCode);
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, bigHeaderAnswer.StatusCode);
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, manyHeadersAnswer.StatusCode);
        Assert.Equal(HttpStatusCode.OK, await exporter.StatusOfAsync("/-/healthy"));
    }

    [Fact]
    public async Task A_client_that_sends_its_headers_too_slowly_is_disconnected()
    {
        await using var exporter = await StartAsync();
        using var client = await ConnectAsync(exporter);
        await client.SendAsync(Encoding.ASCII.GetBytes("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n"));

        var clock = Stopwatch.StartNew();
        var answer = await ReadUntilClosedAsync(client, TimeSpan.FromSeconds(30));
        clock.Stop();

        // Kestrel checks its timeouts once a second: the connection ends between the timeout and a little after it.
        Assert.InRange(clock.Elapsed, WebSetup.RequestHeadersTimeout - TimeSpan.FromSeconds(1), WebSetup.RequestHeadersTimeout + TimeSpan.FromSeconds(10));
        Assert.True(answer.Length == 0 || answer.StartsWith("HTTP/1.1 408", StringComparison.Ordinal), answer);
    }

    [Fact]
    public async Task Connections_beyond_the_limit_are_turned_away_and_the_exporter_answers_again_once_they_are_gone()
    {
        await using var exporter = await StartAsync();
        var idle = new List<Socket>();
        try
        {
            for (var i = 0; i < HostSetup.MaxConnections; i++)
            {
                idle.Add(await ConnectAsync(exporter));
            }

            // Kestrel counts a connection once it has accepted it.
            await Task.Delay(500);
            using var extra = await ConnectAsync(exporter);
            await extra.SendAsync(Encoding.ASCII.GetBytes("GET /-/healthy HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
            var answer = await ReadUntilClosedAsync(extra, TimeSpan.FromSeconds(10));

            Assert.DoesNotContain("200 OK", answer, StringComparison.Ordinal);
        }
        finally
        {
            foreach (var socket in idle)
            {
                socket.Dispose();
            }
        }

        await Eventually.TrueAsync(async () => await StatusOrNullAsync(exporter, "/-/healthy") == HttpStatusCode.OK, "answers once the idle connections are gone");
    }

    [Fact]
    public async Task A_failing_endpoint_answers_500_with_no_details_even_in_Development()
    {
        var clock = new BreakableClock();
        var log = new LogCapture();
        var config = directory.Write("collectors.yaml", Configs.Group([peer.Port], probe: "interval: 60s, timeout: 500ms"));
        await using var exporter = await RunningExporter.StartAsync(["--config", config, "--environment", "Development"], builder =>
        {
            builder.Services.AddSingleton<TimeProvider>(clock);
            builder.Logging.AddProvider(log);
        });
        await Eventually.TrueAsync(async () => await exporter.StatusOfAsync("/-/ready") == HttpStatusCode.OK, "the first probe done");

        // The status page reads the clock: a clock that fails makes the page fail, and nothing else (the next probe is a minute away).
        clock.Broken = true;
        using var response = await exporter.Client.GetAsync("/");
        clock.Broken = false;
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("The exporter failed to answer this request; its log says why.\n", body);
        Assert.True(log.Contains("InvalidOperationException: internal detail 7f3a"), "the exception is in the log");
        Assert.Equal(HttpStatusCode.OK, await exporter.StatusOfAsync("/"));
    }

    [Fact]
    public async Task Concurrent_scrapes_share_renders_and_all_get_an_answer()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var (renders, rendering, overlapped, held, arrived) = (0, 0, 0, 0, 0);
        using var release = new ManualResetEventSlim();
        registry.AddBeforeCollectCallback(() =>
        {
            Interlocked.Increment(ref renders);
            if (Interlocked.Increment(ref rendering) > 1)
            {
                Volatile.Write(ref overlapped, 1);
            }

            // The first render of the burst is held until every request has arrived, so that which render each one
            // shares does not depend on how fast the machine sends them; the others take a while, as one of a
            // thousand collectors does.
            if (Interlocked.Exchange(ref held, 0) == 1)
            {
                release.Wait(Eventually.Patience);
            }
            else
            {
                Thread.Sleep(20);
            }

            Interlocked.Decrement(ref rendering);
        });
        var config = directory.Write("collectors.yaml", Configs.Group([peer.Port], probe: "interval: 1s, timeout: 500ms"));
        await using var exporter = await RunningExporter.StartAsync(["--config", config], builder => builder.Services
            .AddSingleton(registry)
            .AddSingleton<IStartupFilter>(new CountRequests("/metrics", () => Interlocked.Increment(ref arrived))));
        await exporter.WaitForMetricsAsync(m => m.Contains("logcollector_up{", StringComparison.Ordinal), TimeSpan.FromSeconds(20), "the first probe");
        var before = Volatile.Read(ref renders);
        var arrivedBefore = Volatile.Read(ref arrived);
        Volatile.Write(ref held, 1);

        var scrapes = Task.WhenAll(Enumerable.Range(0, 100).Select(_ => exporter.Client.GetAsync("/metrics")));
        await Eventually.TrueAsync(() => Volatile.Read(ref arrived) - arrivedBefore == 100, "the 100 scrapes arrived");
        release.Set();
        var answers = await scrapes;

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.StatusCode));
        Assert.All(answers, a => Assert.Equal("text/plain; version=0.0.4; charset=utf-8", a.Content.Headers.ContentType!.ToString()));

        // The held render, and the next one for every scrape that arrived while it ran (a straggler between arriving and
        // asking for its render may start a third).
        Assert.InRange(Volatile.Read(ref renders) - before, 2, 3);
        Assert.Equal(0, Volatile.Read(ref overlapped));
    }

    /// <summary>Counts the requests for a path as they enter the pipeline, before anything of the exporter's runs.</summary>
    private sealed class CountRequests(string path, Action arrived) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, nextMiddleware) =>
            {
                if (context.Request.Path == path)
                {
                    arrived();
                }

                await nextMiddleware(context);
            });
            next(app);
        };
    }

    [Fact]
    public async Task A_scraper_that_prefers_OpenMetrics_gets_OpenMetrics()
    {
        await using var exporter = await StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.TryAddWithoutValidation("Accept", "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.4,*/*;q=0.1");

        using var response = await exporter.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal("application/openmetrics-text; version=1.0.0; charset=utf-8", response.Content.Headers.ContentType!.ToString());
        Assert.EndsWith("# EOF\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE logcollector_probes counter", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_secret_from_the_environment_shows_in_any_answer()
    {
        const string Secret = "sekret-7f3a9c";
        var good = Configs.Group([peer.Port], probe: "interval: 1s, timeout: 500ms");
        var config = directory.Write("collectors.yaml", good);
        await using var exporter = ExporterProcess.Start(["--config", config], new Dictionary<string, string>
        {
            // Spans go to a loopback port where nothing listens; the header with a key must never be shown.
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:9",
            ["OTEL_EXPORTER_OTLP_HEADERS"] = $"api-key={Secret}",
            ["ASPNETCORE_ENVIRONMENT"] = "Development",
        });
        using var client = new HttpClient { BaseAddress = await exporter.ListeningAsync() };
        await Eventually.TrueAsync(async () => (await client.GetStringAsync("/metrics")).Contains("logcollector_up{", StringComparison.Ordinal), "probed");

        var answers = new List<string>();
        foreach (var path in new[] { "/", "/api/v1/status", "/metrics", "/-/healthy", "/-/ready", "/nowhere" })
        {
            answers.Add(await (await client.GetAsync(path)).Content.ReadAsStringAsync());
        }

        File.WriteAllText(config, "groups: [{name: g, collectors: [{address: 127.0.0.1, port: 0}]}]\n");
        answers.Add(await (await client.PostAsync("/-/reload", null)).Content.ReadAsStringAsync());
        answers.Add(await client.GetStringAsync("/"));

        Assert.Contains(answers, a => a.Contains("groups[0].collectors[0].port", StringComparison.Ordinal));
        Assert.All(answers, a => Assert.DoesNotContain(Secret, a, StringComparison.Ordinal));
        Assert.All(answers, a => Assert.DoesNotContain("   at ", a, StringComparison.Ordinal));
    }

    private async Task<RunningExporter> StartAsync()
    {
        var config = directory.Write("collectors.yaml", Configs.Group([peer.Port], probe: "interval: 1s, timeout: 500ms"));
        return await RunningExporter.StartAsync(config);
    }

    private static async Task<Socket> ConnectAsync(RunningExporter exporter)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, exporter.Client.BaseAddress!.Port);
        return socket;
    }

    /// <summary>What the server sends until it closes the connection (or resets it, or sends <paramref name="stopAfter"/>), within the time given.</summary>
    private static async Task<string> ReadUntilClosedAsync(Socket socket, TimeSpan within, string? stopAfter = null)
    {
        using var cancel = new CancellationTokenSource(within);
        var received = new StringBuilder();
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, cancel.Token)) > 0)
            {
                received.Append(Encoding.ASCII.GetString(buffer, 0, read));
                if (stopAfter is not null && received.ToString().EndsWith(stopAfter, StringComparison.Ordinal))
                {
                    break;
                }
            }
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            // Closed with RST: also closed.
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"the server kept the connection open for {within.TotalSeconds} s; it sent: {received}");
        }

        return received.ToString();
    }

    private static async Task<HttpStatusCode?> StatusOrNullAsync(RunningExporter exporter, string path)
    {
        try
        {
            return await exporter.StatusOfAsync(path);
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }

    /// <summary>The system clock, or one that throws while <see cref="Broken"/> is set.</summary>
    private sealed class BreakableClock : TimeProvider
    {
        private volatile bool broken;

        public bool Broken
        {
            get => broken;
            set => broken = value;
        }

        public override DateTimeOffset GetUtcNow() => Broken ? throw new InvalidOperationException("internal detail 7f3a") : base.GetUtcNow();
    }
}
