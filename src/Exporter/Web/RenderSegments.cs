using System.Collections.Concurrent;

namespace LogCollectorExporter.Web;

/// <summary>
/// The segments answers are rendered into, kept for the next render once an answer has been sent: a scrape every few
/// seconds of megabytes of /metrics then allocates nothing, instead of megabytes that outlive the young collections
/// while they are sent and pile up in the oldest generation until a full one.
/// </summary>
public sealed class RenderSegments
{
    /// <summary>The size of a segment, and so of each write of an answer to a connection: below the large object heap's threshold.</summary>
    public const int SegmentSize = 32 * 1024;

    /// <summary>Segments kept for reuse at most (32 MB): more than any answer but that of tens of thousands of collectors.</summary>
    public const int MaxKept = 1024;

    private readonly ConcurrentBag<byte[]> free = [];

    // Counted apart: the bag's own count stops every thread that uses it.
    private int kept;

    public byte[] Rent()
    {
        if (!free.TryTake(out var segment))
        {
            return new byte[SegmentSize];
        }

        Interlocked.Decrement(ref kept);
        return segment;
    }

    public void Return(IEnumerable<byte[]> segments)
    {
        foreach (var segment in segments)
        {
            if (Interlocked.Increment(ref kept) > MaxKept)
            {
                Interlocked.Decrement(ref kept);
                return;
            }

            free.Add(segment);
        }
    }
}
