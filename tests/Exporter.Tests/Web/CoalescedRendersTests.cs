using System.Runtime.InteropServices;
using LogCollectorExporter.Tests.Support;
using LogCollectorExporter.Web;

namespace LogCollectorExporter.Tests;

/// <summary>Renders shared by the requests waiting for them, and their memory reused once every one of them is done.</summary>
public sealed class CoalescedRendersTests
{
    [Fact]
    public async Task Requests_that_arrive_during_a_render_share_the_next_one()
    {
        var renders = new CoalescedRenders();
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
        var renders = new CoalescedRenders();
        var gate = new TaskCompletionSource();
        Task Blocked(Stream body) => gate.Task;
        var blocking = renders.RenderAsync("text/plain", "other", Blocked);

        // Two requests wait for the same render of 40 KB: two blocks.
        var a = renders.RenderAsync("text/plain", "", Write(40_000));
        var b = renders.RenderAsync("text/plain", "", Write(40_000));
        gate.SetResult();
        (await blocking).Release();
        var shared = await a;
        Assert.Same(shared, await b);
        var sharedBlocks = Blocks(shared);
        Assert.Equal(2, sharedBlocks.Length);
        Assert.Equal(40_000, shared.Length);

        shared.Release();
        var whileOneSends = await renders.RenderAsync("text/plain", "", Write(40_000));
        Assert.DoesNotContain(sharedBlocks, s => ReferenceEquals(s, Blocks(whileOneSends)[0]));

        shared.Release();
        var after = await renders.RenderAsync("text/plain", "", Write(40_000));
        Assert.Contains(sharedBlocks, s => ReferenceEquals(s, Blocks(after)[0]));
        whileOneSends.Release();
        after.Release();
    }

    private static Func<Stream, Task> Write(int bytes) => body =>
    {
        body.Write(new byte[bytes]);
        return Task.CompletedTask;
    };

    /// <summary>The arrays an answer's blocks are in, compared as objects (xunit compares arrays by content).</summary>
    private static byte[][] Blocks(Rendered rendered)
    {
        var blocks = new List<byte[]>();
        foreach (var block in rendered.Segments)
        {
            blocks.Add(MemoryMarshal.TryGetArray(block, out var array) ? array.Array! : throw new InvalidOperationException("not an array"));
        }

        return [.. blocks];
    }
}
