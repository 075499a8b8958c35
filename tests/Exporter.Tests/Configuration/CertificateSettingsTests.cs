using LogCollectorExporter.Configuration;
using LogCollectorExporter.Tests.Support;

namespace LogCollectorExporter.Tests;

/// <summary><c>probe.certificates:</c> as the configuration reader reads it (README.md, "Configuration").</summary>
public sealed class CertificateSettingsTests : IDisposable
{
    private const string OneGroup = "groups: [{name: a, collectors: [{address: 127.0.0.1}]}]\n";

    private readonly TempDirectory directory = new();

    public void Dispose() => directory.Dispose();

    [Fact]
    public void The_check_is_off_by_default_hourly_with_a_five_second_timeout()
    {
        var config = Load(OneGroup);

        Assert.Equal(new CertificateCheckSettings(false, TimeSpan.FromHours(1), TimeSpan.FromSeconds(5)), config.Probe.Certificates);
    }

    [Fact]
    public void The_file_sets_it()
    {
        var config = Load("probe: {certificates: {enabled: true, interval: 10m, timeout: 2s}}\n" + OneGroup);

        Assert.Equal(new CertificateCheckSettings(true, TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(2)), config.Probe.Certificates);
    }

    [Fact]
    public void The_command_line_overrides_the_file()
    {
        var file = directory.Write("collectors.yaml", "probe: {certificates: {interval: 10m}}\n" + OneGroup);

        var config = Configs.Loader(file, ["--probe:certificates:enabled=true", "--probe:certificates:interval=2h"]).Load();

        Assert.Equal(new CertificateCheckSettings(true, TimeSpan.FromHours(2), TimeSpan.FromSeconds(5)), config.Probe.Certificates);
    }

    [Theory]
    [InlineData("probe: {certificates: {interval: 30s}}",
        "probe.certificates.interval: \"30s\" is not allowed; the shortest is 1m: a collector may log each handshake the check makes")]
    [InlineData("probe: {certificates: {interval: 1m, timeout: 1m}}",
        "probe.certificates.timeout: \"1m\" must be shorter than probe.certificates.interval (\"1m\")")]
    [InlineData("probe: {certificates: {interval: 2m, timeout: 5m}}",
        "probe.certificates.timeout: \"5m\" must be shorter than probe.certificates.interval (\"2m\")")]
    [InlineData("probe: {certificates: {timeout: 2h}}",
        "probe.certificates.timeout: \"2h\" must be shorter than probe.certificates.interval (\"1h\")")]
    [InlineData("probe: {certificates: {enabled: yes}}",
        "probe.certificates.enabled: \"yes\" is not allowed; use true or false")]
    [InlineData("probe: {certificates: {interval: 00:00:04}}",
        "probe.certificates.interval: \"00:00:04\" is not allowed; the shortest is 1m")]
    [InlineData("probe: {certificates: {timeout: 0s}}",
        "probe.certificates.timeout: \"0s\" is not allowed; the duration must be greater than zero")]
    [InlineData("probe: {certificates: {timeout: soon}}",
        "probe.certificates.timeout: \"soon\" is not allowed; use a Prometheus duration")]
    [InlineData("probe: {certificates: {enabeld: true}}",
        "probe.certificates.enabeld: is not a known setting (did you mean enabled?); allowed here: enabled, interval, timeout")]
    [InlineData("probe: {certificates: true}",
        "probe.certificates: \"true\" is not allowed; it must be a mapping of settings: enabled, interval, timeout")]
    public void A_bad_setting_is_one_error_naming_its_key_path(string probe, string expected)
    {
        var file = directory.Write("collectors.yaml", probe + "\n" + OneGroup);

        var error = Assert.Throws<ConfigurationException>(() => Configs.Loader(file, []).Load());

        Assert.Single(error.Errors);
        Assert.StartsWith($"configuration error: {file}: {expected}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_bad_value_from_the_command_line_is_named_with_its_flag()
    {
        var file = directory.Write("collectors.yaml", "probe: {certificates: {enabled: false}}\n" + OneGroup);

        var error = Assert.Throws<ConfigurationException>(() => Configs.Loader(file, ["--probe:certificates:interval=00:00:05"]).Load());

        Assert.Equal("configuration error: command line --probe:certificates:interval: probe.certificates.interval: \"00:00:05\" is not allowed; the shortest is 1m: " +
            "a collector may log each handshake the check makes", error.Message);
    }

    [Fact]
    public async Task The_environment_overrides_the_file_in_the_built_exporter()
    {
        var config = directory.Write("collectors.yaml", OneGroup);
        var environment = new Dictionary<string, string> { ["Probe__Certificates__Enabled"] = "true", ["PROBE__CERTIFICATES__INTERVAL"] = "15m" };

        var (exitCode, text) = await Tools.RunAsync(Tools.Exporter, ["--check-config", config], environment: environment);
        var (badExit, badText) = await Tools.RunAsync(Tools.Exporter, ["--check-config", config],
            environment: new Dictionary<string, string> { ["Probe__Certificates__Interval"] = "10s" });

        Assert.Equal(0, exitCode);
        Assert.Contains("certificate check every 15m, timeout 5s", text, StringComparison.Ordinal);
        Assert.Equal(2, badExit);
        Assert.Contains("environment variable probe__certificates__interval: probe.certificates.interval: \"10s\" is not allowed; the shortest is 1m", badText, StringComparison.Ordinal);
    }

    private ExporterConfig Load(string yaml) => Configs.Loader(directory.Write("collectors.yaml", yaml), []).Load();
}
