namespace LogCollectorExporter.Probing;

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
