using LogCollectorExporter.Configuration;
using LogCollectorExporter.Metrics;
using LogCollectorExporter.Preference;
using LogCollectorExporter.Probing;
using Microsoft.Extensions.Logging.Abstractions;
using Prometheus;

namespace LogCollectorExporter.Tests.Support;

/// <summary>The probe engine on its own, with a fleet and a metrics registry of the test's own, on the real clock.</summary>
public sealed class EngineHarness : IAsyncDisposable
{
    private EngineHarness(string yaml, IHostResolver resolver)
    {
        var config = Configs.FromYaml(yaml);
        Config = config;
        Metrics = new ExporterMetrics(Registry, config.Probe.Buckets, BuildInfo.Current);
        Fleet = new Fleet(new FleetSeries(Metrics), NullLogger<Fleet>.Instance, config);
        Engine = new ProbeEngine(new ProbeReports(Fleet, Metrics), TimeProvider.System, resolver, NullLogger<ProbeEngine>.Instance);
    }

    public ExporterConfig Config { get; }

    public CollectorRegistry Registry { get; } = Prometheus.Metrics.NewCustomRegistry();

    public ExporterMetrics Metrics { get; }

    public Fleet Fleet { get; }

    public ProbeEngine Engine { get; }

    public static EngineHarness Start(string yaml, IHostResolver? resolver = null)
    {
        var harness = new EngineHarness(yaml, resolver ?? new HostsResolver());
        harness.Engine.Start(harness.Config.Collectors, harness.Config.Probe);
        return harness;
    }

    public CollectorView Collector(int index) => Fleet.Collectors[index].View;

    public Task<string> MetricsAsync() => Registry.ExportTextAsync();

    /// <summary>The value of logcollector_probes_total for one collector (c1, c2, ...) and result.</summary>
    public async Task<double> ProbesAsync(string collector, string result) =>
        Exposition.Value(await MetricsAsync(), "logcollector_probes_total", ("collector", collector), ("result", result)) ?? 0;

    public Task WaitForProbesAsync(string collector, string result, double atLeast) =>
        Eventually.TrueAsync(async () => await ProbesAsync(collector, result) >= atLeast, $"{atLeast} {result} probes of {collector}");

    public ValueTask DisposeAsync() => new(Engine.StopAsync());
}
