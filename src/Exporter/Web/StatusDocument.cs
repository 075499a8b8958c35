using System.Text.Json;
using System.Text.Json.Serialization;
using LogCollectorExporter.Configuration;
using LogCollectorExporter.Preference;
using LogCollectorExporter.Probing;

namespace LogCollectorExporter.Web;

/// <summary>What the exporter sees now: the answer of <c>/api/v1/status</c>, and what the status page shows.</summary>
public sealed record StatusDocument(ExporterStatus Exporter, IReadOnlyList<GroupStatus> Groups)
{
    public static StatusDocument Capture(Fleet fleet, ActiveConfiguration active, BuildInfo build, DateTimeOffset startedAt, bool ready)
    {
        var config = active.Current;
        var reload = active.LastReload;
        var probe = config.Probe;
        var exporter = new ExporterStatus(
            build.Version,
            build.Revision,
            build.Runtime,
            startedAt,
            config.Origin.Description,
            new ReloadInfo(reload.Successful, reload.At, reload.Trigger, reload.Error),
            new ProbeStatus(
                Duration.Format(probe.Interval),
                Duration.Format(probe.Timeout),
                probe.Mode.ToString().ToLowerInvariant(),
                probe.Close.ToString().ToLowerInvariant(),
                probe.IpFamily.ToString().ToLowerInvariant(),
                probe.SourceAddress?.ToString(),
                probe.FailureThreshold,
                probe.RecoveryThreshold,
                probe.MaxConcurrency),
            ready);
        return new StatusDocument(exporter, [.. fleet.Groups.Select(Capture)]);
    }

    private static GroupStatus Capture(GroupMonitor group)
    {
        lock (group.Gate)
        {
            var preferred = group.Preferred;
            var collectors = group.Collectors.Select((c, i) => new CollectorStatus(
                c.Config.Priority,
                c.Config.Name,
                c.Config.Address,
                c.Config.Port,
                c.Config.Serial,
                c.Health.State.ToString().ToLowerInvariant(),
                preferred.Contains(i),
                c.ResolvedAddress?.ToString(),
                c.LastResult?.Label(),
                c.LastError,
                c.LastHandshake?.TotalSeconds,
                c.LastDnsLookup?.TotalSeconds,
                c.LastProbeAt,
                c.LastSuccessAt,
                c.Health.ConsecutiveFailures,
                c.ConnectionDrops,
                [.. c.Recent.ToArray().Select(p => new RecentProbeStatus(p.At, p.Result.Label(), p.HandshakeSeconds))])).ToArray();
            return new GroupStatus(
                group.Config.Name,
                group.Config.ForwardToAll,
                group.Config.Failback.ToString().ToLowerInvariant(),
                group.Config.PreferenceListFile,
                group.CollectorsUp,
                group.PreferredPriority,
                [.. preferred.Select(i => group.Collectors[i].Config.Name)],
                collectors);
        }
    }
}

public sealed record ExporterStatus(
    string Version,
    string Revision,
    string Runtime,
    DateTimeOffset StartedAt,
    string Config,
    ReloadInfo LastReload,
    ProbeStatus Probe,
    bool Ready);

public sealed record ReloadInfo(bool Successful, DateTimeOffset At, string Trigger, string? Error);

public sealed record ProbeStatus(
    string Interval,
    string Timeout,
    string Mode,
    string Close,
    string IpFamily,
    string? SourceAddress,
    int FailureThreshold,
    int RecoveryThreshold,
    int MaxConcurrency);

/// <param name="Name">The group.</param>
/// <param name="ForwardToAll">PAN-OS "Forward to all".</param>
/// <param name="Failback">immediate or sticky.</param>
/// <param name="PreferenceListFile">The saved preference list the collectors came from, if any.</param>
/// <param name="CollectorsUp">Collectors up now.</param>
/// <param name="PreferredPriority">Priority of the collector logs go to now; 0 when none.</param>
/// <param name="Preferred">Names of the collectors logs go to now.</param>
/// <param name="Collectors">In priority order.</param>
public sealed record GroupStatus(
    string Name,
    bool ForwardToAll,
    string Failback,
    string? PreferenceListFile,
    int CollectorsUp,
    int PreferredPriority,
    IReadOnlyList<string> Preferred,
    IReadOnlyList<CollectorStatus> Collectors);

public sealed record CollectorStatus(
    int Priority,
    string Name,
    string Address,
    int Port,
    string Serial,
    string State,
    bool Preferred,
    string? ResolvedAddress,
    string? LastResult,
    string? LastError,
    double? LastHandshakeSeconds,
    double? LastDnsLookupSeconds,
    DateTimeOffset? LastProbeAt,
    DateTimeOffset? LastSuccessAt,
    int ConsecutiveFailures,
    long ConnectionDrops,
    IReadOnlyList<RecentProbeStatus> Recent);

public sealed record RecentProbeStatus(DateTimeOffset At, string Result, double? HandshakeSeconds);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, WriteIndented = true)]
[JsonSerializable(typeof(StatusDocument))]
internal sealed partial class StatusJsonContext : JsonSerializerContext;
