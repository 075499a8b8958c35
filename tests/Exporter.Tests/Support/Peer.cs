using System.Net;
using System.Net.Sockets;

namespace LogCollectorExporter.Tests.Support;

/// <summary>
/// A loopback TCP peer standing in for a log collector, in each way a probe can find one: up (listening and
/// accepting), refused (the port is bound but not listening, so a SYN gets RST), blackholed (listening with a full
/// accept backlog, so the kernel drops the SYN), talkative (it writes to every connection) — and able to close or
/// reset the connections it holds. Each binds an address of its own in 127.0.0.0/8 (127.0.0.1 unless told).
/// </summary>
public sealed class Peer : IDisposable
{
    private readonly Lock gate = new();
    private readonly List<Socket> held = [];
    private readonly List<Socket> fillers = [];
    private readonly List<Task> readers = [];
    private Socket? socket;
    private long bytesReceived;
    private long bytesSent;
    private int accepted;

    private Peer(Socket socket)
    {
        this.socket = socket;
        Port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        Address = ((IPEndPoint)socket.LocalEndPoint!).Address;
    }

    public int Port { get; }

    public IPAddress Address { get; }

    /// <summary>Bytes the peer received on any connection it accepted.</summary>
    public long BytesReceived => Interlocked.Read(ref bytesReceived);

    public int Accepted => Volatile.Read(ref accepted);

    /// <summary>Bytes a talkative peer wrote.</summary>
    public long BytesSent => Interlocked.Read(ref bytesSent);

    /// <summary>Connections accepted and not ended yet.</summary>
    public int Held
    {
        get
        {
            lock (gate)
            {
                return held.Count;
            }
        }
    }

    /// <summary>The address the last accepted connection came from.</summary>
    public IPAddress? LastRemoteAddress { get; private set; }

    private readonly List<string> endings = [];

    /// <summary>How each accepted connection that ended did: "fin" or "rst" from the prober, or "closed here".</summary>
    public IReadOnlyList<string> Endings()
    {
        lock (gate)
        {
            return [.. endings];
        }
    }


    public static Peer Up(int port = 0, IPAddress? address = null)
    {
        var peer = new Peer(Bind(address, port, listen: 128));
        _ = peer.AcceptAsync();
        return peer;
    }

    /// <summary>Accepts each connection and writes <paramref name="chunk"/> to it every <paramref name="every"/> until it ends: a collector that talks.</summary>
    public static Peer Talkative(byte[] chunk, TimeSpan every, IPAddress? address = null)
    {
        var peer = new Peer(Bind(address, 0, listen: 128));
        _ = peer.AcceptAsync(connection => peer.TalkAsync(connection, chunk, every));
        return peer;
    }

    /// <summary>Accepts each connection and resets it shortly after: a collector, or a middlebox, that drops connections.</summary>
    public static Peer ResetAfterAccept(TimeSpan after, IPAddress? address = null)
    {
        var peer = new Peer(Bind(address, 0, listen: 128));
        _ = peer.ResetEachAsync(after);
        return peer;
    }

    public static Peer Refused(IPAddress? address = null) => new(Bind(address, 0, listen: null));

    public static Peer Blackholed(IPAddress? address = null) => BlackholedAsync(address).GetAwaiter().GetResult();

    public static async Task<Peer> BlackholedAsync(IPAddress? address = null)
    {
        var peer = new Peer(Bind(address, 0, listen: 0));
        var endpoint = new IPEndPoint(peer.Address, peer.Port);

        // Fill the accept queue (never accepted) until a connect stalls: from then on the kernel drops SYNs.
        for (var i = 0; i < 16; i++)
        {
            var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            using var stall = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
            try
            {
                await client.ConnectAsync(endpoint, stall.Token);
            }
            catch (OperationCanceledException)
            {
                client.Dispose();
                return peer;
            }

            peer.fillers.Add(client);
        }

        throw new InvalidOperationException("The accept backlog never filled: SYNs are not being dropped.");
    }

    /// <summary>Resets every held connection (RST), as a crashing collector host or a middlebox would.</summary>
    public void ResetConnections()
    {
        lock (gate)
        {
            foreach (var connection in held)
            {
                connection.LingerState = new LingerOption(true, 0);
                connection.Dispose();
            }

            held.Clear();
        }
    }

    /// <summary>Sends bytes on every held connection, as a collector that talks first would.</summary>
    public void SendToConnections(int bytes)
    {
        lock (gate)
        {
            foreach (var connection in held)
            {
                connection.Send(new byte[bytes]);
            }
        }
    }

    /// <summary>How many accepted connections are open now.</summary>
    public int OpenConnections
    {
        get
        {
            lock (gate)
            {
                return held.Count;
            }
        }
    }

    /// <summary>Closes every held connection with FIN.</summary>
    public void CloseConnections()
    {
        lock (gate)
        {
            foreach (var connection in held)
            {
                try
                {
                    connection.Shutdown(SocketShutdown.Both);
                }
                catch (SocketException)
                {
                    // The prober already reset it.
                }

                connection.Dispose();
            }

            held.Clear();
        }
    }

    /// <summary>Stops listening: new probes are refused from now on.</summary>
    public void StopListening()
    {
        lock (gate)
        {
            socket?.Dispose();
            socket = null;
        }
    }

    /// <summary>Waits until every accepted connection has ended, so its bytes and ending are counted.</summary>
    public async Task DrainAsync()
    {
        Task[] pending;
        lock (gate)
        {
            pending = [.. readers];
        }

        await Task.WhenAll(pending).WaitAsync(TimeSpan.FromSeconds(10));
    }

    public void Dispose()
    {
        StopListening();
        ResetConnections();
        foreach (var filler in fillers)
        {
            filler.Dispose();
        }
    }

    private static Socket Bind(IPAddress? address, int port, int? listen)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        socket.Bind(new IPEndPoint(address ?? IPAddress.Loopback, port));
        if (listen is { } backlog)
        {
            socket.Listen(backlog);
        }

        return socket;
    }

    private async Task AcceptAsync(Func<Socket, Task>? talk = null)
    {
        var listener = socket!;
        try
        {
            while (true)
            {
                var connection = await listener.AcceptAsync();
                Interlocked.Increment(ref accepted);
                LastRemoteAddress = ((IPEndPoint)connection.RemoteEndPoint!).Address;
                lock (gate)
                {
                    held.Add(connection);
                    readers.Add(ReadAsync(connection));
                }

                if (talk is not null)
                {
                    _ = talk(connection);
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Stopped listening.
        }
    }

    private async Task ResetEachAsync(TimeSpan after)
    {
        var listener = socket!;
        try
        {
            while (true)
            {
                var connection = await listener.AcceptAsync();
                Interlocked.Increment(ref accepted);
                _ = Task.Delay(after).ContinueWith(
                    _ =>
                    {
                        connection.LingerState = new LingerOption(true, 0);
                        connection.Dispose();
                    },
                    TaskScheduler.Default);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Stopped listening.
        }
    }

    private async Task TalkAsync(Socket connection, byte[] chunk, TimeSpan every)
    {
        try
        {
            while (true)
            {
                await connection.SendAsync(chunk);
                Interlocked.Add(ref bytesSent, chunk.Length);
                await Task.Delay(every);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // The connection ended.
        }
    }

    private async Task ReadAsync(Socket connection)
    {
        var buffer = new byte[256];
        string ending;
        try
        {
            while (true)
            {
                var read = await connection.ReceiveAsync(buffer);
                if (read == 0)
                {
                    ending = "fin";
                    break;
                }

                Interlocked.Add(ref bytesReceived, read);
            }
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            ending = "rst";
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            ending = "closed here";
        }

        lock (gate)
        {
            endings.Add(ending);
            held.Remove(connection);
        }

        connection.Dispose();
    }
}
