using System.Net;
using System.Net.Sockets;

namespace LogCollectorExporter.Demo;

/// <summary>
/// A stand-in for a log collector on 127.0.0.1: it accepts connections and holds them until the peer closes,
/// and can stop (closing its connections and its port, so probes are refused) and start again on the same port.
/// </summary>
public sealed class SimulatedCollector : IDisposable
{
    private readonly Lock gate = new();
    private readonly List<Socket> connections = [];
    private Socket? listener;

    public SimulatedCollector() => Listen(0);

    public int Port { get; private set; }

    public void Start()
    {
        lock (gate)
        {
            if (listener is null)
            {
                Listen(Port);
            }
        }
    }

    /// <summary>Closes every held connection (the exporter sees FIN) and the listening port (new probes are refused).</summary>
    public void Stop()
    {
        lock (gate)
        {
            listener?.Dispose();
            listener = null;
            foreach (var connection in connections)
            {
                // A collector that stops closes its connections with FIN, as a process exiting does.
                try
                {
                    connection.Shutdown(SocketShutdown.Both);
                }
                catch (SocketException)
                {
                    // Already reset by the peer.
                }

                connection.Dispose();
            }

            connections.Clear();
        }
    }

    public void Dispose() => Stop();

    private void Listen(int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
        socket.Listen(128);
        Port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        listener = socket;
        _ = AcceptAsync(socket);
    }

    private async Task AcceptAsync(Socket socket)
    {
        try
        {
            while (true)
            {
                var connection = await socket.AcceptAsync();
                lock (gate)
                {
                    if (listener != socket)
                    {
                        connection.Dispose();
                        return;
                    }

                    connections.Add(connection);
                }

                _ = HoldAsync(connection);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Stopped.
        }
    }

    private async Task HoldAsync(Socket connection)
    {
        var buffer = new byte[64];
        try
        {
            while (await connection.ReceiveAsync(buffer) > 0)
            {
                // Probes send nothing; anything that arrives is ignored.
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Reset, or stopped.
        }

        lock (gate)
        {
            connections.Remove(connection);
        }

        connection.Dispose();
    }
}
