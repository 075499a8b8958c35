using System.Text.Json;
using LogCollectorExporter.Tests.Support;

namespace LogCollectorExporter.Tests;

/// <summary>The built binary importing an estate from a saved Panorama configuration, as a user would run it.</summary>
public sealed class PanoramaProcessTests : IDisposable
{
    // The whole configuration of an estate of a thousand firewalls: five lines.
    private const string FiveLines = """
        probe:
          interval: 60s
        panorama:
          - configFile: panorama-running.xml
            failback: immediate
        """;

    private readonly TempDirectory directory = new();

    public void Dispose() => directory.Dispose();

    [Fact]
    public async Task A_saved_configuration_of_1000_firewalls_is_one_group_per_firewall_from_five_lines_and_check_config_summarises_it()
    {
        directory.Write("panorama-running.xml", PanoramaConfigs.Estate(1000, 20, 3));
        var config = directory.Write("collectors.yaml", FiveLines);
        Assert.Equal(5, File.ReadAllLines(config).Length);

        var (exitCode, text) = await Tools.RunAsync(Tools.Exporter, ["--check-config", config]);

        Assert.True(exitCode == 0, text);
        var lines = text.Split('\n');
        Assert.Equal($"{config}: valid. 1000 groups, 20 collectors; probe every 1m, timeout 5s, mode handshake", lines[0]);
        Assert.StartsWith(
            $"  panorama[0] ({Path.Combine(directory.Path, "panorama-running.xml")}): 1000 firewalls (one group each) from 10 collector groups: cg-0 (100), cg-1 (100), ",
            lines[2],
            StringComparison.Ordinal);
        Assert.Contains("; 20 collectors: ", lines[2], StringComparison.Ordinal);
        Assert.Contains($"  {PanoramaConfigs.FirewallSerial(999)} (failback immediate): 1. ", text, StringComparison.Ordinal);

        await using var exporter = ExporterProcess.Start(["--config", config]);
        var client = new HttpClient { BaseAddress = await exporter.ListeningAsync() };
        using var status = JsonDocument.Parse(await client.GetStringAsync("/api/v1/status"));
        var summary = status.RootElement.GetProperty("summary");
        Assert.Equal((1000, 20), (summary.GetProperty("groups").GetInt32(), summary.GetProperty("collectors").GetInt32()));
    }

    [Fact]
    public async Task A_saved_configuration_that_does_not_read_at_start_is_imported_once_it_does_and_check_config_refuses_it()
    {
        var saved = Path.Combine(directory.Path, "panorama-running.xml");
        var config = directory.Write("collectors.yaml", FiveLines);

        // Caught mid-copy: cut in the middle of an element.
        var estate = PanoramaConfigs.Estate(3, 2, 2);
        File.WriteAllText(saved, estate[..(estate.Length / 2)]);
        var (exitCode, text) = await Tools.RunAsync(Tools.Exporter, ["--check-config", config]);
        await using var exporter = ExporterProcess.Start(["--config", config]);
        var client = new HttpClient { BaseAddress = await exporter.ListeningAsync() };
        var metrics = await client.GetStringAsync("/metrics");
        using var ready = await client.GetAsync("/-/ready");

        Assert.Equal(2, exitCode);
        Assert.Contains($"{saved}: is not valid XML", text, StringComparison.Ordinal);
        Assert.Equal(0, Exposition.Value(metrics, "logcollector_exporter_source_last_import_successful", Exposition.L("source", saved)));
        Assert.Empty(Exposition.Samples(metrics, "logcollector_group_collectors"));
        await Eventually.TrueAsync(() => exporter.Output.Contains($"Panorama panorama[0] ({saved}): import failed, nothing imported yet: {saved}: is not valid XML", StringComparison.Ordinal),
            "the failed import logged");

        // The copy finishes.
        File.WriteAllText(saved, estate);
        await Eventually.TrueAsync(async () => Exposition.Samples(await client.GetStringAsync("/metrics"), "logcollector_group_collectors").Length == 3, "the three firewalls imported");
        metrics = await client.GetStringAsync("/metrics");
        Assert.Equal(1, Exposition.Value(metrics, "logcollector_exporter_source_last_import_successful", Exposition.L("source", saved)));
        Assert.Equal(1, Exposition.Value(metrics, "logcollector_exporter_config_last_reload_successful"));
        await Eventually.TrueAsync(() => exporter.Output.Contains($"Panorama panorama[0] ({saved}): importing 1 collector groups, 3 firewalls' preference lists", StringComparison.Ordinal),
            "the import logged");
    }

    [Fact]
    public async Task Check_config_with_a_live_source_fetches_it_and_exits_2_when_it_cannot()
    {
        var config = directory.Write("collectors.yaml", "panorama:\n  - {url: \"https://127.0.0.1:9\", apiKeyFile: api-key}\n");
        directory.Write("api-key", "LUFRPT1NotAKeyAtAll=");

        var (exitCode, text) = await Tools.RunAsync(Tools.Exporter, ["--check-config", config]);

        Assert.Equal(2, exitCode);
        Assert.StartsWith("logcollector-exporter: configuration error: panorama[0] (https://127.0.0.1:9): cannot import: Connection refused", text, StringComparison.Ordinal);
        Assert.DoesNotContain("LUFRPT1NotAKeyAtAll", text, StringComparison.Ordinal);
    }
}
