using System.Diagnostics;
using System.Text.Json;

namespace LogCollectorExporter.EndToEnd.Support;

/// <summary>
/// One alert of a notification that Alertmanager's webhook receiver posted, and when it arrived; the receiver and
/// the group key are the notification's (every alert of one notification has the same <see cref="At"/>).
/// </summary>
public sealed record ReceivedAlert(string Status, IReadOnlyDictionary<string, string> Labels, IReadOnlyDictionary<string, string> Annotations, TimeSpan At,
    string Receiver, string GroupKey)
{
    public string Name => Labels["alertname"];

    public override string ToString() =>
        $"{At.TotalSeconds,6:F1} s {Receiver} {Status,-8} {{{string.Join(", ", Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}=\"{l.Value}\""))}}}";
}

/// <summary>An HTTP listener on 127.0.0.1 for Alertmanager's webhook receiver: it keeps every alert it is sent.</summary>
public sealed class AlertWebhook : IAsyncDisposable
{
    private readonly WebApplication app;
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly List<ReceivedAlert> received = [];

    private AlertWebhook()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        app = builder.Build();
        app.MapPost("/alerts", ReceiveAsync);
    }

    /// <summary>Where Alertmanager posts.</summary>
    public Uri Url => new(new Uri(app.Urls.Single()), "/alerts");

    /// <summary>The clock <see cref="ReceivedAlert.At"/> is read from, for measuring from another event to an arrival.</summary>
    public TimeSpan Elapsed => clock.Elapsed;

    /// <summary>Every alert received so far, in order of arrival.</summary>
    public IReadOnlyList<ReceivedAlert> Alerts
    {
        get
        {
            lock (received)
            {
                return [.. received];
            }
        }
    }

    public static async Task<AlertWebhook> StartAsync()
    {
        var webhook = new AlertWebhook();
        await webhook.app.StartAsync();
        return webhook;
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }

    private async Task<IResult> ReceiveAsync(HttpRequest request)
    {
        using var notification = await JsonDocument.ParseAsync(request.Body);
        var at = clock.Elapsed;
        var root = notification.RootElement;
        var (receiver, groupKey) = (root.GetProperty("receiver").GetString()!, root.GetProperty("groupKey").GetString()!);
        var alerts = root.GetProperty("alerts").EnumerateArray()
            .Select(a => new ReceivedAlert(a.GetProperty("status").GetString()!, Strings(a.GetProperty("labels")), Strings(a.GetProperty("annotations")), at,
                receiver, groupKey))
            .ToArray();
        lock (received)
        {
            received.AddRange(alerts);
        }

        return Results.Ok();
    }

    private static Dictionary<string, string> Strings(JsonElement map) =>
        map.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
}
