using System.Diagnostics;
using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using LogCollectorExporter.Certificates;
using LogCollectorExporter.Configuration;
using LogCollectorExporter.Tests.Support;
using Xunit.Abstractions;
using static LogCollectorExporter.Tests.Support.Exposition;

namespace LogCollectorExporter.Tests;

/// <summary>The certificate check in the whole exporter, beside the probes, against real TLS servers on loopback.</summary>
public sealed class CertificateCheckTests(ITestOutputHelper output) : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    private static readonly X509Certificate2 Certificate = TestCertificateAuthority.SelfSignedServer("lc-224",
        DateTimeOffset.FromUnixTimeSeconds(Now.AddDays(-3).ToUnixTimeSeconds()), DateTimeOffset.FromUnixTimeSeconds(Now.AddDays(10).ToUnixTimeSeconds()));

    private readonly TempDirectory directory = new();

    public void Dispose() => directory.Dispose();

    [Fact]
    public async Task Each_server_yields_its_certificate_and_the_probes_say_up_or_down_as_before()
    {
        using var tls12 = await OpenSslServer.StartAsync(Certificate);
        using var tls13 = TlsCollector.Tls(Certificate, SslProtocols.Tls13, requireClientCertificate: false);
        using var plain = TlsCollector.Silent();
        using var closed = Peer.Refused();
        var config = directory.Write("collectors.yaml", Configs.Group([tls12.Port, tls13.Port, plain.Port, closed.Port],
            probe: "interval: 2s, timeout: 1s, certificates: {enabled: true, interval: 1h, timeout: 1s}"));
        await using var exporter = await RunningExporter.StartAsync(config);

        var text = await exporter.WaitForMetricsAsync(
            m => Enumerable.Range(1, 4).All(i => Value(m, "logcollector_certificate_check_success", L("collector", $"c{i}")) is not null)
                && Value(m, "logcollector_up", L("collector", "c4")) is not null,
            Patience, "a certificate check of every collector");
        foreach (var line in text.Split('\n').Where(line => line.StartsWith("logcollector_certificate_", StringComparison.Ordinal) || line.StartsWith("logcollector_up{", StringComparison.Ordinal)))
        {
            output.WriteLine(line);
        }

        var notAfter = Certificate.NotAfter.ToUniversalTime();
        foreach (var collector in (string[])["c1", "c2"])
        {
            Assert.Equal(1, Value(text, "logcollector_certificate_check_success", L("collector", collector)));
            Assert.Equal(new DateTimeOffset(notAfter).ToUnixTimeSeconds(), Value(text, "logcollector_certificate_not_after_seconds", L("collector", collector)));
            Assert.Equal(new DateTimeOffset(Certificate.NotBefore.ToUniversalTime()).ToUnixTimeSeconds(), Value(text, "logcollector_certificate_not_before_seconds", L("collector", collector)));
            Assert.Equal(1, Value(text, "logcollector_certificate_info", L("collector", collector), L("subject", "CN=lc-224, O=Test Collectors"),
                L("issuer", "CN=lc-224, O=Test Collectors"), L("serial_number", Certificate.SerialNumber.ToLowerInvariant()), L("sha256", Certificate.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256).ToLowerInvariant())));
        }

        foreach (var collector in (string[])["c3", "c4"])
        {
            Assert.Equal(0, Value(text, "logcollector_certificate_check_success", L("collector", collector)));
            Assert.NotNull(Value(text, "logcollector_certificate_last_check_timestamp_seconds", L("collector", collector)));
            Assert.Null(Value(text, "logcollector_certificate_not_after_seconds", L("collector", collector)));
        }

        // The probes' own view: the plain listener is up (a handshake is all a probe asks), the closed port down.
        Assert.Equal(1, Value(text, "logcollector_up", L("collector", "c3")));
        Assert.Equal(0, Value(text, "logcollector_up", L("collector", "c4")));
        Assert.Equal(0, Value(text, "logcollector_probes_total", L("collector", "c3"), L("result", "error")));
        Assert.Equal(1, tls13.ClientHellos);
    }

    [Fact]
    public async Task With_the_check_off_the_servers_see_no_byte_and_there_are_no_certificate_series()
    {
        using var tls12 = TlsCollector.Tls(Certificate, SslProtocols.Tls12, requireClientCertificate: true);
        using var tls13 = TlsCollector.Tls(Certificate, SslProtocols.Tls13, requireClientCertificate: false);
        var config = directory.Write("collectors.yaml", Configs.Group([tls12.Port, tls13.Port], probe: "interval: 1s, timeout: 500ms"));
        await using var exporter = await RunningExporter.StartAsync(config);

        var text = await exporter.WaitForMetricsAsync(m => tls12.Accepted >= 3 && tls13.Accepted >= 3, Patience, "three probes of each server");

        Assert.Equal(0, tls12.BytesReceived + tls13.BytesReceived);
        foreach (var name in (string[])["logcollector_certificate_not_after_seconds", "logcollector_certificate_not_before_seconds", "logcollector_certificate_info",
                     "logcollector_certificate_check_success", "logcollector_certificate_last_check_timestamp_seconds"])
        {
            Assert.Empty(Samples(text, name));
        }
    }

    [Fact]
    public async Task A_reload_checks_a_new_collector_keeps_the_others_and_drops_the_removed_ones_series()
    {
        using var first = TlsCollector.Tls(Certificate, SslProtocols.Tls13, requireClientCertificate: false);
        using var second = TlsCollector.Tls(Certificate, SslProtocols.Tls12, requireClientCertificate: false);
        const string Probe = "interval: 5s, timeout: 1s, certificates: {enabled: true, interval: 1h, timeout: 1s}";
        var config = directory.Write("collectors.yaml", Configs.Group([first.Port], probe: Probe));
        await using var exporter = await RunningExporter.StartAsync(config);
        await exporter.WaitForMetricsAsync(m => Value(m, "logcollector_certificate_check_success", L("collector", "c1")) == 1, Patience, "c1 checked");

        directory.Write("collectors.yaml", Configs.Group(Probe, [Configs.Collector("c2", second.Port)]));
        Assert.Equal(HttpStatusCode.OK, (await exporter.Client.PostAsync("/-/reload", null)).StatusCode);
        var text = await exporter.WaitForMetricsAsync(m => Value(m, "logcollector_certificate_check_success", L("collector", "c2")) == 1, Patience, "c2 checked");
        Assert.DoesNotContain(Samples(text, "logcollector_certificate_check_success"), line => line.Contains("c1", StringComparison.Ordinal));

        directory.Write("collectors.yaml", Configs.Group(Probe, [Configs.Collector("c2", second.Port), Configs.Collector("c1", first.Port)]));
        Assert.Equal(HttpStatusCode.OK, (await exporter.Client.PostAsync("/-/reload", null)).StatusCode);
        await Task.Delay(TimeSpan.FromSeconds(1));

        // c2 is unchanged, c1 is back within the hour: neither sees a second ClientHello.
        Assert.Equal((1, 1), (first.ClientHellos, second.ClientHellos));
    }

    [Fact]
    public async Task The_status_page_and_api_show_each_certificate_and_mark_the_expiring_and_the_expired()
    {
        using var expired = TestCertificateAuthority.SelfSignedServer("lc-old", Now.AddDays(-400), Now.AddDays(-2));
        using var soon = TlsCollector.Tls(Certificate, SslProtocols.Tls13, requireClientCertificate: false);
        using var gone = TlsCollector.Tls(expired, SslProtocols.Tls12, requireClientCertificate: true);
        using var plain = TlsCollector.Silent();
        var config = directory.Write("collectors.yaml", Configs.Group([soon.Port, gone.Port, plain.Port],
            probe: "interval: 5s, timeout: 1s, certificates: {enabled: true, interval: 1h, timeout: 1s}"));
        await using var exporter = await RunningExporter.StartAsync(config);
        await exporter.WaitForMetricsAsync(m => Samples(m, "logcollector_certificate_check_success").Length == 3, Patience, "every collector checked");

        using var status = System.Text.Json.JsonDocument.Parse(await exporter.Client.GetStringAsync("/api/v1/status"));
        var page = await exporter.Client.GetStringAsync("/");

        var collectors = status.RootElement.GetProperty("collectors");
        var first = collectors[0].GetProperty("certificate");
        Assert.Equal((true, true, false, 9.0), (first.GetProperty("checkSucceeded").GetBoolean(), first.GetProperty("expiring").GetBoolean(),
            first.GetProperty("expired").GetBoolean(), first.GetProperty("daysLeft").GetDouble()));
        Assert.Equal("CN=lc-224, O=Test Collectors", first.GetProperty("issuer").GetString());
        Assert.Equal(new DateTimeOffset(Certificate.NotAfter.ToUniversalTime()), first.GetProperty("notAfter").GetDateTimeOffset());
        var second = collectors[1].GetProperty("certificate");
        Assert.Equal((true, false, true, -2.0), (second.GetProperty("checkSucceeded").GetBoolean(), second.GetProperty("expiring").GetBoolean(),
            second.GetProperty("expired").GetBoolean(), second.GetProperty("daysLeft").GetDouble()));
        var third = collectors[2].GetProperty("certificate");
        Assert.False(third.GetProperty("checkSucceeded").GetBoolean());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, third.GetProperty("notAfter").ValueKind);
        Assert.Equal("timed out after 1s", third.GetProperty("error").GetString());
        Assert.True(status.RootElement.GetProperty("exporter").GetProperty("probe").GetProperty("certificates").GetProperty("enabled").GetBoolean());

        Assert.Contains("<span class=\"badge expiring\">expiring</span> <span class=\"num\">expires ", page, StringComparison.Ordinal);
        Assert.Contains("(9 d left)", page, StringComparison.Ordinal);
        Assert.Contains("<span class=\"badge expired\">expired</span> <span class=\"num\">expired ", page, StringComparison.Ordinal);
        Assert.Contains("(2 d ago)", page, StringComparison.Ordinal);
        Assert.Contains("last check failed: timed out after 1s", page, StringComparison.Ordinal);
        Assert.Contains("certificates checked every <b>1h</b>", page, StringComparison.Ordinal);
    }

    /// <summary>The done-when: over 68 s with a 1m interval each server sees one or two ClientHellos, while the probes go on.</summary>
    [Fact]
    public async Task Over_68_seconds_with_a_one_minute_interval_each_server_sees_one_or_two_client_hellos()
    {
        using var tls12 = TlsCollector.Tls(Certificate, SslProtocols.Tls12, requireClientCertificate: true);
        using var tls13 = TlsCollector.Tls(Certificate, SslProtocols.Tls13, requireClientCertificate: false);
        var config = directory.Write("collectors.yaml", Configs.Group([tls12.Port, tls13.Port],
            probe: "interval: 2s, timeout: 1s, certificates: {enabled: true, interval: 1m, timeout: 2s}"));
        await using var exporter = await RunningExporter.StartAsync(config);

        var clock = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(68));
        var text = await exporter.MetricsAsync();
        output.WriteLine($"after {clock.Elapsed.TotalSeconds:F0} s: ClientHellos {tls12.ClientHellos} (TLS 1.2), {tls13.ClientHellos} (TLS 1.3); connections {tls12.Accepted}, {tls13.Accepted}");

        Assert.InRange(tls12.ClientHellos, 1, 2);
        Assert.InRange(tls13.ClientHellos, 1, 2);
        Assert.True(Value(text, "logcollector_probes_total", L("collector", "c1"), L("result", "success")) >= 20);
        Assert.True(Value(text, "logcollector_probes_total", L("collector", "c2"), L("result", "success")) >= 20);
        Assert.Equal(1, Value(text, "logcollector_certificate_check_success", L("collector", "c1")));
        Assert.Equal(1, Value(text, "logcollector_certificate_check_success", L("collector", "c2")));
    }
}
