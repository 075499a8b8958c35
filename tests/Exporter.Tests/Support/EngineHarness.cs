using LogCollectorExporter.Probing;
using Microsoft.Extensions.Logging.Abstractions;

namespace LogCollectorExporter.Tests.Support;

/// <summary>The probe engine on its own, on the real clock, reporting to a <see cref="ProbeRecorder"/> that the test reads.</summary>
public sealed class EngineHarness : IAsyncDisposable
{
    private EngineHarness(IHostResolver resolver)
    {
        Engine = new ProbeEngine(Recorder, TimeProvider.System, resolver, NullLogger<ProbeEngine>.Instance);
    }

    public ProbeRecorder Recorder { get; } = new();

    public ProbeEngine Engine { get; }

    /// <summary>Starts the engine on the collectors and probe settings of a configuration file's YAML.</summary>
    public static EngineHarness Start(string yaml, IHostResolver? resolver = null)
    {
        var harness = new EngineHarness(resolver ?? new HostsResolver());
        var config = Configs.FromYaml(yaml);
        harness.Engine.Start(config.Collectors, config.Probe);
        return harness;
    }

    /// <summary>Applies the collectors and probe settings of another configuration, as a reload does; returns once the engine has.</summary>
    public Task ApplyAsync(string yaml)
    {
        var config = Configs.FromYaml(yaml);
        return Engine.ApplyAsync(config.Collectors, config.Probe);
    }

    /// <summary>How many probes of a collector (c1, c2, ...) ended with this result (drops count as reset).</summary>
    public int Probes(string collector, ProbeResult result) => Recorder.Count(collector, result);

    public Task WaitForProbesAsync(string collector, ProbeResult result, int atLeast) =>
        Eventually.TrueAsync(() => Probes(collector, result) >= atLeast, $"{atLeast} {result} probes of {collector}");

    /// <summary>The last finished probe of a collector, which the test waited for.</summary>
    public ProbeReport Last(string collector) => Recorder.LastProbe(collector) ?? throw new Xunit.Sdk.XunitException($"{collector} has not been probed");

    public ValueTask DisposeAsync() => new(Engine.StopAsync());
}
