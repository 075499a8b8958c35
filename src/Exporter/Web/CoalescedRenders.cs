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
    private readonly Dictionary<string, TaskCompletionSource<Rendered>> waiting = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> lastSize = new(StringComparer.Ordinal);

    /// <summary>The next render of an answer of <paramref name="contentType"/>, shared with every other request waiting for it.</summary>
    /// <param name="contentType">What is rendered: requests for the same content type share renders.</param>
    /// <param name="render">Writes the answer to the stream (sized like the last one).</param>
    public Task<Rendered> RenderAsync(string contentType, Func<MemoryStream, Task> render)
    {
        TaskCompletionSource<Rendered> next;
        lock (waiting)
        {
            if (waiting.TryGetValue(contentType, out var pending))
            {
                return pending.Task;
            }

            next = new TaskCompletionSource<Rendered>(TaskCreationOptions.RunContinuationsAsynchronously);
            waiting[contentType] = next;
        }

        _ = RenderWhenFreeAsync(contentType, next, render);
        return next.Task;
    }

    private async Task RenderWhenFreeAsync(string contentType, TaskCompletionSource<Rendered> next, Func<MemoryStream, Task> render)
    {
        await oneAtATime.WaitAsync();
        try
        {
            int capacity;
            lock (waiting)
            {
                // From now on a new request waits for the render after this one.
                waiting.Remove(contentType);
                capacity = lastSize.GetValueOrDefault(contentType, 64 * 1024);
            }

            var body = new MemoryStream(capacity + (capacity / 8));
            await render(body);
            lock (waiting)
            {
                lastSize[contentType] = (int)body.Length;
            }

            next.SetResult(new Rendered(body.GetBuffer().AsMemory(0, (int)body.Length), contentType));
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
public readonly record struct Rendered(ReadOnlyMemory<byte> Body, string ContentType);
