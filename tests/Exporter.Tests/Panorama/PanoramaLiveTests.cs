using System.Collections.Concurrent;
using System.IO.Compression;
using System.Text;
using LogCollectorExporter.Configuration;
using LogCollectorExporter.Panorama;
using LogCollectorExporter.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace LogCollectorExporter.Tests;

/// <summary><c>panorama: - url:</c> against a stand-in Panorama: real HTTPS on loopback, with a CA the test makes.</summary>
public sealed class PanoramaLiveTests : IAsyncLifetime
{
    private const string Key = "LUFRPT1TestKeyNotARealOneZ2Vu=";

    private readonly TempDirectory directory = new();
    private readonly TestCertificateAuthority ca = new("logcollector-exporter test CA");
    private StandInPanorama panorama = null!;

    public async Task InitializeAsync()
    {
        panorama = await StandInPanorama.StartAsync(ca.IssueServer("panorama.test"), Key, PanoramaConfigs.Estate(3, 2, 2));
        directory.Write("api-key", Key + "\n");
        ca.WriteCertificate(Path.Combine(directory.Path, "ca.pem"));
    }

    public async Task DisposeAsync()
    {
        await panorama.DisposeAsync();
        directory.Dispose();
    }

    [Fact]
    public async Task With_the_right_key_it_reads_the_collector_groups_and_the_managed_collectors_with_the_key_in_a_header_only()
    {
        var content = await FetchAsync();

        Assert.Equal(
            [
                $"{PanoramaConfigs.FirewallSerial(0)}: {string.Join(", ", content.CollectorGroups[0].Firewalls[0].Collectors)}",
            ],
            content.CollectorGroups[0].Firewalls.Take(1).Select(f => $"{f.Serial}: {string.Join(", ", f.Collectors)}"));
        Assert.Equal(3, content.CollectorGroups.Single().Firewalls.Count);
        Assert.Equal("127.0.0.2", content.Collectors[PanoramaConfigs.CollectorSerial(1)].System.ManagementAddress.Ip4);
        Assert.Equal(
            [
                "/api/?type=config&action=show&xpath=%2Fconfig%2Fdevices%2Fentry%5B%40name%3D%27localhost.localdomain%27%5D%2Flog-collector-group",
                "/api/?type=config&action=show&xpath=%2Fconfig%2Fdevices%2Fentry%5B%40name%3D%27localhost.localdomain%27%5D%2Flog-collector",
            ],
            panorama.Requests.Select(r => r.PathAndQuery));
        Assert.All(panorama.Requests, r => Assert.True(r.KeyInHeader));
        Assert.DoesNotContain(panorama.Requests, r => r.PathAndQuery.Contains(Key, StringComparison.Ordinal));
    }

    [Fact]
    public async Task PanoramaSerial_adds_Panoramas_own_management_address()
    {
        var content = await FetchAsync("panoramaSerial: \"000710009999\"");

        Assert.Equal("127.0.0.250", content.Panorama.ManagementAddress.Ip4);
        Assert.Equal(3, panorama.Requests.Count);
        Assert.EndsWith("%2Fdeviceconfig%2Fsystem", panorama.Requests.Last().PathAndQuery, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_key_is_refused_with_403_and_the_error_says_what_Panorama_said_without_the_key()
    {
        directory.Write("api-key", "LUFRPT1WrongKeyQ2hhbmdlTWU=");

        var error = await FetchErrorAsync();

        Assert.Equal("HTTP 403 Forbidden (log-collector-group): Panorama answered status \"error\" (code 403): Invalid Credential", error);
    }

    [Fact]
    public async Task The_key_file_is_read_again_for_every_fetch()
    {
        directory.Write("api-key", "LUFRPT1WrongKeyQ2hhbmdlTWU=");
        await FetchErrorAsync();
        directory.Write("api-key", Key);

        var content = await FetchAsync();

        Assert.Equal(3, content.CollectorGroups.Single().Firewalls.Count);
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("two\nlines", "holds characters that are not in an API key")]
    public async Task A_key_file_that_holds_no_key_is_an_import_error(string key, string expected)
    {
        directory.Write("api-key", key);

        var error = await FetchErrorAsync();

        Assert.Equal($"apiKeyFile {Path.Combine(directory.Path, "api-key")} {expected}{(expected.StartsWith("holds", StringComparison.Ordinal) ? " (spaces, line breaks or other than ASCII)" : "")}", error);
        Assert.Empty(panorama.Requests);
    }

    [Fact]
    public async Task A_key_file_larger_than_any_key_is_an_import_error()
    {
        directory.Write("api-key", new string('A', (16 * 1024) + 1));

        var error = await FetchErrorAsync();

        Assert.Equal($"apiKeyFile {Path.Combine(directory.Path, "api-key")} is larger than 16 KiB, which no API key is", error);
        Assert.Empty(panorama.Requests);
    }

    [Fact]
    public async Task A_certificate_that_caFile_does_not_sign_is_refused_and_nothing_is_sent()
    {
        new TestCertificateAuthority("someone else's CA").WriteCertificate(Path.Combine(directory.Path, "ca.pem"));

        var error = await FetchErrorAsync();

        Assert.StartsWith("Panorama's certificate (CN=panorama.test) is not signed by caFile: ", error, StringComparison.Ordinal);
        Assert.Empty(panorama.Requests);
    }

    [Fact]
    public async Task Without_caFile_the_systems_trust_store_decides_and_it_does_not_know_the_tests_CA()
    {
        var error = await FetchErrorAsync(withCa: false);

        Assert.Contains("The SSL connection could not be established", error, StringComparison.Ordinal);
        Assert.Empty(panorama.Requests);
    }

    [Fact]
    public async Task An_answer_that_does_not_come_within_the_timeout_is_an_error()
    {
        panorama.Misbehave = async context => await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted);

        var error = await FetchErrorAsync("timeout: 1s");

        Assert.Equal("no answer within 1s (log-collector-group)", error);
    }

    [Fact]
    public async Task An_answer_that_stops_halfway_is_ended_by_the_timeout()
    {
        panorama.Misbehave = async context =>
        {
            await context.Response.WriteAsync("<response status=\"success\"><result><log-collector-group>");
            await context.Response.Body.FlushAsync();
            await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted);
        };

        var error = await FetchErrorAsync("timeout: 1s");

        Assert.Equal("no answer within 1s (log-collector-group)", error);
    }

    [Fact]
    public async Task A_500_is_an_error()
    {
        panorama.Misbehave = context =>
        {
            context.Response.StatusCode = StatusCodes.Status500InternalServerError;
            return context.Response.WriteAsync("<html><body>Internal error</body></html>");
        };

        var error = await FetchErrorAsync();

        Assert.Equal("HTTP 500 Internal Server Error (log-collector-group)", error);
    }

    [Fact]
    public async Task An_error_answer_of_the_XML_API_is_an_error()
    {
        panorama.Configuration = "<config><devices><entry name=\"localhost.localdomain\"/></devices></config>";

        var error = await FetchErrorAsync();

        Assert.Equal("Panorama answered status \"error\" (code 7): No such node", error);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_answer_larger_than_32_MiB_is_refused_whether_it_says_so_or_not(bool withLength)
    {
        var filler = new string(' ', 1024 * 1024);
        panorama.Misbehave = async context =>
        {
            if (withLength)
            {
                context.Response.ContentLength = 40L * 1024 * 1024;
            }

            await context.Response.WriteAsync("<response status=\"success\"><result><log-collector-group>", context.RequestAborted);
            for (var i = 0; i < 40 && !context.RequestAborted.IsCancellationRequested; i++)
            {
                await context.Response.WriteAsync(filler, context.RequestAborted);
            }
        };

        var error = await FetchErrorAsync("timeout: 20s");

        Assert.Equal("the answer (log-collector-group) is larger than 32 MiB", error);
    }

    [Fact]
    public async Task A_compressed_answer_is_not_decompressed_so_the_bound_on_its_size_is_a_bound_on_what_is_parsed()
    {
        var acceptEncoding = new ConcurrentQueue<string>();
        panorama.Misbehave = async context =>
        {
            acceptEncoding.Enqueue(context.Request.Headers.AcceptEncoding.ToString());
            using var compressed = new MemoryStream();
            await using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest, leaveOpen: true))
            {
                await gzip.WriteAsync(Encoding.UTF8.GetBytes("<response status=\"success\"><result><log-collector-group/></result></response>"));
            }

            context.Response.Headers.ContentEncoding = "gzip";
            await context.Response.Body.WriteAsync(compressed.ToArray());
        };

        var error = await FetchErrorAsync();

        Assert.StartsWith("is not valid XML", error, StringComparison.Ordinal);
        Assert.Equal("", Assert.Single(acceptEncoding));
    }

    [Fact]
    public async Task A_firewall_added_on_Panorama_is_followed_within_one_refresh_and_an_unchanged_import_triggers_nothing()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 8, 0, 0, TimeSpan.Zero));
        await using var refresher = await RefresherAsync(time, "refresh: 1m");
        await Eventually.TrueAsync(() => refresher.Active.Current.Groups.Count == 3, "the first import");
        Assert.Equal(1, refresher.Reloads);
        var requests = panorama.Requests.Count;

        // Unchanged: fetched again at the refresh, and nothing else happens.
        time.Advance(TimeSpan.FromMinutes(1));
        await Eventually.TrueAsync(() => panorama.Requests.Count == requests + 2, "the second fetch");
        panorama.Configuration = PanoramaConfigs.Estate(4, 2, 2);
        time.Advance(TimeSpan.FromSeconds(59));
        await Task.Delay(300);
        Assert.Equal(requests + 2, panorama.Requests.Count);
        Assert.Equal((1, 3), (refresher.Reloads, refresher.Active.Current.Groups.Count));

        time.Advance(TimeSpan.FromSeconds(1));
        await Eventually.TrueAsync(() => refresher.Active.Current.Groups.Count == 4, "the new firewall, one refresh after the change");
        Assert.Equal(PanoramaConfigs.FirewallSerial(3), refresher.Active.Current.Groups[^1].Name);
        Assert.Equal(2, refresher.Reloads);
        Assert.True(refresher.Imports.Status(panorama.Url.GetLeftPart(UriPartial.Path).TrimEnd('/'))!.Successful);
    }

    [Fact]
    public async Task When_Panorama_is_down_the_last_good_import_is_kept_it_is_logged_once_and_it_comes_back()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 8, 0, 0, TimeSpan.Zero));
        await using var refresher = await RefresherAsync(time, "refresh: 1m");
        var label = panorama.Url.GetLeftPart(UriPartial.Path).TrimEnd('/');
        await Eventually.TrueAsync(() => refresher.Active.Current.Groups.Count == 3, "the first import");
        var importedAt = refresher.Imports.Status(label)!.LastSuccessAt;

        panorama.Misbehave = context =>
        {
            context.Abort();
            return Task.CompletedTask;
        };
        for (var i = 0; i < 3; i++)
        {
            var before = panorama.Requests.Count;
            time.Advance(TimeSpan.FromMinutes(1));
            await Eventually.TrueAsync(() => panorama.Requests.Count > before && refresher.Imports.Status(label)!.At == time.GetUtcNow(), "a failed refresh");
        }

        var status = refresher.Imports.Status(label)!;
        Assert.False(status.Successful);
        Assert.Equal(importedAt, status.LastSuccessAt);
        Assert.Equal(3, refresher.Active.Current.Groups.Count);
        Assert.Single(refresher.Logs.Entries, e => e.StartsWith("Warning", StringComparison.Ordinal));
        Assert.Contains(refresher.Logs.Entries, e => e.Contains($"Panorama panorama[0] ({label}): import failed, the last good import is kept: ", StringComparison.Ordinal));

        panorama.Misbehave = null;
        panorama.Configuration = PanoramaConfigs.Estate(5, 2, 2);
        time.Advance(TimeSpan.FromMinutes(1));
        await Eventually.TrueAsync(() => refresher.Active.Current.Groups.Count == 5, "the import once Panorama is back");
        Assert.True(refresher.Imports.Status(label)!.Successful);
        Assert.DoesNotContain(refresher.Logs.Entries, e => e.Contains(Key, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Before_its_first_import_a_source_is_tried_again_sooner_than_its_refresh()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 8, 0, 0, TimeSpan.Zero));
        panorama.Misbehave = context =>
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return Task.CompletedTask;
        };
        await using var refresher = await RefresherAsync(time, "refresh: 10m");
        await Eventually.TrueAsync(() => panorama.Requests.Count == 1, "the first attempt");
        Assert.Empty(refresher.Active.Current.Groups);

        panorama.Misbehave = null;
        time.Advance(PanoramaRefresher.RetryBeforeFirstImport);
        await Eventually.TrueAsync(() => refresher.Active.Current.Groups.Count == 3, "the import 30 s later");
    }

    private string Source(string extra, bool withCa = true) => $$"""
        panorama:
          - url: "{{panorama.Url}}"
            apiKeyFile: api-key
        {{(withCa ? "    caFile: ca.pem" : "")}}
            {{extra}}
        """;

    private PanoramaSource LoadSource(string extra = "", bool withCa = true) =>
        Assert.Single(Configs.Loader(directory.Write("collectors.yaml", Source(extra, withCa)), []).Load().Panorama).Source;

    private Task<PanoramaContent> FetchAsync(string extra = "") => PanoramaClient.FetchAsync(LoadSource(extra), CancellationToken.None);

    private async Task<string> FetchErrorAsync(string extra = "", bool withCa = true)
    {
        var error = await Assert.ThrowsAsync<PanoramaFetchException>(() => PanoramaClient.FetchAsync(LoadSource(extra, withCa), CancellationToken.None));
        Assert.DoesNotContain(Key, error.Message, StringComparison.Ordinal);
        return error.Message;
    }

    private async Task<RunningRefresher> RefresherAsync(FakeTimeProvider time, string extra)
    {
        var imports = new PanoramaImportState();
        var loader = Configs.Loader(directory.Write("collectors.yaml", Source(extra)), [], time, imports);
        var active = new ActiveConfiguration(loader.Load(), loader, time);
        var logs = new LogCapture();
        var reloads = new LoadingReload(active);
        var refresher = new PanoramaRefresher(active, imports, reloads, time, new LoggerFactory([logs]).CreateLogger<PanoramaRefresher>());
        await refresher.StartAsync(CancellationToken.None);
        return new RunningRefresher(refresher, active, imports, reloads, logs);
    }

    /// <summary>Reloads the way the exporter's reloader decides: only when a load would give something new.</summary>
    private sealed class LoadingReload(ActiveConfiguration active) : IConfigurationReload
    {
        public int Count;

        public Task<string?> ReloadAsync(ReloadTrigger trigger, CancellationToken cancellationToken)
        {
            if (!active.Loader.IsCurrent(active.Current.Origin))
            {
                active.Accept(active.Loader.Load(), trigger);
                Interlocked.Increment(ref Count);
            }

            return Task.FromResult<string?>(null);
        }
    }

    private sealed class RunningRefresher(PanoramaRefresher refresher, ActiveConfiguration active, PanoramaImportState imports, LoadingReload reloads, LogCapture logs)
        : IAsyncDisposable
    {
        public ActiveConfiguration Active => active;

        public PanoramaImportState Imports => imports;

        public int Reloads => Volatile.Read(ref reloads.Count);

        public LogCapture Logs => logs;

        public async ValueTask DisposeAsync()
        {
            await refresher.StopAsync(CancellationToken.None);
            refresher.Dispose();
        }
    }
}
