using System.Buffers;
using Microsoft.IO;

namespace LogCollectorExporter.Web;

/// <summary>
/// Renders the large answers (<c>/metrics</c>, <c>/</c>, <c>/api/v1/status</c>: megabytes for a thousand collectors)
/// one at a time, each render shared by every request that waits for it. A request that arrives while a render is
/// running waits for the next one, which starts when that one ends; so every answer was taken after its request
/// arrived, and however many clients ask at once, the exporter renders at most one answer at a time: its CPU and
/// memory stay for the probes (concurrent scrapes rendered side by side starved the probes and grew the memory with
/// their number: docs/benchmarks.md). An answer is rendered into pooled blocks, each below the large object heap's
/// threshold, so a render of megabytes is never copied to grow; its blocks go back to the pool for the next render
/// once every request it was for has sent it or gone away, so a scrape every few seconds allocates nothing.
/// </summary>
public sealed class CoalescedRenders
{
    private readonly RecyclableMemoryStreamManager streams = new(new RecyclableMemoryStreamManager.Options
    {
        BlockSize = 32 * 1024,

        // Kept for reuse at most: more than any answer but that of tens of thousands of collectors.
        MaximumSmallPoolFreeBytes = 32 * 1024 * 1024,
    });

    private readonly SemaphoreSlim oneAtATime = new(1, 1);
    private readonly Dictionary<(string ContentType, string What), Pending> waiting = [];

    /// <summary>
    /// The next render of an answer, shared with every other request waiting for the same one. The caller releases
    /// what it gets (<see cref="Rendered.Release"/>) exactly once, when it has sent it or stopped waiting for it.
    /// </summary>
    /// <param name="contentType">What is rendered.</param>
    /// <param name="what">Which answer of that content type (<c>""</c>, or a group's name): requests for the same one share renders.</param>
    public Task<Rendered> RenderAsync(string contentType, string what, Func<Stream, Task> render)
    {
        var key = (contentType, what);
        Pending next;
        lock (waiting)
        {
            if (waiting.TryGetValue(key, out var pending))
            {
                pending.Takers++;
                return pending.Answer.Task;
            }

            next = new Pending();
            waiting[key] = next;
        }

        _ = RenderWhenFreeAsync(key, next, render);
        return next.Answer.Task;
    }

    private async Task RenderWhenFreeAsync((string ContentType, string What) key, Pending next, Func<Stream, Task> render)
    {
        await oneAtATime.WaitAsync();
        RecyclableMemoryStream? body = null;
        try
        {
            int takers;
            lock (waiting)
            {
                // From now on a new request waits for the render after this one: the requests for this one are counted.
                waiting.Remove(key);
                takers = next.Takers;
            }

            body = streams.GetStream();
            await render(body);
            next.Answer.SetResult(new Rendered(body, key.ContentType, takers));
        }
        catch (Exception e)
        {
            // Every request that waited for this render fails with its exception.
            body?.Dispose();
            next.Answer.SetException(e);
        }
        finally
        {
            oneAtATime.Release();
        }
    }

    private sealed class Pending
    {
        public readonly TaskCompletionSource<Rendered> Answer = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Takers = 1;
    }
}

/// <summary>A rendered answer, shared read-only by the <paramref name="takers"/> requests it is sent to.</summary>
public sealed class Rendered(RecyclableMemoryStream body, string contentType, int takers)
{
    /// <summary>The answer, in the blocks it is written to a connection in.</summary>
    public ReadOnlySequence<byte> Segments => body.GetReadOnlySequence();

    public long Length => body.Length;

    public string ContentType => contentType;

    /// <summary>One request is done with the answer; when the last is, its memory goes to the next render.</summary>
    public void Release()
    {
        if (Interlocked.Decrement(ref takers) == 0)
        {
            body.Dispose();
        }
    }
}
