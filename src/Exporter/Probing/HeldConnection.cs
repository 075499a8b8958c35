using System.Net.Sockets;
using LogCollectorExporter.Configuration;

namespace LogCollectorExporter.Probing;

/// <summary>
/// Hold mode: a connection kept open until the collector's next probe, as the firewall does, and watched so
/// that the peer closing (FIN) or resetting (RST) it is noticed at once. Nothing is ever sent on it.
/// </summary>
public sealed class HeldConnection : IDisposable
{
    // Bytes a peer sends are read and thrown away, so the socket's buffer cannot fill; the content is never looked at.
    private static readonly byte[] Discard = new byte[1024];

    private readonly Socket socket;
    private readonly CloseMode close;
    private readonly CancellationTokenSource watching = new();

    internal HeldConnection(Socket socket, CloseMode close)
    {
        this.socket = socket;
        this.close = close;
        Dropped = WatchAsync();
    }

    /// <summary>Completes with how the peer dropped the connection; with null when this side closed it.</summary>
    public Task<string?> Dropped { get; }

    public void Dispose()
    {
        if (watching.IsCancellationRequested)
        {
            return;
        }

        watching.Cancel();
        HandshakeProbe.Close(socket, close);
    }

    private async Task<string?> WatchAsync()
    {
        try
        {
            while (true)
            {
                // A zero-byte receive waits for the socket to become readable without taking any data.
                await socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, watching.Token);
                if (socket.Receive(Discard) == 0)
                {
                    return "the collector closed the held connection (FIN)";
                }
            }
        }
        catch (OperationCanceledException) when (watching.IsCancellationRequested)
        {
            return null;
        }
        catch (ObjectDisposedException)
        {
            return null;
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            return "the collector reset the held connection (RST)";
        }
        catch (SocketException e)
        {
            return $"the held connection failed: {e.Message}";
        }
    }
}
