using System.Globalization;

namespace LogCollectorExporter.Bench;

/// <summary>The few numbers the benchmark reads from Prometheus text exposition.</summary>
public sealed class Exposition
{
    private readonly Dictionary<string, double> sums = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SortedDictionary<double, double>> buckets = new(StringComparer.Ordinal);

    public Exposition(string text)
    {
        foreach (var line in text.AsSpan().EnumerateLines())
        {
            if (line.IsEmpty || line[0] == '#')
            {
                continue;
            }

            var nameEnd = line.IndexOfAny('{', ' ');
            var name = line[..nameEnd].ToString();
            var value = double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
            sums[name] = sums.GetValueOrDefault(name) + value;
            if (name.EndsWith("_bucket", StringComparison.Ordinal))
            {
                var le = line[(line.IndexOf("le=\"", StringComparison.Ordinal) + 4)..];
                var bound = le[..le.IndexOf('"')] is var text1 && text1.SequenceEqual("+Inf") ? double.PositiveInfinity : double.Parse(text1, CultureInfo.InvariantCulture);
                var family = buckets.TryGetValue(name, out var existing) ? existing : buckets[name] = [];
                family[bound] = family.GetValueOrDefault(bound) + value;
            }
        }
    }

    /// <summary>The sum of every sample of a metric (all label values together).</summary>
    public double Sum(string name) => sums.GetValueOrDefault(name);

    /// <summary>A histogram's cumulative buckets, all label values together.</summary>
    public SortedDictionary<double, double> Buckets(string histogram) => buckets.GetValueOrDefault(histogram + "_bucket") ?? [];

    /// <summary>The q-quantile of the observations made between two expositions, interpolated within a bucket as Prometheus does.</summary>
    public static double Quantile(double q, SortedDictionary<double, double> before, SortedDictionary<double, double> after)
    {
        var delta = after.Select(b => (Bound: b.Key, Count: b.Value - before.GetValueOrDefault(b.Key))).ToArray();
        var total = delta[^1].Count;
        if (total <= 0)
        {
            return double.NaN;
        }

        var rank = q * total;
        var (lower, below) = (0.0, 0.0);
        foreach (var (bound, count) in delta)
        {
            if (count >= rank)
            {
                return double.IsPositiveInfinity(bound) ? lower : lower + ((bound - lower) * (rank - below) / Math.Max(count - below, 1e-9));
            }

            (lower, below) = (bound, count);
        }

        return lower;
    }
}
