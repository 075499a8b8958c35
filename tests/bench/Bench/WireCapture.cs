using System.Globalization;
using LogCollectorExporter.Tests.Support;

namespace LogCollectorExporter.Bench;

/// <summary>
/// The time on the wire of handshakes to the targets: SYN to SYN/ACK, captured on lo with tshark. On loopback it is a
/// few microseconds, so what a prober reports above it is the prober's own measurement overhead.
/// </summary>
public sealed class WireCapture : IDisposable
{
    private readonly ToolProcess tshark;
    private readonly string file;
    private readonly int port;

    private WireCapture(ToolProcess tshark, string file, int port)
    {
        this.tshark = tshark;
        this.file = file;
        this.port = port;
    }

    public static async Task<WireCapture> StartAsync(int port)
    {
        var file = Path.Combine(Path.GetTempPath(), $"lce-bench-{Guid.NewGuid():N}.pcapng");
        var tshark = new ToolProcess("tshark", ["-i", "lo", "-f", $"tcp port {port} and tcp[tcpflags] & tcp-syn != 0", "-w", file]);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!tshark.Output.Contains("Capture started", StringComparison.Ordinal))
        {
            if (tshark.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException("tshark did not start capturing:\n" + tshark.Output);
            }

            await Task.Delay(50);
        }

        return new WireCapture(tshark, file, port);
    }

    /// <summary>Stops the capture; the mean SYN → SYN/ACK time of the handshakes captured, and how many there were.</summary>
    public async Task<(double MeanSeconds, int Handshakes)> StopAsync()
    {
        await tshark.InterruptAsync();
        var (_, fields) = await Tools.RunAsync("tshark", ["-r", file, "-T", "fields", "-E", "separator=,", "-e", "frame.time_epoch",
            "-e", "ip.src", "-e", "tcp.srcport", "-e", "ip.dst", "-e", "tcp.dstport", "-e", "tcp.flags.ack"]);
        var syn = new Dictionary<string, decimal>(StringComparer.Ordinal);
        var (total, count) = (0m, 0);
        foreach (var line in fields.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = line.Split(',');
            if (f.Length < 6 || !decimal.TryParse(f[0], NumberStyles.Float, CultureInfo.InvariantCulture, out var time))
            {
                continue;
            }

            var fromTarget = f[2] == port.ToString(CultureInfo.InvariantCulture);
            var key = fromTarget ? $"{f[3]}:{f[4]}>{f[1]}" : $"{f[1]}:{f[2]}>{f[3]}";
            if (!fromTarget && f[5] is "0" or "False")
            {
                syn[key] = time;
            }
            else if (fromTarget && f[5] is "1" or "True" && syn.Remove(key, out var sent))
            {
                total += time - sent;
                count++;
            }
        }

        return (count == 0 ? double.NaN : (double)(total / count), count);
    }

    public void Dispose()
    {
        tshark.Dispose();
        File.Delete(file);
    }
}
