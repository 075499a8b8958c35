using CsCheck;
using LogCollectorExporter.Configuration;
using LogCollectorExporter.Tests.Support;
using Microsoft.Extensions.Configuration;
using static LogCollectorExporter.Tests.Support.ConfigurationDump;

namespace LogCollectorExporter.Tests;

/// <summary>
/// The YAML layer that indexes its sections must read every file exactly as the stock YAML layer does: the same
/// sections, in the same order, with the same values, alone and under the environment and command-line layers.
/// </summary>
public sealed class IndexedYamlTests
{
    private const int MaxSections = 5000;

    [Fact]
    public void A_configuration_reads_the_same_through_the_index_as_through_the_stock_layer()
    {
        var yaml = """
            probe:
              interval: 10s
              Buckets: [0.001, 0.01]
            groups:
              - name: a
                collectors:
                  - { name: lc-1, address: 127.0.0.1 }
                  - { name: lc-2, address: 127.0.0.2, port: 3978 }
              - name: b
                preferenceListFile: list.txt
            Extra:
              Key: 0
            empty:
            """u8.ToArray();
        string[] commandLine = ["--groups:1:name=override", "--probe:mode=hold", "--extra:key=1", "--EXTRA:other=2"];

        Assert.Equal(Tree(Stock(yaml, commandLine)), Tree(Indexed(yaml, commandLine)));
        Assert.Contains("GROUPS:1:NAME=override", Tree(Indexed(yaml, commandLine)));
    }

    [Fact]
    public void Any_file_reads_the_same_through_the_index_as_through_the_stock_layer()
    {
        var compared = 0;
        ConfigInputs.YamlBytes.Sample(bytes =>
        {
            try
            {
                YamlShape.Check(bytes, "fuzz.yaml");
            }
            catch (ConfigurationException)
            {
                return;
            }

            var indexed = Read(() => Indexed(bytes, []));
            if (indexed.Count > MaxSections)
            {
                // Aliases expanded to more sections than the stock layer walks in reasonable time (it is quadratic).
                return;
            }

            Assert.Equal(Read(() => Stock(bytes, [])), indexed);
            compared++;
        }, iter: 2000);
        Assert.True(compared > 500, $"only {compared} inputs were YAML that a layer could read");
    }

    private static IConfigurationRoot Stock(byte[] yaml, string[] commandLine) =>
        WithCommandLine(new ConfigurationBuilder().AddYamlStream(new MemoryStream(yaml)), commandLine).Build();

    private static IConfigurationRoot Indexed(byte[] yaml, string[] commandLine) =>
        WithCommandLine(new ConfigurationBuilder().Add(new IndexedYamlSource(yaml)), commandLine).Build();

    /// <summary>No command-line layer when there is no command line, so the YAML layer's own answers are compared.</summary>
    private static IConfigurationBuilder WithCommandLine(IConfigurationBuilder builder, string[] commandLine) =>
        commandLine.Length == 0 ? builder : builder.AddCommandLine(commandLine);

    /// <summary>Every section reached by walking the children from the root, in order, with its value (<see cref="ConfigurationDump.Tree"/>); or the parse error.</summary>
    private static List<string> Read(Func<IConfigurationRoot> build)
    {
        try
        {
            return Tree(build());
        }
        catch (Exception e)
        {
            // The loader turns any exception of the YAML layer into a configuration error; both layers must fail alike.
            return [$"{e.GetType().Name}: {e.Message}"];
        }
    }
}
