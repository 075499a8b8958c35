using System.Net;
using LogCollectorExporter.Configuration;
using LogCollectorExporter.Platform;

namespace LogCollectorExporter.Probing;

/// <summary>
/// The socket of one target's probes, the way the firewall opens it: a non-blocking connect, no byte ever sent, then
/// closed at once or (hold mode) held and watched until the next probe. One probe at a time; what the current one
/// measured (address, name resolution) is kept until the next begins. Used by the engine's thread alone, which is
/// why the descriptor is a plain int rather than a SafeHandle.
/// </summary>
/// <param name="target">The target: its address and port (the same for as long as this probe serves it).</param>
internal sealed unsafe class HandshakeProbe(int id, CollectorConfig target, TimeProvider time)
{
    /// <summary>Why a held connection ended when the collector reset it.</summary>
    public const string ResetReason = "the collector reset the held connection (RST)";

    private const int ScratchSize = 4096;

    private readonly int port = target.Port;
    private readonly string configuredEndpoint = target.Endpoint;
    private (IPAddress Address, byte[] SocketAddress)? last;
    private long connectStarted;

    public int Id { get; } = id;

    /// <summary>The socket; -1 when none is open.</summary>
    public int Fd { get; private set; } = -1;

    /// <summary>The address when the target's is an IP literal; null for a name, resolved at each probe.</summary>
    public IPAddress? LiteralAddress { get; } = target.IpAddress;

    /// <summary>The address the current probe connects to, once known.</summary>
    public IPAddress? Address { get; private set; }

    /// <summary>The current probe's name resolution (zero for an IP literal), once done.</summary>
    public TimeSpan? DnsLookup { get; private set; }

    /// <summary>When the current probe began (a <see cref="TimeProvider.GetTimestamp"/>).</summary>
    public long BegunAt { get; private set; }

    /// <summary>A new probe begins: the connection held since the last one closes first (as the firewall does), and what the last one measured is forgotten.</summary>
    public void Begin(long now, CloseMode close)
    {
        Close(close);
        Address = null;
        DnsLookup = null;
        BegunAt = now;
    }

    /// <summary>Opens a non-blocking socket, binds it to the source address if there is one, and sends the SYN.</summary>
    /// <param name="source">The address to bind first (<c>probe.sourceAddress</c>) and its sockaddr; null for none.</param>
    /// <param name="now">When connect() is called: the handshake is timed from here.</param>
    /// <param name="failure">The outcome when the result is <see cref="HandshakeStart.Failed"/>; the socket is closed then.</param>
    public HandshakeStart Connect(IPAddress address, TimeSpan dnsLookup, (IPAddress Address, byte[] SocketAddress)? source, long now, out ProbeOutcome failure)
    {
        Address = address;
        DnsLookup = dnsLookup;
        failure = default;
        var fd = Native.Socket(Native.Family(address), Native.SockStream | Native.SockNonBlock | Native.SockCloexec, 0);
        if (fd < 0)
        {
            failure = Fail(ProbeResult.Error, Native.LastError);
            return HandshakeStart.Failed;
        }

        Fd = fd;

        // IP_BIND_ADDRESS_NO_PORT: the port is chosen at connect(), per destination, so thousands of probes from one
        // source address do not run out of ports.
        if (source is { } bound
            && (Native.SetInt(fd, Native.IpProtoIp, Native.IpBindAddressNoPort, 1) != 0 || Native.BindTo(fd, bound.SocketAddress) != 0))
        {
            failure = Fail(ProbeResult.Error, Native.LastError, $"cannot use source address {bound.Address}: ");
            return HandshakeStart.Failed;
        }

        connectStarted = now;
        // The sockaddr is built once per address: a literal's or a name's, for as long as it resolves to the same.
        if (last is not { } known || !known.Address.Equals(address))
        {
            last = known = (address, Native.SocketAddress(address, port));
        }

        if (Native.ConnectTo(fd, known.SocketAddress) == 0)
        {
            return HandshakeStart.Ended;
        }

        var errno = Native.LastError;
        if (errno == Native.EInProgress)
        {
            return HandshakeStart.InProgress;
        }

        failure = Fail(Classify(errno), errno);
        return HandshakeStart.Failed;
    }

    /// <summary>
    /// The handshake ended: the kernel's verdict (SO_ERROR) and, when it succeeded, its duration. On failure the socket
    /// is closed; on success it stays open for the caller to hold or close.
    /// </summary>
    /// <param name="at">When the end was seen.</param>
    /// <param name="resetSince">The handshake completed, but the collector reset the connection before this look.</param>
    public ProbeOutcome Complete(long at, out bool resetSince)
    {
        var errno = Native.PendingError(Fd);

        // A reset, rather than a refusal, comes on an established connection: the handshake completed first.
        resetSince = errno == Native.EConnReset;
        if (errno != 0 && !resetSince)
        {
            return Fail(Classify(errno), errno);
        }

        // The kernel timed the round trip to the microsecond. When the SYN had to be sent again, the handshake took from
        // connect() to when it completed, which the kernel also knows (to the millisecond).
        var (roundTrip, since) = Native.HandshakeTiming(Fd);
        var handshake = roundTrip ?? time.GetElapsedTime(connectStarted, at) - (since ?? TimeSpan.Zero);
        return new ProbeOutcome(ProbeResult.Success, handshake < TimeSpan.Zero ? TimeSpan.Zero : handshake, DnsLookup, Address, null);
    }

    /// <summary>No answer to the SYN within the timeout: the socket is closed.</summary>
    public ProbeOutcome TimedOut(TimeSpan timeout)
    {
        Close(CloseMode.Fin);
        return new ProbeOutcome(ProbeResult.Timeout, TimeSpan.Zero, DnsLookup, Address,
            $"{Endpoint}: no answer to the SYN within {Duration.Format(timeout)}");
    }

    /// <summary>
    /// The held connection became readable or failed (its epoll flags). What the collector sent is read and thrown
    /// away; returns null while the connection stands, else why it ended (FIN, RST, error), the socket then closed.
    /// </summary>
    public string? Watch(uint flags)
    {
        int errno;
        if ((flags & Native.EpollErr) != 0)
        {
            errno = Native.PendingError(Fd);
        }
        else
        {
            errno = Discard();
            if (errno == Native.EAgain)
            {
                return null;
            }
        }

        Close(CloseMode.Fin);
        return errno switch
        {
            0 => "the collector closed the held connection (FIN)",
            Native.EConnReset => ResetReason,
            _ => $"the held connection failed: {Native.Describe(errno)}",
        };
    }

    /// <summary>
    /// Closes the socket, if one is open. <see cref="CloseMode.Fin"/>: what the collector sent is read first, since
    /// closing with bytes unread would send RST instead of FIN. <see cref="CloseMode.Rst"/>: SO_LINGER 0, no TIME_WAIT.
    /// </summary>
    public void Close(CloseMode close)
    {
        if (Fd < 0)
        {
            return;
        }

        if (close == CloseMode.Rst)
        {
            Native.SetAbortiveClose(Fd);
        }
        else
        {
            Discard();
        }

        Native.Close(Fd);
        Fd = -1;
    }

    private static ProbeResult Classify(int errno) => errno switch
    {
        Native.EConnRefused or Native.EConnReset => ProbeResult.Refused,
        Native.ETimedOut => ProbeResult.Timeout,
        Native.ENetUnreach or Native.EHostUnreach or Native.EHostDown or Native.ENetDown => ProbeResult.Unreachable,
        _ => ProbeResult.Error,
    };

    private string Endpoint => Address is null ? configuredEndpoint : new IPEndPoint(Address, port).ToString();

    private ProbeOutcome Fail(ProbeResult result, int errno, string prefix = "")
    {
        Close(CloseMode.Fin);
        return new ProbeOutcome(result, TimeSpan.Zero, DnsLookup, Address, $"{Endpoint}: {prefix}{Native.Describe(errno)}");
    }

    // Reads what the collector sent and throws it away, so its data can never fill the socket; nothing looks at it.
    // Returns 0 when the collector closed the connection (FIN), else the errno that ended the reading (EAGAIN: nothing more for now).
    private int Discard()
    {
        var scratch = stackalloc byte[ScratchSize];
        while (true)
        {
            var read = Native.Receive(Fd, scratch, ScratchSize, Native.MsgDontWait);
            if (read <= 0)
            {
                return read == 0 ? 0 : Native.LastError;
            }
        }
    }
}

/// <summary>How <see cref="HandshakeProbe.Connect"/> left the handshake.</summary>
internal enum HandshakeStart
{
    /// <summary>The SYN is out: the socket becomes writable (EPOLLOUT) when the handshake ends, one way or another.</summary>
    InProgress,

    /// <summary>connect() finished at once: <see cref="HandshakeProbe.Complete"/> tells how.</summary>
    Ended,

    /// <summary>No handshake: the socket could not be opened, bound or connected; the outcome says why.</summary>
    Failed,
}
