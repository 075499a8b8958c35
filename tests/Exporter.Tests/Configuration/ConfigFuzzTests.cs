using CsCheck;
using LogCollectorExporter.Configuration;
using LogCollectorExporter.Metrics;
using LogCollectorExporter.Platform;
using LogCollectorExporter.Preference;
using LogCollectorExporter.Probing;
using LogCollectorExporter.Tests.Support;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace LogCollectorExporter.Tests;

/// <summary>
/// Bad input, thousands of times: whatever a configuration file or a saved preference list holds, the exporter either
/// takes it or rejects it with a configuration error that says where and what; never another exception, never a hang.
/// LCE_FUZZ_CASES sets how many inputs each property gets (the soak runner asks for more).
/// </summary>
public sealed class ConfigFuzzTests(ITestOutputHelper output)
{
    private static readonly TimeSpan CaseLimit = TimeSpan.FromSeconds(20);

    private static int Cases => int.TryParse(Environment.GetEnvironmentVariable("LCE_FUZZ_CASES"), out var cases) ? cases : 2000;

    [Fact]
    public void The_loader_gives_a_configuration_or_a_configuration_error_for_any_file()
    {
        var (taken, rejected) = (0, 0);
        Gen.Select(ConfigInputs.YamlBytes, Gen.OneOf(Gen.Const((string?)null), ConfigInputs.PreferenceListText.Select(t => (string?)t))).Sample((bytes, list) =>
        {
            using var directory = new TempDirectory();
            var file = Path.Combine(directory.Path, "collectors.yaml");
            File.WriteAllBytes(file, bytes);
            if (list is not null)
            {
                directory.Write(ConfigInputs.ListFileName, list);
            }

            directory.Write(ConfigInputs.PanoramaFileName, PanoramaConfigs.Fixture("running-config.xml"));
            directory.Write("api-key", "not a real key");
            var error = WithinLimit(() => Configs.Loader(file, []).Load());
            if (error is null)
            {
                Interlocked.Increment(ref taken);
                return;
            }

            Interlocked.Increment(ref rejected);

            // A Panorama URL with a credential in it is not quoted.
            Assert.DoesNotContain("secret", AssertIsAConfigurationError(error).Message, StringComparison.Ordinal);
        }, iter: Cases, print: p => Describe(p.Item1));

        output.WriteLine($"configuration files: {taken + rejected} inputs, {taken} taken, {rejected} rejected with a configuration error");
        Assert.True(taken > 0 && rejected > 0, "the inputs should include both good and bad files");
        RunReport.Add("fuzz.yaml", ("cases", taken + rejected), ("taken", taken), ("rejected", rejected));
    }

    [Fact]
    public void The_preference_list_parser_gives_collectors_or_an_error_quoting_the_line_for_any_text()
    {
        var (taken, rejected) = (0, 0);
        ConfigInputs.PreferenceListText.Sample(text =>
        {
            var error = WithinLimit(() => PreferenceListFile.Parse(text, "/lists/fw.txt"));
            if (error is null)
            {
                Interlocked.Increment(ref taken);
                return;
            }

            Interlocked.Increment(ref rejected);
            Assert.All(AssertIsAConfigurationError(error).Errors, e => Assert.Matches(@"^/lists/fw\.txt(:\d+)?$", e.Source));
        }, iter: Cases, print: Describe);

        output.WriteLine($"preference lists: {taken + rejected} inputs, {taken} taken, {rejected} rejected with a configuration error");
        Assert.True(taken > 0 && rejected > 0, "the inputs should include both good and bad lists");
        RunReport.Add("fuzz.preference-list", ("cases", taken + rejected), ("taken", taken), ("rejected", rejected));
    }

    [Fact]
    public void Every_configuration_the_loader_takes_can_be_probed_and_reloaded()
    {
        var runs = 0;
        Gen.Select(Gen.OneOf(ConfigInputs.ValidYaml, ConfigInputs.ShapedYaml), ConfigInputs.ValidYaml).Sample((first, second) =>
        {
            if (TryLoad(first) is not { } config || TryLoad(second) is not { } next || config.Collectors.Count > 500)
            {
                return;
            }

            Interlocked.Increment(ref runs);
            Assert.Null(WithinLimit(() => ProbeForAWhileAsync(config, next).GetAwaiter().GetResult()));
        }, iter: Cases / 4, print: p => p.Item1);

        output.WriteLine($"configurations probed and reloaded: {runs}");
        Assert.True(runs > 0);
        RunReport.Add("fuzz.run", ("cases", runs));
    }

    /// <summary>
    /// Runs the engine's decisions (<see cref="ProbeLoop"/>) over a few intervals of fake time with every due probe
    /// answered at once and reported to the fleet, applies the next configuration to both, and runs again: nothing may
    /// throw, and /metrics still renders. (No socket: fuzzed addresses are not to be connected to.)
    /// </summary>
    private static async Task ProbeForAWhileAsync(ExporterConfig config, ExporterConfig next)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 0, 0, 0, TimeSpan.Zero));
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var metrics = new ExporterMetrics(registry, config.Probe.Buckets, BuildInfo.Current);
        var fleet = new Fleet(new FleetSeries(metrics), NullLogger<Fleet>.Instance, config);
        var loop = new ProbeLoop(time.TimestampFrequency);
        loop.Apply(config.Collectors, config.Probe, time.GetTimestamp());
        Probe(loop, fleet, time, intervals: 3);
        fleet.Apply(next);
        loop.Apply(next.Collectors, next.Probe, time.GetTimestamp());
        Probe(loop, fleet, time, intervals: 1);
        await registry.ExportTextAsync();
    }

    // Results alternate by interval, so that collectors go down and up and groups fail over and back.
    private static void Probe(ProbeLoop loop, Fleet fleet, FakeTimeProvider time, int intervals)
    {
        var due = new (int Id, long? Due)[64];
        var start = time.GetUtcNow();
        var end = start + (loop.Settings.Interval * intervals);
        while (time.GetUtcNow() <= end && loop.NextWake(time.GetTimestamp()) is var wake && wake != long.MaxValue)
        {
            time.Advance(time.GetElapsedTime(Math.Min(time.GetTimestamp(), wake), wake));
            var taken = loop.TakeDue(time.GetTimestamp(), due);
            for (var i = 0; i < taken; i++)
            {
                loop.Finished(due[i].Id, time.GetTimestamp(), held: false);
                var target = loop.Target(due[i].Id);
                var k = (int)((time.GetUtcNow() - start) / loop.Settings.Interval);
                var result = (k + target.Name.Length) % 2 == 0 ? ProbeResult.Success : ProbeResult.Refused;
                fleet.Record(target, new ProbeOutcome(result, TimeSpan.FromMilliseconds(1), TimeSpan.Zero, null, null), time.GetUtcNow());
            }
        }
    }

    private static ExporterConfig? TryLoad(string yaml)
    {
        try
        {
            return Configs.FromYaml(yaml);
        }
        catch (ConfigurationException)
        {
            return null;
        }
    }

    /// <summary>Runs the action with a time limit; returns what it threw, or null.</summary>
    private static Exception? WithinLimit(Action action)
    {
        var run = Task.Run(action);
        Assert.True(((IAsyncResult)run).AsyncWaitHandle.WaitOne(CaseLimit), $"still running after {CaseLimit.TotalSeconds} s: a hang");
        return run.Exception?.InnerException;
    }

    /// <summary>A configuration error whose every line names the file it is about (with its line number where there is one).</summary>
    private static ConfigurationException AssertIsAConfigurationError(Exception error)
    {
        var configurationError = error as ConfigurationException ?? throw new Xunit.Sdk.XunitException($"not a configuration error: {error}");
        Assert.NotEmpty(configurationError.Errors);
        Assert.All(configurationError.Errors, e =>
        {
            Assert.StartsWith("/", e.Source, StringComparison.Ordinal);
            Assert.False(string.IsNullOrWhiteSpace(e.Problem));
        });
        Assert.DoesNotContain("   at ", configurationError.Message, StringComparison.Ordinal);
        return configurationError;
    }

    private static string Describe(byte[] bytes) => Describe(System.Text.Encoding.UTF8.GetString(bytes));

    private static string Describe(string text) => text.Length <= 600 ? text : $"{text[..600]}... ({text.Length} characters)";
}
