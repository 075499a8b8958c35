using CsCheck;
using LogCollectorExporter.Configuration;
using LogCollectorExporter.Tests.Support;
using Microsoft.Extensions.Configuration;
using static LogCollectorExporter.Tests.Support.ConfigurationDump;

namespace LogCollectorExporter.Tests;

/// <summary>
/// The configuration merged into one tree must read exactly as the layered root it is made from: the same sections, in
/// the same order, with the same values, a later layer's value winning.
/// </summary>
public sealed class ConfigurationTreeTests
{
    private static readonly Dictionary<string, string?> Environment = new()
    {
        ["PROBE:INTERVAL"] = "30s",
        ["groups:0:collectors:1:port"] = "4000",
        ["groups:2:name"] = "from-the-environment",
        ["groups:2:collectors:0"] = "lc-1",
        ["probe:buckets"] = "0.001,0.01",
        ["extra"] = null,
        ["PATH"] = "/usr/bin",
    };

    [Fact]
    public void The_layers_read_the_same_merged_as_through_the_root()
    {
        var yaml = """
            probe:
              interval: 10s
              Buckets: [0.001, 0.01]
            collectors:
              - { name: lc-1, address: 127.0.0.1 }
            groups:
              - name: a
                collectors:
                  - lc-1
                  - { name: lc-2, address: 127.0.0.2, port: 3978 }
              - name: b
                preferenceListFile: list.txt
            Extra:
              Key: 0
            empty:
            """u8.ToArray();
        var root = Layers(yaml, ["--groups:1:name=override", "--probe:mode=hold", "--extra:key=1", "--EXTRA:other=2", "--groups:0:collectors:0:port=1"]);
        var tree = ConfigurationTree.Of(root);

        Assert.Equal(Tree(root), Tree(tree));
        Assert.Equal(["30s", "override", "0.001,0.01", "1", null], new[] { "probe:interval", "groups:1:name", "PROBE:BUCKETS", "groups:0:collectors:0:port", "nowhere" }.Select(k => tree[k]));
        // An existing section keeps the spelling of the layer that gave it first.
        Assert.Equal(("BUCKETS", "PROBE:BUCKETS"), (tree.GetSection("probe:buckets").Key.ToUpperInvariant(), tree.GetSection("probe:buckets").Path.ToUpperInvariant()));
        Assert.Equal(("port", "groups:9:port", null), (tree.GetSection("groups:9:port").Key, tree.GetSection("groups:9:port").Path, tree.GetSection("groups:9:port").Value));
        Assert.Empty(tree.GetSection("groups").GetSection("9").GetChildren());
    }

    [Fact]
    public void Any_file_reads_the_same_merged_as_through_the_root()
    {
        var compared = 0;
        ConfigInputs.YamlBytes.Sample(bytes =>
        {
            IConfigurationRoot root;
            try
            {
                YamlShape.Check(bytes, "fuzz.yaml");
                root = Layers(bytes, ["--probe:timeout=1s", "--groups:0:collectors:0:address=127.0.0.9"]);
            }
            catch (Exception)
            {
                // Not a file the loader reads (it says why): nothing to merge.
                return;
            }

            var expected = Tree(root);
            if (expected.Count > 5000)
            {
                return;
            }

            Assert.Equal(expected, Tree(ConfigurationTree.Of(root)));
            Interlocked.Increment(ref compared);
        }, iter: 2000);
        Assert.True(compared > 200, $"only {compared} inputs were YAML that the loader reads");
    }

    /// <summary>As the loader layers them: the file, then the environment (here a stand-in), then the command line.</summary>
    private static IConfigurationRoot Layers(byte[] yaml, string[] commandLine) =>
        new ConfigurationBuilder().Add(new IndexedYamlSource(yaml)).AddInMemoryCollection(Environment).AddCommandLine(commandLine).Build();
}
