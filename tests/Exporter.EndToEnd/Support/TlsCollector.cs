using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace LogCollectorExporter.EndToEnd.Support;

/// <summary>
/// A loopback log collector speaking TLS on its port as 3978 does: TLS 1.2, a client certificate required. A client
/// without one is shown <see cref="Certificate"/>, then refused; a bare TCP handshake (the probe) completes as with any
/// listener.
/// </summary>
public sealed class TlsCollector : IDisposable
{
    private readonly TcpListener listener;
    private readonly CancellationTokenSource stop = new();
    private int handshakes;

    private TlsCollector(X509Certificate2 certificate, IPAddress address)
    {
        Certificate = certificate;
        listener = new TcpListener(address, 0);
        listener.Start();
        Address = address;
        Port = ((IPEndPoint)listener.LocalEndpoint).Port;
        _ = AcceptAsync();
    }

    public X509Certificate2 Certificate { get; }

    public IPAddress Address { get; }

    public int Port { get; }

    /// <summary>TLS handshakes a client began (sent a ClientHello), whatever their end.</summary>
    public int Handshakes => Volatile.Read(ref handshakes);

    /// <summary>Listens on <paramref name="address"/> (127.0.0.1 unless told) at a port of its own, serving <paramref name="certificate"/>.</summary>
    public static TlsCollector Start(X509Certificate2 certificate, IPAddress? address = null) => new(certificate, address ?? IPAddress.Loopback);

    public void Dispose()
    {
        stop.Cancel();
        listener.Stop();
        stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                _ = ServeAsync(await listener.AcceptSocketAsync(stop.Token));
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // Stopped listening.
        }
    }

    private async Task ServeAsync(Socket connection)
    {
        await using var stream = new SslStream(new NetworkStream(connection, ownsSocket: true));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            // A probe's bare handshake sends nothing: only a connection that sends bytes counts as a TLS handshake.
            var first = new byte[1];
            if (await connection.ReceiveAsync(first, SocketFlags.Peek, timeout.Token) == 0)
            {
                return;
            }

            Interlocked.Increment(ref handshakes);
            await stream.AuthenticateAsServerAsync(
                new SslServerAuthenticationOptions
                {
                    ServerCertificate = Certificate,
                    EnabledSslProtocols = SslProtocols.Tls12,
                    ClientCertificateRequired = true,
                    RemoteCertificateValidationCallback = (_, client, _, _) => client is not null,
                },
                timeout.Token);
        }
        catch (Exception e) when (e is AuthenticationException or IOException or SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // Refused, as 3978 refuses a client without a certificate; or the client went away.
        }
    }
}
