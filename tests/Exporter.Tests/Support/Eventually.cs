using System.Text;
using Prometheus;

namespace LogCollectorExporter.Tests.Support;

public static class Eventually
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    /// <summary>Polls until the condition holds; fails the test when it does not within <see cref="Patience"/>.</summary>
    public static Task TrueAsync(Func<bool> condition, string what) => TrueAsync(() => Task.FromResult(condition()), what);

    public static async Task TrueAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"not within {Patience.TotalSeconds} s: {what}");
            await Task.Delay(10);
        }
    }

    /// <summary>The registry's exposition text, as /metrics would serve it.</summary>
    public static async Task<string> ExportTextAsync(this CollectorRegistry registry)
    {
        using var stream = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
