using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using LogCollectorExporter.Configuration;
using LogCollectorExporter.Platform;
using LogCollectorExporter.Probing;

namespace LogCollectorExporter.Certificates;

/// <summary>
/// One certificate check: on a connection of its own, a TLS ClientHello with no client certificate, the leaf
/// certificate the server presents, then the connection closed. No application data is ever sent. Two ways to the
/// certificate, as the server's TLS version allows: the validation callback sees it (TLS 1.3, or a server that asks for
/// no client certificate) and refuses it, which ends the handshake; against a TLS 1.2 server that demands a client
/// certificate, .NET fails the handshake before the callback runs, and the certificate is read out of the server's
/// recorded first flight (<see cref="HandshakeFlight"/>).
/// </summary>
public sealed partial class CertificateReader(IHostResolver resolver, TimeProvider time, ILogger<CertificateReader> logger)
{
    /// <summary>What the server may send before the check gives up: far more than a certificate chain needs.</summary>
    public const int RecordLimit = 64 * 1024;

    /// <summary>Reads the certificate <paramref name="collector"/> serves, within <c>probe.certificates.timeout</c> (the connect and the handshake).</summary>
    /// <returns>The certificate, or null and why not.</returns>
    public async Task<(ServedCertificate? Certificate, string? Error)> ReadAsync(CollectorConfig collector, ProbeSettings probe, CancellationToken stopping)
    {
        using var timeout = new CancellationTokenSource(probe.Certificates.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, stopping);
        string error;
        try
        {
            var certificate = await HandshakeAsync(collector, probe, linked.Token);
            if (certificate is not null)
            {
                return (certificate, null);
            }

            error = "no certificate in the server's answer (not TLS?)";
        }
        catch (OperationCanceledException) when (!stopping.IsCancellationRequested)
        {
            error = $"timed out after {Duration.Format(probe.Certificates.Timeout)}";
        }
        catch (SocketException e)
        {
            error = $"cannot connect: {e.SocketErrorCode}";
        }
        catch (Exception e) when (e is IOException or AuthenticationException or CryptographicException)
        {
            error = ErrorText.Line(e.Message);
        }

        LogNoCertificate(logger, collector.Name, collector.Endpoint, error);
        return (null, error);
    }

    private async Task<ServedCertificate?> HandshakeAsync(CollectorConfig collector, ProbeSettings probe, CancellationToken cancellationToken)
    {
        var address = collector.IpAddress ?? await ResolveAsync(collector.Address, probe, cancellationToken);
        using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        if (probe.SourceAddress is { } source)
        {
            socket.Bind(new IPEndPoint(source, 0));
        }

        await socket.ConnectAsync(new IPEndPoint(address, collector.Port), cancellationToken);
        var recording = new RecordingStream(new NetworkStream(socket, ownsSocket: false), RecordLimit);
        await using var tls = new SslStream(recording, leaveInnerStreamOpen: false);
        X509Certificate2? presented = null;
        var options = new SslClientAuthenticationOptions
        {
            TargetHost = collector.Address,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
            {
                presented ??= certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
                return false;
            },
        };
        try
        {
            await tls.AuthenticateAsClientAsync(options, cancellationToken);
        }
        catch (Exception e) when (e is AuthenticationException or IOException)
        {
            // Expected: the callback refused the certificate, or the server refused a client without one. Or not: the
            // server stalled, or talked on; said below.
            cancellationToken.ThrowIfCancellationRequested();
        }

        if (presented is null && recording.Overflowed)
        {
            throw new IOException($"the server sent more than {RecordLimit / 1024} KiB without a certificate the check could read");
        }

        using var leaf = presented
            ?? (HandshakeFlight.LeafCertificate(recording.Recorded) is { } der ? X509CertificateLoader.LoadCertificate(der) : null);
        return leaf is null ? null : ServedCertificate.Of(leaf);
    }

    private async Task<IPAddress> ResolveAsync(string host, ProbeSettings probe, CancellationToken cancellationToken)
    {
        var addresses = await resolver.ResolveAsync(host, AddressSelection.Query(probe.IpFamily), cancellationToken);
        return AddressSelection.Choose(addresses, probe.IpFamily, probe.SourceAddress)
            ?? throw new IOException($"{host} has {AddressSelection.Missing(probe.IpFamily, probe.SourceAddress)}");
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Certificate check of {Collector} ({Endpoint}) read no certificate: {Error}")]
    private static partial void LogNoCertificate(ILogger logger, string collector, string endpoint, string error);
}
