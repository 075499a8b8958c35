namespace LogCollectorExporter.Configuration;

/// <summary>
/// Reads another stream forward only, shows every byte to <see cref="Consumed"/>, and throws what
/// <paramref name="tooLarge"/> makes once it has given more than <paramref name="maxBytes"/>.
/// </summary>
internal class BoundedStream(Stream inner, long maxBytes = long.MaxValue, Func<Exception>? tooLarge = null) : Stream
{
    private long length;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => length; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var read = inner.Read(buffer);
        length += read;
        if (length > maxBytes)
        {
            throw tooLarge?.Invoke() ?? new IOException($"more than {maxBytes} bytes");
        }

        Consumed(buffer[..read]);
        return read;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected virtual void Consumed(ReadOnlySpan<byte> bytes)
    {
    }
}
