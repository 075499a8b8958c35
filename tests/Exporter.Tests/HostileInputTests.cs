using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using LogCollectorExporter.Tests.Support;
using Xunit.Abstractions;
using static LogCollectorExporter.Tests.Support.Exposition;

namespace LogCollectorExporter.Tests;

/// <summary>
/// The findings of the hostile-client and careless-operator test of v2 (docs/security.md, "Tested as an attacker
/// would"), each reproduced as the test did: the built binary as its own process, real sockets on loopback, real files.
/// </summary>
public sealed class HostileInputTests(ITestOutputHelper output) : IDisposable
{
    private const int Sighup = 1;
    private const int Sigterm = 15;
    private static readonly NetworkCredential Prometheus = new("prometheus", "correct horse battery staple");

    private readonly TempDirectory directory = new();
    private readonly TestCertificateAuthority ca = new("hostile input test CA");
    private readonly Peer peer = Peer.Up();

    public void Dispose()
    {
        peer.Dispose();
        directory.Dispose();
    }

    public static TheoryData<string> Weakenings => ["users file emptied", "basic_auth_users: {}", "users section cut", "client certificate no longer required"];

    /// <summary>H1: the chart's layout, TLS in one file and the users in another; a reload that weakens access is refused.</summary>
    [Theory]
    [MemberData(nameof(Weakenings))]
    public async Task A_web_config_reload_that_weakens_access_control_is_refused_and_putting_it_back_ends_the_failure(string weakening)
    {
        var requireCertificate = weakening == "client certificate no longer required";
        var tls = directory.Write("tls.yml", TlsSection(requireCertificate));
        var usersSection = $"basic_auth_users:\n  {Prometheus.UserName}: '{await WebSecurityTests.HtpasswdAsync(Prometheus, cost: 5)}'\n";
        var users = directory.Write("users.yml", usersSection);
        var clientCertificate = requireCertificate ? ca.IssueClient() : null;
        await using var exporter = ExporterProcess.Start(["--config", ConfigFile(), "--web.config.file", tls, "--web.config.file", users], scheme: "https");
        var address = await exporter.ListeningAsync();
        using var scraper = ca.Client(address, clientCertificate, credentials: Prometheus);
        using var anonymous = ca.Client(address);
        using var withPasswordOnly = ca.Client(address, credentials: Prometheus);
        var refused = requireCertificate ? HttpStatusCode.Forbidden : HttpStatusCode.Unauthorized;
        var asked = requireCertificate ? withPasswordOnly : anonymous;
        Assert.Equal(refused, (await asked.GetAsync("/metrics")).StatusCode);

        switch (weakening)
        {
            case "users file emptied":
                File.WriteAllText(users, "");
                break;
            case "basic_auth_users: {}":
                File.WriteAllText(users, "basic_auth_users: {}\n");
                break;
            case "users section cut":
                File.WriteAllText(users, "# basic_auth_users: cut off\n");
                break;
            default:
                File.WriteAllText(tls, TlsSection(requireCertificate: false));
                break;
        }

        await Eventually.TrueAsync(async () => Value(await scraper.GetStringAsync("/metrics"), "logcollector_exporter_web_config_last_reload_successful") == 0,
            "the weakening reload refused");
        Assert.Equal(refused, (await asked.GetAsync("/metrics")).StatusCode);
        Assert.Equal(refused, (await asked.PostAsync("/-/reload", null)).StatusCode);
        Assert.Contains("keeps serving", exporter.Output, StringComparison.Ordinal);

        // L1: the files put back end the failed state, without a POST.
        File.WriteAllText(users, usersSection);
        File.WriteAllText(tls, TlsSection(requireCertificate));
        await Eventually.TrueAsync(async () => Value(await scraper.GetStringAsync("/metrics"), "logcollector_exporter_web_config_last_reload_successful") == 1,
            "the files put back");
        Assert.Equal(refused, (await asked.GetAsync("/metrics")).StatusCode);
    }

    /// <summary>M4: a new wrong password on every request from 127.0.0.1, and a scraper at 127.0.0.2 whose password was never checked.</summary>
    [Fact]
    public async Task A_flood_of_new_wrong_passwords_from_one_address_does_not_keep_out_another_address_with_the_right_password()
    {
        var tls = directory.Write("web.yml", TlsSection(requireCertificate: false) +
            $"basic_auth_users:\n  {Prometheus.UserName}: '{await WebSecurityTests.HtpasswdAsync(Prometheus, cost: 10)}'\n");
        await using var exporter = ExporterProcess.Start(["--config", ConfigFile(), "--web.config.file", tls], scheme: "https");
        var address = await exporter.ListeningAsync();

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(12));
        // Four connections are enough to ask for every refill of the budget first; twenty would only load the machine.
        using var flooder = From(IPAddress.Loopback, address, maxConnections: 4);
        var guesses = 0;
        var flood = Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
                request.Headers.Authorization = Basic(Prometheus.UserName, $"guess {Interlocked.Increment(ref guesses)}");
                try
                {
                    using var response = await flooder.SendAsync(request, stop.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }));

        await Task.Delay(TimeSpan.FromSeconds(1));
        using var scraper = From(IPAddress.Parse("127.0.0.2"), address, maxConnections: 1);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 8; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
            request.Headers.Authorization = Basic(Prometheus.UserName, Prometheus.Password!);
            using var response = await scraper.SendAsync(request);
            statuses.Add(response.StatusCode);
            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        await stop.CancelAsync();
        await flood;
        output.WriteLine($"{guesses} wrong guesses; the scraper got {string.Join(", ", statuses.Select(s => (int)s))}");
        Assert.True(guesses > 1000, $"only {guesses} guesses: not a flood");
        Assert.Contains(HttpStatusCode.OK, statuses.Take(5));
        Assert.All(statuses.SkipWhile(s => s != HttpStatusCode.OK), s => Assert.Equal(HttpStatusCode.OK, s));
    }

    /// <summary>M1: a saved Panorama configuration of nothing but nesting (in a section the import skips), and of nothing but attributes.</summary>
    [Theory]
    [InlineData("nesting", "elements nested more than 128 deep")]
    [InlineData("attributes", "a tag longer than 16 KiB")]
    public async Task A_saved_configuration_of_a_hostile_shape_is_refused_in_bounded_memory_with_a_short_message(string shape, string expected)
    {
        var xml = directory.Write("panorama.xml", "");
        await using (var file = new StreamWriter(xml))
        {
            await file.WriteAsync("<config><devices><entry name='localhost.localdomain'/></devices><templates>" + (shape == "nesting" ? "" : "<a"));
            for (var i = 0; i < 1_000_000; i++)
            {
                await file.WriteAsync(shape == "nesting" ? "<a>" : $" x{i}=\"\"");
            }

            await file.WriteAsync(shape == "nesting" ? "</templates></config>" : "/></templates></config>");
        }

        var config = directory.Write("collectors.yaml", $"panorama:\n  - configFile: {xml}\n");

        var (exitCode, text, peakKb) = await PeakMemoryAsync(Tools.Exporter, "--check-config", config);

        output.WriteLine($"peak RSS {peakKb} KB: {text}");
        Assert.Equal(2, exitCode);
        Assert.Contains(expected, text, StringComparison.Ordinal);
        Assert.InRange(text.Length, 1, 500);
        Assert.InRange(peakKb, 1, 128 * 1024);
    }

    /// <summary>M1: a 32 MiB answer of nesting, under the size cap, from a live Panorama whose last import was good.</summary>
    [Fact]
    public async Task A_nested_live_answer_keeps_the_exporter_bounded_and_its_last_good_import()
    {
        const string Key = "LUFRPT1+Other/Secret=Key+9876543210fedcba/ABC==";
        await using var panorama = await StandInPanorama.StartAsync(ca.IssueServer("panorama.test", "localhost"), Key, PanoramaConfigs.Estate(3, 2, 2));
        var keyFile = directory.Write("api-key", Key);
        ca.WriteCertificate(Path.Combine(directory.Path, "ca.pem"));
        var config = directory.Write("collectors.yaml", $"panorama:\n  - {{url: \"{panorama.Url}\", apiKeyFile: api-key, caFile: ca.pem, refresh: 10m}}\n");
        await using var exporter = ExporterProcess.Start(["--config", config]);
        using var client = new HttpClient { BaseAddress = await exporter.ListeningAsync() };
        await Eventually.TrueAsync(async () => Samples(await client.GetStringAsync("/metrics"), "logcollector_group_collectors").Length == 3, "the first import");

        panorama.Misbehave = async context =>
        {
            context.Response.ContentType = "application/xml";
            var chunk = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("<a>", 1024)));
            await context.Response.Body.WriteAsync("<response status=\"success\"><result>"u8.ToArray());
            for (var sent = 0; sent < 32 * 1024 * 1024 - 4096; sent += chunk.Length)
            {
                await context.Response.Body.WriteAsync(chunk);
            }
        };

        // A new key file is fetched with at once.
        File.WriteAllText(keyFile, Key + "=");
        var text = "";
        await Eventually.TrueAsync(async () => Value(text = await client.GetStringAsync("/metrics"), "logcollector_exporter_source_last_import_successful",
            L("source", panorama.Url.GetLeftPart(UriPartial.Path).TrimEnd('/'))) == 0, "the nested answer refused");

        var peak = ProcessStats.PeakRssMiB(exporter.Id);
        output.WriteLine($"VmHWM {peak:F1} MiB\n{exporter.Output}");
        Assert.Equal(3, Samples(text, "logcollector_group_collectors").Length);
        Assert.InRange(peak, double.Epsilon, 128);
        await Eventually.TrueAsync(() => exporter.Output.Contains("the last good import is kept: line 1: is not a Panorama configuration: elements nested more than 128 deep", StringComparison.Ordinal),
            "the refusal logged");
    }

    /// <summary>M2: a 10 MB value in the YAML, and a 2 MB broken saved Panorama configuration given to a running exporter.</summary>
    [Fact]
    public async Task Errors_are_short_on_stderr_in_the_reload_answer_in_the_status_and_in_the_log()
    {
        var huge = directory.Write("huge.yaml", $"groups: [{{name: g, collectors: [{{address: \"{new string('a', 10_000_000)}\"}}]}}]\n");
        var (exitCode, stderr) = await Tools.RunAsync(Tools.Exporter, ["--check-config", huge]);
        Assert.Equal(2, exitCode);
        Assert.InRange(stderr.Length, 1, 16 * 1024);

        var config = directory.Write("collectors.yaml", Config());
        await using var exporter = ExporterProcess.Start(["--config", config]);
        using var client = new HttpClient { BaseAddress = await exporter.ListeningAsync() };
        var broken = directory.Write("panorama.xml", "<config><devices><entry name='localhost.localdomain'/></devices><templates>" + string.Concat(Enumerable.Repeat("<a>", 700_000)));
        File.WriteAllText(config, Config() + $"panorama:\n  - configFile: {broken}\n");

        // A saved configuration that does not read is a failed import of its source, as a live source's would be.
        using var reload = await client.PostAsync("/-/reload", null);
        var answer = await reload.Content.ReadAsStringAsync();
        var status = await client.GetStringAsync("/api/v1/status");
        await Eventually.TrueAsync(() => exporter.Output.Contains("import failed, nothing imported yet", StringComparison.Ordinal), "the failed import logged");

        Assert.True(new FileInfo(broken).Length > 2_000_000);
        Assert.Contains("elements nested more than 128 deep", status, StringComparison.Ordinal);
        Assert.InRange(answer.Length, 1, 16 * 1024);
        Assert.InRange(status.Length, 1, 32 * 1024);
        Assert.All(exporter.Output.Split('\n'), line => Assert.InRange(line.Length, 0, 16 * 1024));
    }

    /// <summary>M3: 3,000 collectors (a 6.5 MB /metrics) and a client that asks for it and never reads; then a FIFO as the configuration.</summary>
    [Theory]
    [InlineData("an unread /metrics")]
    [InlineData("a FIFO as the configuration file")]
    public async Task SIGTERM_exits_0_within_5_s_whatever_clients_do(string doing)
    {
        var collectors = Enumerable.Range(0, 3000).Select(i => Configs.Collector($"lc-{i}", 20000 + i, serial: $"0092010{i:D5}"));
        var config = directory.Write("collectors.yaml", Configs.Group("interval: 5s, timeout: 1s", collectors));
        await using var exporter = ExporterProcess.Start(["--config", config]);
        var address = await exporter.ListeningAsync();
        using var client = new HttpClient { BaseAddress = address };
        await Eventually.TrueAsync(async () => (await client.GetAsync("/-/ready")).StatusCode == HttpStatusCode.OK, "every collector probed");

        using var slow = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        Task<HttpResponseMessage>? reload = null;
        if (doing == "an unread /metrics")
        {
            await slow.ConnectAsync(IPAddress.Loopback, address.Port);
            await slow.SendAsync("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"u8.ToArray());
        }
        else
        {
            File.Delete(config);
            Assert.Equal(0, (await Tools.RunAsync("mkfifo", [config])).ExitCode);
            reload = client.PostAsync("/-/reload", null);
        }

        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var stopwatch = Stopwatch.StartNew();
        exporter.Signal(Sigterm);
        var exited = await exporter.WaitForExitAsync(TimeSpan.FromSeconds(10));
        output.WriteLine($"{doing}: exit {(exited ? exporter.ExitCode : -1)} after {stopwatch.ElapsedMilliseconds} ms");

        Assert.True(exited);
        Assert.Equal(0, exporter.ExitCode);
        Assert.InRange(stopwatch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(5));
        Assert.DoesNotContain("Unhandled exception", exporter.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", exporter.Output, StringComparison.Ordinal);
        if (reload is not null)
        {
            // Refused at once, not opened: a FIFO would block the read until someone writes to it.
            Assert.Contains("is a FIFO (a named pipe), not a regular file", exporter.Output, StringComparison.Ordinal);
            await Assert.ThrowsAnyAsync<Exception>(async () => (await reload).EnsureSuccessStatusCode());
        }
    }

    /// <summary>
    /// L7: SIGHUPs every millisecond from the moment the process takes the signal (how early that is, after exec, is
    /// printed) through its start, and from 5 ms after SIGTERM through its stop. The NativeAOT binary is checked 5, 20
    /// and 50 ms after exec by tests/container/check.sh.
    /// </summary>
    [Fact]
    public async Task A_SIGHUP_at_any_moment_of_start_or_stop_is_a_reload_or_nothing()
    {
        var stopwatch = Stopwatch.StartNew();
        await using var exporter = ExporterProcess.Start(["--config", ConfigFile()]);
        while (!exporter.HasExited && !CatchesSighup(exporter.Id))
        {
            await Task.Yield();
        }

        var caught = stopwatch.Elapsed;
        var listening = exporter.ListeningAsync();
        var sent = 0;
        while (!listening.IsCompleted && !exporter.HasExited)
        {
            exporter.Signal(Sighup);
            sent++;
            await Task.Delay(1);
        }

        await listening;
        var duringStart = sent;
        exporter.Signal(Sigterm);
        await Task.Delay(5);
        while (!exporter.HasExited && sent < 100_000)
        {
            try
            {
                exporter.Signal(Sighup);
            }
            catch (Xunit.Sdk.EqualException) when (exporter.HasExited)
            {
                break;
            }

            sent++;
            await Task.Delay(1);
        }

        Assert.True(await exporter.WaitForExitAsync(TimeSpan.FromSeconds(10)));
        output.WriteLine($"SIGHUP taken {caught.TotalMilliseconds:F0} ms after the start; {sent} SIGHUPs sent, {duringStart} before it listened");
        Assert.Equal(0, exporter.ExitCode);

        // How many fit in the start depends on the machine's load; that some came before it listened does not.
        Assert.True(duringStart > 0);
    }

    /// <summary>L1: a typo saved with an atomic rename, then the original put back the same way.</summary>
    [Fact]
    public async Task A_configuration_put_back_sets_the_reload_metric_to_1_again_without_a_POST()
    {
        var original = Config();
        var config = directory.Write("collectors.yaml", original);
        await using var exporter = ExporterProcess.Start(["--config", config]);
        using var client = new HttpClient { BaseAddress = await exporter.ListeningAsync() };

        Replace(config, original.Replace("interval:", "intervall:", StringComparison.Ordinal));
        await Eventually.TrueAsync(async () => Value(await client.GetStringAsync("/metrics"), "logcollector_exporter_config_last_reload_successful") == 0, "the typo rejected");
        Replace(config, original);

        await Eventually.TrueAsync(async () => Value(await client.GetStringAsync("/metrics"), "logcollector_exporter_config_last_reload_successful") == 1, "the original put back");
        using var status = JsonDocument.Parse(await client.GetStringAsync("/api/v1/status"));
        Assert.True(status.RootElement.GetProperty("exporter").GetProperty("lastReload").GetProperty("successful").GetBoolean());
    }

    /// <summary>L5: an unchanged file is not read again, whatever its size; a path that is a device is not read at all.</summary>
    [Theory]
    [InlineData("a 50 MB saved Panorama configuration")]
    [InlineData("/dev/urandom")]
    public async Task Watching_a_file_that_does_not_change_reads_nothing_of_it(string file)
    {
        var config = directory.Write("collectors.yaml", Config());
        if (file == "/dev/urandom")
        {
            await using var running = ExporterProcess.Start(["--config", config]);
            await running.ListeningAsync();
            File.Delete(config);
            File.CreateSymbolicLink(config, "/dev/urandom");
            await AssertReadsLittleAsync(running);
            return;
        }

        var xml = directory.Write("panorama.xml", PanoramaConfigs.Estate(3, 2, 2).Replace("</config>", $"<templates>{new string('x', 50_000_000)}</templates></config>", StringComparison.Ordinal));
        File.WriteAllText(config, Config() + $"panorama:\n  - configFile: {xml}\n");
        await using var exporter = ExporterProcess.Start(["--config", config]);
        await exporter.ListeningAsync();
        await AssertReadsLittleAsync(exporter);

        async Task AssertReadsLittleAsync(ExporterProcess process)
        {
            // Once the change has settled and been compared; then 5 s of watching.
            await Task.Delay(TimeSpan.FromSeconds(4));
            var before = BytesRead(process.Id);
            await Task.Delay(TimeSpan.FromSeconds(5));
            var read = BytesRead(process.Id) - before;
            output.WriteLine($"{file}: {read:N0} bytes read in 5 s");
            Assert.InRange(read, 0, 1024 * 1024);
        }
    }

    /// <summary>L6: the first seven lines of a configuration (lc-1 only), 1.6 s later the rest (lc-2 too), written in place.</summary>
    [Fact]
    public async Task A_file_caught_half_written_is_not_applied()
    {
        var second = Peer.Up();
        try
        {
            var full = Configs.Group("interval: 1s, timeout: 500ms", [Configs.Collector("lc-1", peer.Port), Configs.Collector("lc-2", second.Port)]);
            var config = directory.Write("collectors.yaml", full);
            await using var exporter = ExporterProcess.Start(["--config", config]);
            using var client = new HttpClient { BaseAddress = await exporter.ListeningAsync() };
            await Eventually.TrueAsync(async () => Value(await client.GetStringAsync("/metrics"), "logcollector_up", L("collector", "lc-2")) == 1, "lc-2 up");

            // The same content, written again in two parts, as a slow copy would.
            var half = string.Join('\n', full.Split('\n').Take(full.Split('\n').Length - 2)) + "\n";
            var watch = Task.Run(async () =>
            {
                var seenWithout = false;
                for (var i = 0; i < 60; i++)
                {
                    seenWithout |= Value(await client.GetStringAsync("/metrics"), "logcollector_up", L("collector", "lc-2")) is null;
                    await Task.Delay(100);
                }

                return seenWithout;
            });
            File.WriteAllText(config, half);
            await Task.Delay(TimeSpan.FromSeconds(1.6));
            File.WriteAllText(config, full);

            Assert.False(await watch, "lc-2 was removed: the half-written file was applied");
            Assert.DoesNotContain("1 groups, 1 collectors", exporter.Output, StringComparison.Ordinal);
        }
        finally
        {
            second.Dispose();
        }
    }

    /// <summary>L8: control characters in a collector's name or serial, from YAML and from a saved Panorama configuration.</summary>
    [Theory]
    [InlineData("{name: \"lc\\e[31m\", address: 127.0.0.1}", "groups[0].collectors[0].name: \"lc\\u001B[31m\" has a control or format character")]
    [InlineData("{name: \"lc\\0\", address: 127.0.0.1}", "groups[0].collectors[0].name: \"lc\\u0000\" has a control or format character")]
    [InlineData("{name: \"lc\u202Etxt\", address: 127.0.0.1}", "groups[0].collectors[0].name: \"lc\\u202Etxt\" has a control or format character")]
    [InlineData("{name: lc, address: 127.0.0.1, serial: \"\\e]0;x\\a\"}", "groups[0].collectors[0].serial: \"\\u001B]0;x\\u0007\" has a control or format character")]
    public async Task A_collector_name_or_serial_with_a_control_character_is_a_configuration_error(string collector, string expected)
    {
        var config = directory.Write("collectors.yaml", $"groups: [{{name: g, collectors: [{collector}]}}]\n");

        var (exitCode, text) = await Tools.RunAsync(Tools.Exporter, ["--check-config", config]);

        Assert.Equal(2, exitCode);
        Assert.Contains($"{config}: {expected}", text, StringComparison.Ordinal);
        Assert.DoesNotContain(text, c => c is '\u001b' or '\0' or '\u202e' or '\u0007');
    }

    [Fact]
    public async Task A_serial_with_a_control_character_in_a_saved_Panorama_configuration_is_a_configuration_error()
    {
        var xml = directory.Write("panorama.xml", PanoramaConfigs.Estate(1, 1, 1).Replace(PanoramaConfigs.CollectorSerial(0), "lc\u202Etxt", StringComparison.Ordinal));
        var config = directory.Write("collectors.yaml", $"panorama:\n  - configFile: {xml}\n");

        var (exitCode, text) = await Tools.RunAsync(Tools.Exporter, ["--check-config", config]);

        Assert.Equal(2, exitCode);
        Assert.Contains("\"lc\\u202Etxt\" has a control or format character", text, StringComparison.Ordinal);
    }

    /// <summary>L9: every answer says its type and not to sniff it, the 404 that echoes <c>?group=</c> too.</summary>
    [Theory]
    [InlineData("/api/v1/status?group=%3Cscript%3Ealert(1)%3C/script%3E", HttpStatusCode.NotFound)]
    [InlineData("/?group=%3Cscript%3E", HttpStatusCode.NotFound)]
    [InlineData("/metrics", HttpStatusCode.OK)]
    [InlineData("/-/healthy", HttpStatusCode.OK)]
    [InlineData("/no-such-path", HttpStatusCode.NotFound)]
    public async Task Every_answer_has_a_content_type_and_nosniff(string path, HttpStatusCode expected)
    {
        await using var exporter = ExporterProcess.Start(["--config", ConfigFile()]);
        using var client = new HttpClient { BaseAddress = await exporter.ListeningAsync() };

        using var response = await client.GetAsync(path);

        Assert.Equal(expected, response.StatusCode);
        Assert.NotNull(response.Content.Headers.ContentType);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
    }

    /// <summary>L2: Panorama refuses the key and echoes it URL-escaped, lowercased and cut (a real key has + / =).</summary>
    [Fact]
    public async Task The_API_key_is_redacted_in_every_spelling_Panorama_echoes()
    {
        const string Key = "LUFRPT1+Other/Secret=Key+9876543210fedcba/ABC==";
        await using var panorama = await StandInPanorama.StartAsync(ca.IssueServer("panorama.test", "localhost"), Key, PanoramaConfigs.Estate(3, 2, 2));
        panorama.Misbehave = context =>
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return context.Response.WriteAsync($"<response status=\"error\" code=\"403\"><result><msg>bad key {Uri.EscapeDataString(Key)} " +
                $"lower {Key.ToLowerInvariant()} start {Key[..20]} raw {Key}</msg></result></response>");
        };
        directory.Write("api-key", Key);
        ca.WriteCertificate(Path.Combine(directory.Path, "ca.pem"));
        var config = directory.Write("collectors.yaml", Config() + $"panorama:\n  - {{url: \"{panorama.Url}\", apiKeyFile: api-key, caFile: ca.pem}}\n");
        await using var exporter = ExporterProcess.Start(["--config", config]);
        using var client = new HttpClient { BaseAddress = await exporter.ListeningAsync() };
        await Eventually.TrueAsync(() => exporter.Output.Contains("bad key", StringComparison.Ordinal), "the refusal logged");

        // What a reader sees: the status's strings decoded from JSON, the page's text decoded from HTML.
        using var status = JsonDocument.Parse(await client.GetStringAsync("/api/v1/status"));
        var everything = string.Join('\n', exporter.Output, Strings(status.RootElement), WebUtility.HtmlDecode(await client.GetStringAsync("/")),
            await client.GetStringAsync("/metrics"));

        Assert.Contains("bad key <api key> lower <api key> start <api key> raw <api key>", everything, StringComparison.Ordinal);
        foreach (var spelling in new[] { Key, Uri.EscapeDataString(Key), Key.ToLowerInvariant(), Key[..20], Key[^12..] })
        {
            Assert.DoesNotContain(spelling, everything, StringComparison.OrdinalIgnoreCase);
        }
    }

    private string Config() => Configs.Group([peer.Port], probe: "interval: 1s, timeout: 500ms");

    private string ConfigFile() => directory.Write("collectors.yaml", Config());

    /// <summary>Every string value of a JSON document, decoded.</summary>
    private static string Strings(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString()!,
        JsonValueKind.Object => string.Join('\n', element.EnumerateObject().Select(p => Strings(p.Value))),
        JsonValueKind.Array => string.Join('\n', element.EnumerateArray().Select(Strings)),
        _ => "",
    };

    /// <summary>A <c>tls_server_config</c> section with a server certificate of the test's CA, made once.</summary>
    private string TlsSection(bool requireCertificate)
    {
        if (!File.Exists(Path.Combine(directory.Path, "server.crt")))
        {
            TestCertificateAuthority.Write(ca.IssueServer(), Path.Combine(directory.Path, "server.crt"), Path.Combine(directory.Path, "server.key"));
        }

        var clientCa = ca.WriteCertificate(Path.Combine(directory.Path, "ca.crt"));
        var clientAuth = requireCertificate ? $"\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: {clientCa}" : "";
        return $"tls_server_config:\n  cert_file: server.crt\n  key_file: server.key{clientAuth}\n";
    }

    /// <summary>Replaces a file as an editor does: a new file renamed over it.</summary>
    private static void Replace(string path, string content)
    {
        var next = path + ".new";
        File.WriteAllText(next, content);
        File.Move(next, path, overwrite: true);
    }

    /// <summary>Bytes the process has read through read() and the like (/proc/PID/io rchar), files and sockets.</summary>
    private static long BytesRead(int pid) => long.Parse(File.ReadLines($"/proc/{pid}/io").First(l => l.StartsWith("rchar:", StringComparison.Ordinal))[6..].Trim(),
        CultureInfo.InvariantCulture);

    /// <summary>Whether the process has a handler for SIGHUP (/proc/PID/status SigCgt).</summary>
    private static bool CatchesSighup(int pid)
    {
        try
        {
            var caught = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("SigCgt:", StringComparison.Ordinal))[7..].Trim();
            return (ulong.Parse(caught, NumberStyles.HexNumber, CultureInfo.InvariantCulture) & (1UL << (Sighup - 1))) != 0;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Runs a program to completion under GNU time; its output and its peak resident memory.</summary>
    private static async Task<(int ExitCode, string Output, long PeakKb)> PeakMemoryAsync(string program, params string[] args)
    {
        var report = Path.GetTempFileName();
        try
        {
            var (exitCode, text) = await Tools.RunAsync("time", ["-f", "%M", "-o", report, program, .. args]);
            return (exitCode, text, long.Parse(File.ReadAllText(report).Trim().Split('\n')[^1], CultureInfo.InvariantCulture));
        }
        finally
        {
            File.Delete(report);
        }
    }

    /// <summary>A client whose connections come from <paramref name="source"/> and which trusts any server certificate (a loopback test).</summary>
    private static HttpClient From(IPAddress source, Uri address, int maxConnections) => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = maxConnections,
        SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(source, 0));
            await socket.ConnectAsync(context.DnsEndPoint.Host, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        },
    })
    {
        BaseAddress = address,
        Timeout = TimeSpan.FromSeconds(20),
    };

    private static AuthenticationHeaderValue Basic(string user, string password) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
}
