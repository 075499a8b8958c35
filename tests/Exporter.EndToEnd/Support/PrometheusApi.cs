using System.Globalization;
using System.Text.Json;

namespace LogCollectorExporter.EndToEnd.Support;

/// <summary>The parts of Prometheus's HTTP API the test reads: queries as Grafana runs them, label values, rules.</summary>
/// <param name="timeout">How long a request may take; 10 s by default (the bench's Prometheus, with thousands of firewalls, takes longer).</param>
public sealed class PrometheusApi(Uri address, TimeSpan? timeout = null) : IDisposable
{
    private readonly HttpClient client = new() { BaseAddress = address, Timeout = timeout ?? TimeSpan.FromSeconds(10) };

    /// <summary>Runs an expression as an instant query, or as a range query over the last minute at a 1 s step; the number of series it returned, or the error.</summary>
    public async Task<(int Series, string? Error)> QueryAsync(string expression, bool instant)
    {
        var (series, error) = await SeriesAsync(expression, instant);
        return (series.Count, error);
    }

    /// <summary>Runs an expression as <see cref="QueryAsync"/> does; the series it returned with their last values, or the error.</summary>
    public async Task<(IReadOnlyList<Series> Series, string? Error)> SeriesAsync(string expression, bool instant)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0;
        var query = instant
            ? $"api/v1/query?query={Uri.EscapeDataString(expression)}&time={Seconds(now)}"
            : $"api/v1/query_range?query={Uri.EscapeDataString(expression)}&start={Seconds(now - 60)}&end={Seconds(now)}&step=1";
        using var response = await client.GetAsync(query);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = body.RootElement;
        if (root.GetProperty("status").GetString() != "success")
        {
            return ([], $"{root.GetProperty("errorType").GetString()}: {root.GetProperty("error").GetString()}");
        }

        return ([.. root.GetProperty("data").GetProperty("result").EnumerateArray().Select(s => new Series(
            s.GetProperty("metric").EnumerateObject().ToDictionary(l => l.Name, l => l.Value.GetString()!),
            Sample(instant ? s.GetProperty("value") : s.GetProperty("values").EnumerateArray().Last())))], null);
    }

    /// <summary>The values of a label among the series a selector matches (what Grafana's <c>label_values(selector, label)</c> lists).</summary>
    public async Task<string[]> LabelValuesAsync(string label, string selector)
    {
        using var body = JsonDocument.Parse(await client.GetStringAsync($"api/v1/label/{label}/values?match[]={Uri.EscapeDataString(selector)}"));
        return [.. body.RootElement.GetProperty("data").EnumerateArray().Select(v => v.GetString()!)];
    }

    /// <summary>Every rule Prometheus loaded: its name, health (ok, err, unknown before its first evaluation) and last error.</summary>
    public async Task<(string Name, string Health, string? Error)[]> RulesAsync()
    {
        using var body = JsonDocument.Parse(await client.GetStringAsync("api/v1/rules"));
        return [.. from g in body.RootElement.GetProperty("data").GetProperty("groups").EnumerateArray()
                   from r in g.GetProperty("rules").EnumerateArray()
                   select (r.GetProperty("name").GetString()!, r.GetProperty("health").GetString()!,
                       r.TryGetProperty("lastError", out var e) ? e.GetString() : null)];
    }

    /// <summary>Every alert Prometheus holds now, pending or firing: its name, state and labels.</summary>
    public async Task<(string Name, string State, IReadOnlyDictionary<string, string> Labels)[]> AlertsAsync()
    {
        using var body = JsonDocument.Parse(await client.GetStringAsync("api/v1/alerts"));
        return [.. from a in body.RootElement.GetProperty("data").GetProperty("alerts").EnumerateArray()
                   let labels = a.GetProperty("labels").EnumerateObject().ToDictionary(l => l.Name, l => l.Value.GetString()!)
                   select (labels["alertname"], a.GetProperty("state").GetString()!, (IReadOnlyDictionary<string, string>)labels)];
    }

    public void Dispose() => client.Dispose();

    private static string Seconds(double unix) => unix.ToString("F3", CultureInfo.InvariantCulture);

    /// <summary>The value of a <c>[time, "value"]</c> pair, in Prometheus's spelling (NaN, +Inf, -Inf too).</summary>
    private static double Sample(JsonElement pair) => pair[1].GetString() switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        var value => double.Parse(value!, CultureInfo.InvariantCulture),
    };
}

/// <summary>A series of a query's result: its labels, and its value (the last one of a range query).</summary>
public sealed record Series(IReadOnlyDictionary<string, string> Labels, double Value);
