using System.Buffers.Binary;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using LogCollectorExporter.Certificates;
using LogCollectorExporter.Configuration;
using LogCollectorExporter.Probing;
using LogCollectorExporter.Tests.Support;

namespace LogCollectorExporter.Tests;

/// <summary>One certificate check against real TLS servers on loopback, with certificates the test makes.</summary>
public sealed class CertificateReaderTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    private static readonly ProbeSettings Probe = ProbeSettings.Default with
    {
        Certificates = new CertificateCheckSettings(true, TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(3)),
    };

    // Whole seconds: a certificate's times are.
    private static readonly X509Certificate2 Valid = TestCertificateAuthority.SelfSignedServer("lc-224",
        DateTimeOffset.FromUnixTimeSeconds(Now.AddDays(-3).ToUnixTimeSeconds()), DateTimeOffset.FromUnixTimeSeconds(Now.AddDays(10).ToUnixTimeSeconds()));

    private readonly LogCapture log = new();

    public static TheoryData<string, SslProtocols, bool> Servers => new()
    {
        { "TLS 1.2 demanding a client certificate", SslProtocols.Tls12, true },
        { "TLS 1.2 without", SslProtocols.Tls12, false },
        { "TLS 1.3 without", SslProtocols.Tls13, false },
        { "TLS 1.3 demanding a client certificate", SslProtocols.Tls13, true },
    };

    [Theory]
    [MemberData(nameof(Servers))]
    public async Task Reads_the_leaf_certificate_to_the_second(string server, SslProtocols protocols, bool requireClientCertificate)
    {
        using var collector = TlsCollector.Tls(Valid, protocols, requireClientCertificate);

        var (certificate, error) = await Reader().ReadAsync(Collector(collector.Port), Probe, CancellationToken.None);

        Assert.True(error is null, $"{server}: {error}");
        Assert.Equal(Valid.NotAfter.ToUniversalTime(), certificate!.NotAfter.UtcDateTime);
        Assert.Equal(Valid.NotBefore.ToUniversalTime(), certificate.NotBefore.UtcDateTime);
        Assert.Equal("CN=lc-224, O=Test Collectors", certificate.Subject);
        Assert.Equal(certificate.Subject, certificate.Issuer);
        Assert.Equal(Valid.SerialNumber.ToLowerInvariant(), certificate.SerialNumber);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Valid.RawData)), certificate.Sha256);
        Assert.Equal(1, collector.ClientHellos);
    }

    /// <summary>
    /// As a collector's port 3978: OpenSSL aborts the handshake of a client without a certificate, before .NET's
    /// validation callback runs; the certificate is read out of the server's first flight.
    /// </summary>
    [Fact]
    public async Task Reads_the_certificate_of_a_tls_1_2_server_that_aborts_a_client_without_one()
    {
        using var collector = await OpenSslServer.StartAsync(Valid);

        var (certificate, error) = await Reader().ReadAsync(Collector(collector.Port), Probe, CancellationToken.None);

        Assert.Null(error);
        Assert.Equal(Valid.NotAfter.ToUniversalTime(), certificate!.NotAfter.UtcDateTime);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Valid.RawData)), certificate.Sha256);
    }

    [Fact]
    public async Task Reads_an_expired_certificate_as_it_is()
    {
        using var expired = TestCertificateAuthority.SelfSignedServer("lc-old",
            DateTimeOffset.FromUnixTimeSeconds(Now.AddDays(-400).ToUnixTimeSeconds()), DateTimeOffset.FromUnixTimeSeconds(Now.AddDays(-2).ToUnixTimeSeconds()));
        using var collector = TlsCollector.Tls(expired, SslProtocols.Tls12, requireClientCertificate: true);

        var (certificate, error) = await Reader().ReadAsync(Collector(collector.Port), Probe, CancellationToken.None);

        Assert.Null(error);
        Assert.Equal(expired.NotAfter.ToUniversalTime(), certificate!.NotAfter.UtcDateTime);
        Assert.True(certificate.NotAfter < DateTimeOffset.UtcNow);
    }

    public static TheoryData<string, byte[], bool> BadAnswers => new()
    {
        { "garbage", [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 7))], false },
        { "an HTTP answer", "HTTP/1.1 400 Bad Request\r\n\r\n"u8.ToArray(), false },
        { "a truncated record", Record(22, Message(11, Certificates(new byte[3000]))).AsSpan(0, 900).ToArray(), false },
        { "a truncated record, then a stall", Record(22, Message(11, Certificates(new byte[3000]))).AsSpan(0, 900).ToArray(), true },
        { "a 16 MB certificate claim", HugeClaim(), true },
        { "a certificate that is not one", Record(22, Message(11, Certificates(new byte[200]))), false },
        { "an empty certificate list", Record(22, Message(11, [0, 0, 0])), false },
        { "a claim longer than its message", Record(22, [11, 0, 0, 10, 0, 0, 200, 0, 0, 199, 1, 2, 3, 4]), false },
    };

    [Theory]
    [MemberData(nameof(BadAnswers))]
    public async Task A_server_that_answers_with_anything_else_fails_the_check_with_a_debug_line(string what, byte[] answer, bool stall)
    {
        using var collector = TlsCollector.Answer(answer, stall);

        var (certificate, error) = await Reader().ReadAsync(Collector(collector.Port), Probe, CancellationToken.None);

        Assert.Null(certificate);
        Assert.False(string.IsNullOrEmpty(error), what);
        var line = Assert.Single(log.Entries);
        Assert.StartsWith($"Debug LogCollectorExporter.Certificates.CertificateReader: Certificate check of c1 (127.0.0.1:{collector.Port}) read no certificate: ", line, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', line);
    }

    [Fact]
    public async Task A_plain_listener_and_a_closed_port_fail_the_check()
    {
        using var silent = TlsCollector.Silent();
        using var closed = Peer.Refused();
        var probe = Probe with { Certificates = Probe.Certificates with { Timeout = TimeSpan.FromMilliseconds(500) } };

        var (fromSilent, silentError) = await Reader().ReadAsync(Collector(silent.Port), probe, CancellationToken.None);
        var (fromClosed, closedError) = await Reader().ReadAsync(Collector(closed.Port), probe, CancellationToken.None);

        Assert.Null(fromSilent);
        Assert.Equal("timed out after 500ms", silentError);
        Assert.Null(fromClosed);
        Assert.Equal("cannot connect: ConnectionRefused", closedError);
    }

    /// <summary>A Certificate message longer than the recording holds: the check stops reading at the cap, however much the server sends.</summary>
    [Fact]
    public async Task The_recording_stops_at_its_cap()
    {
        var flight = HugeClaim();
        using var source = new MemoryStream([.. flight, .. new byte[CertificateReader.RecordLimit * 4]]);
        using var recording = new RecordingStream(source, CertificateReader.RecordLimit);
        var buffer = new byte[20_000];

        var error = await Assert.ThrowsAsync<IOException>(async () =>
        {
            while (await recording.ReadAsync(buffer) > 0)
            {
            }
        });

        Assert.True(recording.Overflowed, error.Message);
        Assert.Equal(CertificateReader.RecordLimit, recording.Recorded.Length);
        Assert.Equal(CertificateReader.RecordLimit, source.Position);
        Assert.Null(HandshakeFlight.LeafCertificate(recording.Recorded));
    }

    [Fact]
    public void A_certificate_split_over_records_after_other_messages_is_found()
    {
        var handshake = (byte[])[.. Message(2, new byte[70]), .. Message(11, Certificates(Valid.RawData)), .. Message(14, [])];
        var flight = new List<byte>();
        for (var at = 0; at < handshake.Length; at += 100)
        {
            flight.AddRange(Record(22, handshake[at..Math.Min(handshake.Length, at + 100)]));
        }

        Assert.Equal(Valid.RawData, HandshakeFlight.LeafCertificate([.. flight]));
    }

    private CertificateReader Reader() =>
        new(new SystemHostResolver(), TimeProvider.System, LoggerFactory.Create(logging => logging.AddProvider(log).SetMinimumLevel(LogLevel.Debug)).CreateLogger<CertificateReader>());

    private static CollectorConfig Collector(int port) => new("c1", "127.0.0.1", port, "");

    private static byte[] Record(byte type, byte[] payload)
    {
        var record = new byte[5 + payload.Length];
        record[0] = type;
        record[1] = 3;
        record[2] = 3;
        BinaryPrimitives.WriteUInt16BigEndian(record.AsSpan(3), (ushort)payload.Length);
        payload.CopyTo(record, 5);
        return record;
    }

    private static byte[] Message(byte type, byte[] body) => [type, .. Uint24(body.Length), .. body];

    private static byte[] Certificates(byte[] der) => [.. Uint24(der.Length + 3), .. Uint24(der.Length), .. der];

    private static byte[] Uint24(int value) => [(byte)(value >> 16), (byte)(value >> 8), (byte)value];

    // A Certificate message that claims 16 MB, in records of 16 KB that go on past the recording's cap.
    private static byte[] HugeClaim()
    {
        var claim = (byte[])[11, .. Uint24((1 << 24) - 1), .. Uint24((1 << 24) - 4), .. Uint24((1 << 24) - 7)];
        var flight = new List<byte>(Record(22, [.. claim, .. new byte[(1 << 14) - claim.Length]]));
        while (flight.Count < 5 * CertificateReader.RecordLimit / 4)
        {
            flight.AddRange(Record(22, new byte[1 << 14]));
        }

        return [.. flight];
    }
}
