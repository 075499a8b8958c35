namespace LogCollectorExporter.Web;

/// <summary>
/// Renders the large answers (<c>/metrics</c>, <c>/</c>, <c>/api/v1/status</c>: megabytes for a thousand collectors)
/// one at a time, each render shared by every request that waits for it. A request that arrives while a render is
/// running waits for the next one, which starts when that one ends; so every answer was taken after its request
/// arrived, and however many clients ask at once, the exporter renders at most one answer at a time: its CPU and
/// memory stay for the probes (200 concurrent scrapes rendered side by side starved the probes and took the
/// exporter to 900 MB).
/// </summary>
public sealed class CoalescedRenders
{
    private readonly SemaphoreSlim oneAtATime = new(1, 1);
    private readonly Dictionary<(string ContentType, string What), TaskCompletionSource<Rendered>> waiting = [];

    /// <summary>The next render of an answer, shared with every other request waiting for the same one.</summary>
    /// <param name="contentType">What is rendered.</param>
    /// <param name="what">Which answer of that content type (<c>""</c>, or a group's name): requests for the same one share renders.</param>
    /// <param name="render">Writes the answer to the stream.</param>
    public Task<Rendered> RenderAsync(string contentType, string what, Func<Stream, Task> render)
    {
        var key = (contentType, what);
        TaskCompletionSource<Rendered> next;
        lock (waiting)
        {
            if (waiting.TryGetValue(key, out var pending))
            {
                return pending.Task;
            }

            next = new TaskCompletionSource<Rendered>(TaskCreationOptions.RunContinuationsAsynchronously);
            waiting[key] = next;
        }

        _ = RenderWhenFreeAsync(key, next, render);
        return next.Task;
    }

    private async Task RenderWhenFreeAsync((string ContentType, string What) key, TaskCompletionSource<Rendered> next, Func<Stream, Task> render)
    {
        await oneAtATime.WaitAsync();
        try
        {
            lock (waiting)
            {
                // From now on a new request waits for the render after this one.
                waiting.Remove(key);
            }

            using var body = new RenderBuffer();
            await render(body);
            next.SetResult(new Rendered(body.Segments(), body.Length, key.ContentType));
        }
        catch (Exception e)
        {
            // Every request that waited for this render fails with its exception.
            next.SetException(e);
        }
        finally
        {
            oneAtATime.Release();
        }
    }
}

/// <summary>A rendered answer, shared read-only by the requests it is sent to.</summary>
/// <param name="Segments">The answer, in the pieces it is written to a connection in.</param>
/// <param name="Length">Its length in bytes.</param>
/// <param name="ContentType">Its content type.</param>
public readonly record struct Rendered(IReadOnlyList<ReadOnlyMemory<byte>> Segments, long Length, string ContentType);
