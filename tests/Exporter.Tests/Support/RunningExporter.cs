using System.Net;
using LogCollectorExporter.Web;
using Prometheus;

namespace LogCollectorExporter.Tests.Support;

/// <summary>The exporter's real host (Kestrel on 127.0.0.1, a free port) with its own metrics registry.</summary>
public sealed class RunningExporter : IAsyncDisposable
{
    private RunningExporter(WebApplication app, CollectorRegistry registry, Uri address, HttpClient? client)
    {
        App = app;
        Registry = registry;
        Address = address;
        Client = client ?? new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
    }

    public Uri Address { get; }

    public WebApplication App { get; }

    public CollectorRegistry Registry { get; }

    public HttpClient Client { get; }

    public static Task<RunningExporter> StartAsync(string configFile, params string[] extraArgs) =>
        StartAsync(["--config", configFile, .. extraArgs]);

    /// <param name="args">The exporter's arguments; it always listens on 127.0.0.1 and a free port.</param>
    /// <param name="configure">Replaces services (clock, probe, resolver, logging) before the exporter is built.</param>
    /// <param name="scheme">http, or https for a web configuration with TLS.</param>
    /// <param name="client">Makes <see cref="Client"/> for the address (one that trusts the test's CA); default a plain one.</param>
    public static async Task<RunningExporter> StartAsync(string[] args, Action<WebApplicationBuilder>? configure = null, string scheme = "http",
        Func<Uri, HttpClient>? client = null)
    {
        var (launch, exitCode) = Launch.Parse([.. args, "--urls", $"{scheme}://127.0.0.1:0", "--Logging:LogLevel:Default=Warning"], TextWriter.Null, TextWriter.Null);
        Assert.Null(exitCode);
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var app = ExporterApp.Create(launch!, builder =>
        {
            builder.Services.AddSingleton(registry);
            configure?.Invoke(builder);
        });
        await app.StartAsync();
        var address = new Uri(app.Urls.Single());
        return new RunningExporter(app, registry, address, client?.Invoke(address));
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
