using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace LogCollectorExporter.Bench;

/// <summary>
/// The log collectors: one listener on 0.0.0.0 that answers every 127.x.y.z address and counts the connections it
/// accepts for each of them. Both tools connect to N distinct loopback addresses on its port. It closes each connection
/// at once, or, for a prober in hold mode, keeps it until the prober closes it (as a collector does).
/// </summary>
public sealed class TargetListener : IDisposable
{
    // Enough for the largest run (10,000 targets); a connection to a higher address counts in the total only.
    private const int Counted = 16_384;

    private readonly Socket socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly long[] acceptedBy = new long[Counted];
    private readonly bool hold;
    private long accepted;

    /// <param name="hold">Keep each accepted connection open until the other side closes it.</param>
    public TargetListener(bool hold = false)
    {
        this.hold = hold;
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

    /// <summary>Connections accepted so far for each of the first <paramref name="targets"/> addresses.</summary>
    public long[] AcceptedBy(int targets) => [.. Enumerable.Range(0, targets).Select(i => Interlocked.Read(ref acceptedBy[i]))];

    public void Dispose() => socket.Dispose();

    // The inverse of Address.
    private static int Index(IPEndPoint local)
    {
        Span<byte> bytes = stackalloc byte[4];
        return local.Address.TryWriteBytes(bytes, out _) ? (bytes[1] * 250 * 250) + (bytes[2] * 250) + bytes[3] - 1 : -1;
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var connection = await socket.AcceptAsync();
                Interlocked.Increment(ref accepted);
                if (Index((IPEndPoint)connection.LocalEndPoint!) is >= 0 and < Counted and var index)
                {
                    Interlocked.Increment(ref acceptedBy[index]);
                }

                if (hold)
                {
                    _ = HoldAsync(connection);
                }
                else
                {
                    connection.Dispose();
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Disposed: the run is over.
        }
    }

    // The prober never sends a byte: the receive ends when it closes (FIN) or resets the connection.
    private static async Task HoldAsync(Socket connection)
    {
        using (connection)
        {
            try
            {
                await connection.ReceiveAsync(new byte[1]);
            }
            catch (SocketException)
            {
                // Reset: gone all the same.
            }
        }
    }
}
