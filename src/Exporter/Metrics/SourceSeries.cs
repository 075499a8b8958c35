using LogCollectorExporter.Configuration;
using LogCollectorExporter.Panorama;
using Prometheus;

namespace LogCollectorExporter.Metrics;

/// <summary>
/// The series of the running configuration's Panorama sources, written from how their last imports went just before
/// each scrape (<see cref="Attach"/>): a source the configuration no longer has loses its series.
/// </summary>
public sealed class SourceSeries(ExporterMetrics metrics, ActiveConfiguration active, PanoramaImportState imports)
{
    private readonly Lock gate = new();
    private HashSet<string> published = new(StringComparer.Ordinal);

    /// <summary>Writes the series before each scrape of <paramref name="registry"/>.</summary>
    public void Attach(CollectorRegistry registry) => registry.AddBeforeCollectCallback(Update);

    private void Update()
    {
        lock (gate)
        {
            var labels = new HashSet<string>(StringComparer.Ordinal);
            foreach (var source in active.Current.Panorama.Select(p => p.Source))
            {
                labels.Add(source.Label);
                var status = imports.Status(source.Label);
                metrics.SourceLastImportSuccessful.WithLabels(source.Label).Set(status is { Successful: true } ? 1 : 0);
                if (status?.LastSuccessAt is { } at)
                {
                    metrics.SourceLastImportSuccessTimestamp.WithLabels(source.Label).Set(ExporterMetrics.UnixSeconds(at));
                }
            }

            foreach (var gone in published.Where(label => !labels.Contains(label)))
            {
                metrics.SourceLastImportSuccessful.RemoveLabelled(gone);
                metrics.SourceLastImportSuccessTimestamp.RemoveLabelled(gone);
            }

            published = labels;
        }
    }
}
