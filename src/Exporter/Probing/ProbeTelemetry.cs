using System.Diagnostics;
using LogCollectorExporter.Configuration;
using LogCollectorExporter.Platform;

namespace LogCollectorExporter.Probing;

/// <summary>
/// A span per probe, <c>logcollector.probe</c>, for teams that run OpenTelemetry. Exported with OTLP only when the
/// standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (or <c>OTEL_EXPORTER_OTLP_TRACES_ENDPOINT</c>) is set; otherwise
/// nothing listens to the source and no span is even created.
/// </summary>
public static class ProbeTelemetry
{
    public const string SourceName = "LogCollectorExporter";
    public const string ProbeSpanName = "logcollector.probe";

    internal static readonly ActivitySource Source = new(SourceName, BuildInfo.Current.Version);

    /// <summary>Records the span of a finished probe, when anybody records spans.</summary>
    internal static void Record(CollectorConfig target, in ProbeOutcome outcome, DateTimeOffset startedAt, DateTimeOffset finishedAt)
    {
        if (!Source.HasListeners())
        {
            return;
        }

        // The probe engine's thread has no current span: every probe span is a root.
        using var activity = Source.StartActivity(ProbeSpanName, ActivityKind.Client, parentContext: default, startTime: startedAt);
        if (activity is null)
        {
            return;
        }

        activity.SetTag("server.address", target.Address);
        activity.SetTag("server.port", target.Port);
        activity.SetTag("logcollector.collector", target.Name);
        activity.SetTag("logcollector.result", outcome.Result.Label());

        // A null value adds no tag.
        activity.SetTag("network.peer.address", outcome.Address?.ToString());
        activity.SetTag("logcollector.dns.duration", outcome.DnsLookup?.TotalSeconds);
        if (outcome.Succeeded)
        {
            activity.SetTag("logcollector.handshake.duration", outcome.Handshake.TotalSeconds);
            activity.SetStatus(ActivityStatusCode.Ok);
        }
        else
        {
            activity.SetStatus(ActivityStatusCode.Error, outcome.Error);
        }

        activity.SetEndTime(finishedAt.UtcDateTime);
    }
}
