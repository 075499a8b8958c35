namespace LogCollectorExporter.Probing;

/// <summary>What a target's socket is doing.</summary>
internal enum ProbeStage
{
    /// <summary>Nothing: waiting for its next probe.</summary>
    Idle,

    /// <summary>A probe is resolving its name (on the thread pool).</summary>
    Resolving,

    /// <summary>A probe's SYN is out, waiting for the handshake to end or the timeout.</summary>
    Connecting,

    /// <summary>Hold mode: the last probe's connection is held until the next probe.</summary>
    Held,
}
