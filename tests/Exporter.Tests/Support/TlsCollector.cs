using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using LogCollectorExporter.Platform;

namespace LogCollectorExporter.Tests.Support;

/// <summary>
/// A loopback TCP server standing in for a collector's TLS port, in each way a certificate check can find one: TLS 1.2
/// demanding a client certificate (as port 3978 does), TLS 1.3 without, or a server that answers a ClientHello with
/// <see cref="Answer"/>'s bytes (garbage, a truncated record, a stall). It counts the connections it accepted, the
/// ClientHellos among them (a connection whose first byte is a TLS handshake record) and every byte it received.
/// </summary>
public sealed class TlsCollector : IDisposable
{
    private readonly Socket listener;
    private readonly CancellationTokenSource stop = new();
    private readonly Func<Socket, Task> serve;
    private int accepted;
    private int clientHellos;
    private long bytesReceived;

    private TlsCollector(Func<TlsCollector, Func<Socket, Task>> serve)
    {
        listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(64);
        Port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        this.serve = serve(this);
        _ = AcceptAsync();
    }

    public int Port { get; }

    public int Accepted => Volatile.Read(ref accepted);

    public int ClientHellos => Volatile.Read(ref clientHellos);

    public long BytesReceived => Interlocked.Read(ref bytesReceived);

    /// <summary>TLS with <paramref name="certificate"/>, speaking only <paramref name="protocols"/>; with <paramref name="requireClientCertificate"/>, a client without one is refused.</summary>
    public static TlsCollector Tls(X509Certificate2 certificate, SslProtocols protocols, bool requireClientCertificate) =>
        new(self => async socket =>
        {
            await using var tls = new SslStream(new CountingStream(new NetworkStream(socket, ownsSocket: true), self), leaveInnerStreamOpen: false);
            try
            {
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificate = certificate,
                    EnabledSslProtocols = protocols,
                    ClientCertificateRequired = requireClientCertificate,
                    RemoteCertificateValidationCallback = (_, client, _, _) => !requireClientCertificate || client is not null,
                }, self.stop.Token);
                // Held until the client goes, as a collector holds a firewall's connection.
                _ = await tls.ReadAsync(new byte[1], self.stop.Token);
            }
            catch (Exception e) when (e is AuthenticationException or IOException or OperationCanceledException)
            {
                // The check's client refuses the certificate, or brings none: what the test is about.
            }
        });

    /// <summary>Reads the ClientHello, then sends <paramref name="answer"/> and (unless <paramref name="stall"/>) closes.</summary>
    public static TlsCollector Answer(byte[] answer, bool stall = false) =>
        new(self => async socket =>
        {
            using var stream = new CountingStream(new NetworkStream(socket, ownsSocket: true), self);
            try
            {
                _ = await stream.ReadAsync(new byte[16 * 1024], self.stop.Token);
                await stream.WriteAsync(answer, self.stop.Token);
                if (stall)
                {
                    await Task.Delay(Timeout.Infinite, self.stop.Token);
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException)
            {
                // The check gave up first.
            }
        });

    /// <summary>Accepts and says nothing until the client goes: a plain TCP service, or a server stalled before its first byte.</summary>
    public static TlsCollector Silent() =>
        new(self => async socket =>
        {
            using var stream = new CountingStream(new NetworkStream(socket, ownsSocket: true), self);
            var buffer = new byte[16 * 1024];
            try
            {
                while (await stream.ReadAsync(buffer, self.stop.Token) > 0)
                {
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException)
            {
                // Gone.
            }
        });

    public void Dispose()
    {
        stop.Cancel();
        listener.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(stop.Token);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
            {
                return;
            }

            Interlocked.Increment(ref accepted);
            _ = serve(socket);
        }
    }

    /// <summary>Counts what the client sends, and a ClientHello when a connection's first byte is a handshake record.</summary>
    private sealed class CountingStream(Stream inner, TlsCollector owner) : ReadWatchingStream(inner)
    {
        private bool first = true;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await Inner.ReadAsync(buffer, cancellationToken);
            Interlocked.Add(ref owner.bytesReceived, read);
            if (first && read > 0)
            {
                first = false;
                if (buffer.Span[0] == 22)
                {
                    Interlocked.Increment(ref owner.clientHellos);
                }
            }

            return read;
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();
    }
}
