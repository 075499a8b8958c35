using System.Net;
using LogCollectorExporter.Web;
using Prometheus;

namespace LogCollectorExporter.Tests.Support;

/// <summary>The exporter's real host (Kestrel on 127.0.0.1, a free port) with its own metrics registry.</summary>
public sealed class RunningExporter : IAsyncDisposable
{
    private RunningExporter(WebApplication app, CollectorRegistry registry, Uri address)
    {
        App = app;
        Registry = registry;
        Client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
    }

    public WebApplication App { get; }

    public CollectorRegistry Registry { get; }

    public HttpClient Client { get; }

    public static Task<RunningExporter> StartAsync(string configFile, params string[] extraArgs) =>
        StartAsync(["--config", configFile, .. extraArgs]);

    /// <param name="args">The exporter's arguments; it always listens on 127.0.0.1 and a free port.</param>
    /// <param name="configure">Replaces services (clock, probe, resolver, logging) before the exporter is built.</param>
    public static async Task<RunningExporter> StartAsync(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var (launch, exitCode) = Launch.Parse([.. args, "--urls", "http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning"], TextWriter.Null, TextWriter.Null);
        Assert.Null(exitCode);
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var app = ExporterApp.Create(launch!, builder =>
        {
            builder.Services.AddSingleton(registry);
            configure?.Invoke(builder);
        });
        await app.StartAsync();
        return new RunningExporter(app, registry, new Uri(app.Urls.Single()));
    }

    public Task<string> MetricsAsync() => Client.GetStringAsync("/metrics");

    public async Task<HttpStatusCode> StatusOfAsync(string path) => (await Client.GetAsync(path)).StatusCode;

    /// <summary>Polls /metrics until the condition holds; fails with the last exposition when it never does.</summary>
    public async Task<string> WaitForMetricsAsync(Func<string, bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        string text;
        do
        {
            text = await MetricsAsync();
            if (condition(text))
            {
                return text;
            }

            await Task.Delay(25);
        }
        while (DateTime.UtcNow < deadline);

        Assert.Fail($"Not seen within {timeout}: {what}. Last /metrics:\n{text}");
        return text;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}
