using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace LogCollectorExporter.Bench;

/// <summary>
/// The log collectors: one listener on 0.0.0.0 that answers every 127.x.y.z address, accepting each connection and
/// closing it. Both tools connect to N distinct loopback addresses on its port.
/// </summary>
public sealed class TargetListener : IDisposable
{
    private readonly Socket socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private long accepted;

    public TargetListener()
    {
        socket.Bind(new IPEndPoint(IPAddress.Any, 0));
        socket.Listen(4096);
        Port = ((IPEndPoint)socket.LocalEndPoint!).Port;
        _ = AcceptAsync();
    }

    public int Port { get; }

    public long Accepted => Interlocked.Read(ref accepted);

    /// <summary>The i-th target address (0-based): 127.0.0.1 … 127.0.0.250, 127.0.1.1 … and so on.</summary>
    public static string Address(int i) =>
        string.Create(CultureInfo.InvariantCulture, $"127.{i / 250 / 250}.{i / 250 % 250}.{(i % 250) + 1}");

    public void Dispose() => socket.Dispose();

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var connection = await socket.AcceptAsync();
                Interlocked.Increment(ref accepted);
                connection.Dispose();
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Disposed: the run is over.
        }
    }
}
