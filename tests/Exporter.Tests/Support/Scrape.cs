using System.Globalization;

namespace LogCollectorExporter.Tests.Support;

/// <summary>One /metrics answer, parsed once: every sample by name and labels. Fast enough for a thousand collectors.</summary>
public sealed class Scrape
{
    private readonly Dictionary<string, List<(Dictionary<string, string> Labels, double Value)>> samples = new(StringComparer.Ordinal);

    private Scrape()
    {
    }

    public static Scrape Parse(string text)
    {
        var scrape = new Scrape();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var brace = line.IndexOf('{', StringComparison.Ordinal);
            var space = line.LastIndexOf(' ');
            string name;
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            if (brace >= 0 && brace < space)
            {
                name = line[..brace];
                var close = line.LastIndexOf('}');
                foreach (var pair in line[(brace + 1)..close].Split("\",", StringSplitOptions.RemoveEmptyEntries))
                {
                    var eq = pair.IndexOf('=', StringComparison.Ordinal);
                    labels[pair[..eq]] = pair[(eq + 2)..].TrimEnd('"');
                }
            }
            else
            {
                name = line[..space];
            }

            var value = double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture);
            if (!scrape.samples.TryGetValue(name, out var list))
            {
                scrape.samples[name] = list = [];
            }

            list.Add((labels, value));
        }

        return scrape;
    }

    public IEnumerable<(Dictionary<string, string> Labels, double Value)> Samples(string name) =>
        samples.TryGetValue(name, out var list) ? list : [];

    /// <summary>Each collector's probe counts by result.</summary>
    public Dictionary<string, Dictionary<string, double>> Probes()
    {
        var probes = new Dictionary<string, Dictionary<string, double>>(StringComparer.Ordinal);
        foreach (var (labels, value) in Samples("logcollector_probes_total"))
        {
            var key = labels["collector"];
            if (!probes.TryGetValue(key, out var results))
            {
                probes[key] = results = new Dictionary<string, double>(StringComparer.Ordinal);
            }

            results[labels["result"]] = value;
        }

        return probes;
    }

    /// <summary>A histogram without labels other than <c>le</c>.</summary>
    public Histogram Histogram(string name) =>
        new([.. Samples(name + "_bucket").Select(s => (Bound(s.Labels["le"]), s.Value)).OrderBy(b => b.Item1)]);

    private static double Bound(string le) => le == "+Inf" ? double.PositiveInfinity : double.Parse(le, CultureInfo.InvariantCulture);
}

/// <summary>Cumulative bucket counts of a histogram, as Prometheus exposes them.</summary>
public sealed record Histogram(IReadOnlyList<(double Le, double Count)> Buckets)
{
    public double Count => Buckets.Count == 0 ? 0 : Buckets[^1].Count;

    /// <summary>The observations made between <paramref name="earlier"/> and this one.</summary>
    public Histogram Since(Histogram earlier) =>
        new([.. Buckets.Select((b, i) => (b.Le, b.Count - (i < earlier.Buckets.Count ? earlier.Buckets[i].Count : 0)))]);

    /// <summary>The smallest bucket bound that every observation is within: the largest one was at most this.</summary>
    public double MaxAtMost => Buckets.First(b => b.Count >= Count).Le;

    /// <summary>The quantile, interpolated within its bucket as Prometheus' histogram_quantile does.</summary>
    public double Quantile(double q)
    {
        if (Count == 0)
        {
            return 0;
        }

        var rank = q * Count;
        var (lower, below) = (0.0, 0.0);
        foreach (var (le, count) in Buckets)
        {
            if (count >= rank && count > below)
            {
                return double.IsPositiveInfinity(le) ? lower : lower + ((le - lower) * (rank - below) / (count - below));
            }

            (lower, below) = (le, count);
        }

        return lower;
    }
}
