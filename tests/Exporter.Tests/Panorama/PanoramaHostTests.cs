using System.Net;
using LogCollectorExporter.Tests.Support;
using static LogCollectorExporter.Tests.Support.Exposition;

namespace LogCollectorExporter.Tests;

/// <summary>The whole exporter importing from Panorama: a saved configuration, and a stand-in Panorama over HTTPS.</summary>
public sealed class PanoramaHostTests : IAsyncLifetime
{
    private const string Key = "LUFRPT1SecretKeyOfTheTestM2Q0NTY3OA==";
    private const string WrongKey = "LUFRPT1AnotherSecretTestKeyWjk4NzY1=";

    private readonly TempDirectory directory = new();
    private readonly TestCertificateAuthority ca = new("logcollector-exporter test CA");
    private readonly Peer a = Peer.Up();
    private readonly Peer b = Peer.Up();
    private StandInPanorama panorama = null!;

    public async Task InitializeAsync()
    {
        panorama = await StandInPanorama.StartAsync(ca.IssueServer("panorama.test"), Key, PanoramaConfigs.Estate(3, 2, 2));
        directory.Write("api-key", Key);
        ca.WriteCertificate(Path.Combine(directory.Path, "ca.pem"));
    }

    public async Task DisposeAsync()
    {
        await panorama.DisposeAsync();
        a.Dispose();
        b.Dispose();
        directory.Dispose();
    }

    [Fact]
    public async Task A_live_source_is_imported_at_start_and_the_key_is_in_no_log_line_metric_or_answer()
    {
        var label = panorama.Url.GetLeftPart(UriPartial.Path).TrimEnd('/');
        var config = directory.Write("collectors.yaml", Yaml($$"""
            panorama:
              - {url: "{{panorama.Url}}", apiKeyFile: api-key, caFile: ca.pem, refresh: 10m}
            """));
        var log = new LogCapture();
        await using var exporter = await RunningExporter.StartAsync(["--config", config, "--Logging:LogLevel:LogCollectorExporter=Debug"], builder => builder.Logging.AddProvider(log));

        var text = await exporter.WaitForMetricsAsync(m => Value(m, "logcollector_group_collectors", L("group", PanoramaConfigs.FirewallSerial(2))) == 2, Eventually.Patience, "the three firewalls imported");
        Assert.Equal(1, Value(text, "logcollector_exporter_source_last_import_successful", L("source", label)));
        Assert.NotNull(Value(text, "logcollector_exporter_source_last_import_success_timestamp_seconds", L("source", label)));
        await Eventually.TrueAsync(() => log.Contains($"Panorama panorama[0] ({label}): importing 1 collector groups, 3 firewalls' preference lists, 2 managed collectors"), "the import logged");

        // A rotated key that Panorama does not take: fetched again at once (the key file changed), refused, logged once.
        directory.Write("api-key", WrongKey);
        text = await exporter.WaitForMetricsAsync(m => Value(m, "logcollector_exporter_source_last_import_successful", L("source", label)) == 0, Eventually.Patience, "the import failing");
        Assert.Equal(3, Samples(text, "logcollector_group_collectors").Length);
        Assert.Single(log.Entries, e => e.Contains("import failed, the last good import is kept: HTTP 403 Forbidden (log-collector-group): Panorama answered status \"error\" (code 403): Invalid Credential", StringComparison.Ordinal));

        // A reload that is rejected answers with its error.
        File.WriteAllText(config, Yaml($$"""
            panorama:
              - {url: "{{panorama.Url}}", apiKeyFile: api-key, caFile: ca.pem, refresh: 1s}
            """));
        using var rejected = await exporter.Client.PostAsync("/-/reload", null);
        Assert.Equal(HttpStatusCode.BadRequest, rejected.StatusCode);
        var answers = new List<string>
        {
            await rejected.Content.ReadAsStringAsync(),
            await exporter.MetricsAsync(),
            await exporter.Client.GetStringAsync("/api/v1/status"),
            await exporter.Client.GetStringAsync("/"),
            await exporter.Client.GetStringAsync($"/?group={PanoramaConfigs.FirewallSerial(0)}"),
        };
        Assert.Contains("panorama[0].refresh: \"1s\" is not allowed", answers[0], StringComparison.Ordinal);
        using (var status = System.Text.Json.JsonDocument.Parse(answers[2]))
        {
            var source = status.RootElement.GetProperty("exporter").GetProperty("panorama")[0];
            Assert.Equal(label, source.GetProperty("source").GetString());
            Assert.False(source.GetProperty("successful").GetBoolean());
            Assert.Equal(3, source.GetProperty("firewalls").GetInt32());
            Assert.StartsWith("HTTP 403 Forbidden", source.GetProperty("error").GetString(), StringComparison.Ordinal);
        }

        Assert.Contains(label, answers[1], StringComparison.Ordinal);
        foreach (var secret in new[] { Key, WrongKey, Uri.EscapeDataString(Key) })
        {
            Assert.DoesNotContain(log.Entries, e => e.Contains(secret, StringComparison.Ordinal));
            Assert.DoesNotContain(answers, answer => answer.Contains(secret, StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_changed_saved_configuration_is_reloaded_and_only_what_changed_is_probed()
    {
        directory.Write("running-config.xml", PanoramaConfigs.Estate(3, 2, 2));
        var config = directory.Write("collectors.yaml", Yaml("panorama:\n  - configFile: running-config.xml\n"));
        await using var exporter = await RunningExporter.StartAsync(config);
        await exporter.WaitForMetricsAsync(m => Value(m, "logcollector_up", L("collector", "b")) == 1, Eventually.Patience, "both collectors probed");
        await Eventually.TrueAsync(() => a.Accepted == 1 && b.Accepted == 1, "one handshake each");

        // A firewall added on Panorama, saved again: the watcher reloads it; the collectors it lists are already probed.
        File.WriteAllText(Path.Combine(directory.Path, "running-config.xml"), PanoramaConfigs.Estate(4, 2, 2));
        var text = await exporter.WaitForMetricsAsync(m => Value(m, "logcollector_group_collectors", L("group", PanoramaConfigs.FirewallSerial(3))) == 2, Eventually.Patience, "the new firewall");

        Assert.Equal(1, Value(text, "logcollector_exporter_config_last_reload_successful"));
        Assert.Equal(1, Value(text, "logcollector_exporter_source_last_import_successful", L("source", Path.Combine(directory.Path, "running-config.xml"))));
        Assert.Equal((1, 1), (a.Accepted, b.Accepted));

        // A broken save is a failed import, as a live source's: its last good import goes on.
        File.WriteAllText(Path.Combine(directory.Path, "running-config.xml"), PanoramaConfigs.Estate(4, 2, 2)[..500]);
        text = await exporter.WaitForMetricsAsync(m => Value(m, "logcollector_exporter_source_last_import_successful", L("source", Path.Combine(directory.Path, "running-config.xml"))) == 0,
            Eventually.Patience, "the bad file's import failed");
        Assert.Equal(1, Value(text, "logcollector_exporter_config_last_reload_successful"));
        Assert.Equal(4, Samples(text, "logcollector_group_collectors").Length);
    }

    /// <summary>The stand-in's two collectors, mapped by serial to the test's listeners.</summary>
    private string Yaml(string panoramaSection) => $$"""
        probe: {interval: 60s, timeout: 1s}
        collectors:
          - {name: a, address: 127.0.0.1, port: {{a.Port}}, serial: "{{PanoramaConfigs.CollectorSerial(0)}}"}
          - {name: b, address: 127.0.0.1, port: {{b.Port}}, serial: "{{PanoramaConfigs.CollectorSerial(1)}}"}
        {{panoramaSection}}
        """;
}
