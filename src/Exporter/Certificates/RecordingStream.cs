using LogCollectorExporter.Platform;

namespace LogCollectorExporter.Certificates;

/// <summary>
/// The transport under the check's <see cref="System.Net.Security.SslStream"/>, keeping the first bytes the server
/// sends: in TLS 1.2 the server's Certificate message is among them, in the clear. At most <paramref name="capacity"/>
/// bytes: a read beyond them fails, so that a server that talks on and on ends the check rather than fills memory.
/// </summary>
internal sealed class RecordingStream(Stream inner, int capacity) : ReadWatchingStream(inner)
{
    private readonly byte[] recorded = new byte[capacity];
    private int length;

    /// <summary>What the server sent, as far as it was read.</summary>
    public ReadOnlySpan<byte> Recorded => recorded.AsSpan(0, length);

    public bool Overflowed { get; private set; }

    public override int Read(byte[] buffer, int offset, int count)
    {
        var room = Math.Min(count, Room());
        return Record(buffer.AsSpan(offset, room), Inner.Read(buffer, offset, room));
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var room = buffer[..Math.Min(buffer.Length, Room())];
        var read = await Inner.ReadAsync(room, cancellationToken);
        return Record(room.Span, read);
    }

    // Reads are cut to what is left of the capacity, so that nothing read goes unrecorded; none left, the read fails.
    private int Room()
    {
        if (length == capacity)
        {
            Overflowed = true;
            throw new IOException("the server sent more than the check records");
        }

        return capacity - length;
    }

    private int Record(ReadOnlySpan<byte> buffer, int read)
    {
        buffer[..read].CopyTo(recorded.AsSpan(length));
        length += read;
        return read;
    }
}
