using System.Runtime.InteropServices;
using LogCollectorExporter.Tests.Support;
using LogCollectorExporter.Web;

namespace LogCollectorExporter.Tests;

/// <summary>Renders shared by the requests waiting for them, and their memory reused once every one of them is done.</summary>
public sealed class CoalescedRendersTests
{
    private readonly RenderSegments segments = new();

    [Fact]
    public async Task Requests_that_arrive_during_a_render_share_the_next_one()
    {
        var renders = new CoalescedRenders(segments);
        var first = new TaskCompletionSource();
        var count = 0;
        Task Render(Stream body)
        {
            Interlocked.Increment(ref count);
            body.Write("answer"u8);
            return first.Task;
        }

        var running = renders.RenderAsync("text/plain", "", Render);
        await Eventually.TrueAsync(() => Volatile.Read(ref count) == 1, "the first render started");
        var second = renders.RenderAsync("text/plain", "", Render);
        var third = renders.RenderAsync("text/plain", "", Render);
        first.SetResult();

        Assert.Same(await second, await third);
        Assert.NotSame(await running, await second);
        Assert.Equal(2, count);
    }

    [Fact]
    public async Task An_answers_memory_goes_to_the_next_render_only_when_every_request_is_done_with_it()
    {
        var renders = new CoalescedRenders(segments);
        var gate = new TaskCompletionSource();
        Task Blocked(Stream body) => gate.Task;
        var blocking = renders.RenderAsync("text/plain", "other", Blocked);

        // Two requests wait for the same render of 40 KB: two segments.
        var a = renders.RenderAsync("text/plain", "", Write(40_000));
        var b = renders.RenderAsync("text/plain", "", Write(40_000));
        gate.SetResult();
        (await blocking).Release();
        var shared = await a;
        Assert.Same(shared, await b);
        Assert.Equal(2, shared.Segments.Count);
        Assert.Equal(40_000, shared.Length);

        shared.Release();
        var whileOneSends = await renders.RenderAsync("text/plain", "", Write(40_000));
        // Compared as objects: xunit compares arrays by content.
        Assert.DoesNotContain(shared.Segments, s => ReferenceEquals(Array(s), Array(whileOneSends.Segments[0])));

        shared.Release();
        var after = await renders.RenderAsync("text/plain", "", Write(40_000));
        Assert.Contains(shared.Segments, s => ReferenceEquals(Array(s), Array(after.Segments[0])));
        whileOneSends.Release();
        after.Release();
    }

    private static Func<Stream, Task> Write(int bytes) => body =>
    {
        body.Write(new byte[bytes]);
        return Task.CompletedTask;
    };

    private static byte[] Array(ReadOnlyMemory<byte> segment) =>
        MemoryMarshal.TryGetArray(segment, out var array) ? array.Array! : throw new InvalidOperationException("not an array");
}
