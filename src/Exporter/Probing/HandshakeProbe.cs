using System.Net;
using System.Net.Sockets;
using LogCollectorExporter.Configuration;

namespace LogCollectorExporter.Probing;

/// <summary>
/// The firewall's check: resolve the address (timed on its own), then a bare TCP handshake with a timeout.
/// No byte is ever sent. In handshake mode the connection is closed at once; in hold mode it is handed back open.
/// </summary>
public sealed class HandshakeProbe(TimeProvider time, IHostResolver resolver) : ICollectorProbe
{
    // Linux IP_BIND_ADDRESS_NO_PORT: with a source address bound, pick the port at connect time, per destination,
    // so that thousands of probes from one source address do not run out of ephemeral ports.
    private const int IpBindAddressNoPort = 24;

    public async ValueTask<ProbeAttempt> ProbeAsync(CollectorConfig collector, ProbeSettings settings, CancellationToken cancellationToken)
    {
        var (address, dns, dnsError) = await ResolveAsync(collector, settings, cancellationToken);
        if (address is null)
        {
            return new ProbeAttempt(new ProbeOutcome(ProbeResult.DnsError, TimeSpan.Zero, dns, null, dnsError));
        }

        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        var keep = false;
        using var timeout = new CancellationTokenSource(settings.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            if (settings.SourceAddress is { } source)
            {
                if (OperatingSystem.IsLinux())
                {
                    socket.SetRawSocketOption((int)SocketOptionLevel.IP, IpBindAddressNoPort, BitConverter.GetBytes(1));
                }

                socket.Bind(new IPEndPoint(source, 0));
            }

            var started = time.GetTimestamp();
            await socket.ConnectAsync(new IPEndPoint(address, collector.Port), linked.Token);
            var handshake = time.GetElapsedTime(started);
            var outcome = new ProbeOutcome(ProbeResult.Success, handshake, dns, address, null);
            if (settings.Mode == ProbeMode.Hold)
            {
                keep = true;
                return new ProbeAttempt(outcome, new HeldConnection(socket, settings.Close));
            }

            Close(socket, settings.Close);
            return new ProbeAttempt(outcome);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Failed(ProbeResult.Timeout, $"no answer to the SYN within {Duration.Format(settings.Timeout)}");
        }
        catch (SocketException e)
        {
            return Failed(Classify(e.SocketErrorCode), e.Message);
        }
        finally
        {
            if (!keep)
            {
                socket.Dispose();
            }
        }

        ProbeAttempt Failed(ProbeResult result, string error) =>
            new(new ProbeOutcome(result, TimeSpan.Zero, dns, address, $"{new IPEndPoint(address, collector.Port)}: {error}"));
    }

    /// <summary>Closes a connected socket: FIN, or with <see cref="CloseMode.Rst"/> an abortive close (SO_LINGER 0: RST, no TIME_WAIT).</summary>
    internal static void Close(Socket socket, CloseMode close)
    {
        try
        {
            if (close == CloseMode.Rst)
            {
                socket.LingerState = new LingerOption(true, 0);
            }
            else
            {
                // Sends the FIN now. It also keeps the close graceful when a receive was pending on the socket
                // (hold mode): .NET would otherwise abort it, and the collector would see RST instead of FIN.
                socket.Shutdown(SocketShutdown.Send);
            }
        }
        catch (SocketException)
        {
            // The peer already closed or reset it: there is nothing left to send.
        }

        socket.Dispose();
    }

    private static ProbeResult Classify(SocketError error) => error switch
    {
        SocketError.ConnectionRefused or SocketError.ConnectionReset => ProbeResult.Refused,
        SocketError.TimedOut => ProbeResult.Timeout,
        SocketError.NetworkUnreachable or SocketError.HostUnreachable or SocketError.HostDown or SocketError.NetworkDown => ProbeResult.Unreachable,
        _ => ProbeResult.Error,
    };

    private async ValueTask<(IPAddress? Address, TimeSpan? Duration, string? Error)> ResolveAsync(
        CollectorConfig collector, ProbeSettings settings, CancellationToken cancellationToken)
    {
        if (collector.IpAddress is { } literal)
        {
            return (literal, TimeSpan.Zero, null);
        }

        var family = settings.IpFamily switch
        {
            IpFamily.Ip4 => AddressFamily.InterNetwork,
            IpFamily.Ip6 => AddressFamily.InterNetworkV6,
            _ => AddressFamily.Unspecified,
        };
        using var timeout = new CancellationTokenSource(settings.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var started = time.GetTimestamp();
        try
        {
            // WaitAsync: a resolver that ignores cancellation cannot hold the probe past its timeout.
            var addresses = await resolver.ResolveAsync(collector.Address, family, linked.Token).WaitAsync(linked.Token);
            var elapsed = time.GetElapsedTime(started);
            var chosen = Choose(addresses, settings);
            return chosen is null
                ? (null, elapsed, $"{collector.Address}: no {DescribeFamily(settings)} address")
                : (chosen, elapsed, null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, time.GetElapsedTime(started), $"{collector.Address}: name resolution took longer than {Duration.Format(settings.Timeout)}");
        }
        catch (SocketException e)
        {
            return (null, time.GetElapsedTime(started), $"{collector.Address}: {e.Message}");
        }
    }

    // With ipFamily any, IPv4 first, then IPv6; with a source address, only addresses of its family can be reached.
    private static IPAddress? Choose(IPAddress[] addresses, ProbeSettings settings)
    {
        IPAddress? first6 = null;
        foreach (var address in addresses)
        {
            if (settings.SourceAddress is { } source && source.AddressFamily != address.AddressFamily)
            {
                continue;
            }

            if (address.AddressFamily == AddressFamily.InterNetwork && settings.IpFamily != IpFamily.Ip6)
            {
                return address;
            }

            if (address.AddressFamily == AddressFamily.InterNetworkV6 && settings.IpFamily != IpFamily.Ip4)
            {
                first6 ??= address;
            }
        }

        return first6;
    }

    private static string DescribeFamily(ProbeSettings settings) => settings.IpFamily switch
    {
        IpFamily.Ip4 => "IPv4",
        IpFamily.Ip6 => "IPv6",
        _ => settings.SourceAddress is { AddressFamily: AddressFamily.InterNetworkV6 } ? "IPv6" : settings.SourceAddress is null ? "IP" : "IPv4",
    };
}
