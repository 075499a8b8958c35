using System.Text.Json;
using System.Text.Json.Serialization;
using LogCollectorExporter.Certificates;
using LogCollectorExporter.Configuration;
using LogCollectorExporter.Panorama;
using LogCollectorExporter.Platform;
using LogCollectorExporter.Preference;
using LogCollectorExporter.Probing;

namespace LogCollectorExporter.Web;

/// <summary>What the exporter sees now: the answer of <c>/api/v1/status</c>, and what the status page shows.</summary>
/// <param name="Summary">How many groups stand where, and how many collectors are up.</param>
/// <param name="Collectors">Every collector once, in the configuration's order.</param>
/// <param name="Groups">Every group (or the one asked for), in the configuration's order.</param>
public sealed record StatusDocument(ExporterStatus Exporter, FleetSummary Summary, IReadOnlyList<CollectorStatus> Collectors, IReadOnlyList<GroupStatus> Groups)
{
    // Not in the endpoint's lambda: the request delegate generator cannot see the JSON generator's code, and mistakes the lambda's type.
    public Task WriteJsonAsync(Stream body) => JsonSerializer.SerializeAsync(body, this, StatusJsonContext.Default.StatusDocument);
}

/// <summary>
/// Takes the status from the fleet's views (no lock: probing goes on while a page of thousands of groups is rendered),
/// the running configuration, the Panorama imports and the certificate checks.
/// </summary>
public sealed class StatusSource(Fleet fleet, ActiveConfiguration active, PanoramaImportState imports, CertificateChecks certificates, TimeProvider time)
{
    /// <summary>When the exporter started: taken as the source is made, with the app.</summary>
    public DateTimeOffset StartedAt { get; } = time.GetUtcNow();

    public DateTimeOffset Now => time.GetUtcNow();

    public GroupTracker? FindGroup(string name) => fleet.FindGroup(name);

    /// <param name="only">Only this group, and only its collectors; every group and collector when null.</param>
    public StatusDocument Capture(GroupTracker? only)
    {
        var exporter = Header();
        var groups = fleet.Groups.Select(g => g.View).ToArray();
        var listedBy = Tally(groups.SelectMany(g => g.CollectorNames));
        var preferredBy = Tally(groups.SelectMany(g => g.PreferredNames));
        int Standing(GroupStanding standing) => groups.Count(g => g.Standing == standing);
        var collectors = fleet.Collectors;
        var summary = new FleetSummary(groups.Length, Standing(GroupStanding.FirstChoice), Standing(GroupStanding.FailedOver),
            Standing(GroupStanding.Unreachable), Standing(GroupStanding.Undecided), collectors.Count, collectors.Count(c => c.View.State == CollectorState.Up));

        // One group's page needs its collectors only: their recent probes are most of what a capture copies.
        var view = only?.View;
        var shown = view is null ? collectors : [.. collectors.Where(c => view.CollectorNames.Contains(c.Config.Name))];
        return new StatusDocument(
            exporter,
            summary,
            [.. shown.Select(c => Capture(c, listedBy.GetValueOrDefault(c.Config.Name), preferredBy.GetValueOrDefault(c.Config.Name),
                certificates.Last(c.Config.Name) is { } check ? Certificate(check, certificates.Now) : null))],
            [.. (view is null ? groups : [view]).Select(Capture)]);
    }

    /// <summary>The exporter itself: its build, configuration, last reload and probe settings.</summary>
    public ExporterStatus Header()
    {
        var config = active.Current;
        var reload = active.LastReload;
        var probe = config.Probe;
        var build = BuildInfo.Current;
        return new ExporterStatus(
            build.Version,
            build.Revision,
            build.Runtime,
            StartedAt,
            config.Origin.Description,
            new ReloadInfo(reload.Successful, reload.At, reload.Trigger, reload.Error),
            new ProbeStatus(
                Duration.Format(probe.Interval),
                Duration.Format(probe.Timeout),
                EnumText.Of(probe.Mode),
                EnumText.Of(probe.Close),
                EnumText.Of(probe.IpFamily),
                probe.SourceAddress?.ToString(),
                probe.FailureThreshold,
                probe.RecoveryThreshold,
                probe.MaxConcurrency,
                new CertificateCheckStatus(probe.Certificates.Enabled, Duration.Format(probe.Certificates.Interval), Duration.Format(probe.Certificates.Timeout))),
            fleet.IsReady,
            [.. config.Panorama.Select(p => Source(p, imports.Status(p.Source.Label)))]);
    }

    private static Dictionary<string, int> Tally(IEnumerable<string> names) =>
        names.CountBy(name => name, StringComparer.Ordinal).ToDictionary(StringComparer.Ordinal);

    private static CertificateStatus Certificate(CertificateCheck check, DateTimeOffset now)
    {
        var certificate = check.Certificate;
        var left = certificate?.NotAfter - now;

        // Adding 0.0 turns the -0 of less than a day past into 0.
        return new CertificateStatus(
            check.Succeeded,
            check.At,
            check.Error,
            certificate?.NotAfter,
            certificate?.NotBefore,
            certificate?.Subject,
            certificate?.Issuer,
            certificate?.SerialNumber,
            certificate?.Sha256,
            left is { } days ? Math.Truncate(days.TotalDays) + 0.0 : null,
            left is { } soon && soon > TimeSpan.Zero && soon <= CertificateStatus.ExpiringWithin,
            left is { } gone && gone <= TimeSpan.Zero);
    }

    private static SourceStatus Source(PanoramaImportResult imported, ImportStatus? status) => new(
        imported.Source.Label,
        imported.Source.Path,
        imported.Source.IsLive,
        status?.Successful ?? false,
        status?.At,
        status?.LastSuccessAt,
        status?.Error,
        imported.Firewalls);

    private static CollectorStatus Capture(CollectorTracker collector, int listedBy, int preferredBy, CertificateStatus? certificate)
    {
        var view = collector.View;
        var config = view.Config;
        return new CollectorStatus(
            config.Name,
            config.Address,
            config.Port,
            config.Endpoint,
            config.Serial,
            config.Hostname,
            config.CollectorGroup,
            view.State,
            view.ResolvedAddress?.ToString(),
            view.LastResult,
            view.LastError,
            view.LastHandshake?.TotalSeconds,
            view.LastDnsLookup?.TotalSeconds,
            view.LastProbeAt,
            view.LastSuccessAt,
            view.ConsecutiveFailures,
            view.ConnectionDrops,
            listedBy,
            preferredBy,
            collector.Recent.ToArray(),
            certificate);
    }

    private static GroupStatus Capture(GroupView group) => new(
        group.Config.Name,
        group.Config.Hostname,
        group.Config.CollectorGroup,
        group.Standing,
        group.Config.ForwardToAll,
        EnumText.Of(group.Config.Failback),
        group.Config.PreferenceListFile,
        group.CollectorsUp,
        group.PreferredPriority,
        group.PreferredNames,
        group.CollectorNames);
}

public sealed record ExporterStatus(
    string Version,
    string Revision,
    string Runtime,
    DateTimeOffset StartedAt,
    string Config,
    ReloadInfo LastReload,
    ProbeStatus Probe,
    bool Ready,
    IReadOnlyList<SourceStatus> Panorama);

/// <param name="Source">The <c>source</c> label: the URL, or the saved configuration's path.</param>
/// <param name="Path">Its key path, <c>panorama[0]</c>.</param>
/// <param name="Live">Read over the XML API (else from a file).</param>
/// <param name="Successful">Whether its last import succeeded.</param>
/// <param name="LastImportAt">When its last import was tried.</param>
/// <param name="LastSuccessAt">When it last imported.</param>
/// <param name="Error">Why its last import failed; never the API key.</param>
/// <param name="Firewalls">Firewalls the running configuration has from it.</param>
public sealed record SourceStatus(
    string Source,
    string Path,
    bool Live,
    bool Successful,
    DateTimeOffset? LastImportAt,
    DateTimeOffset? LastSuccessAt,
    string? Error,
    int Firewalls);

/// <summary><c>probe.certificates</c>.</summary>
public sealed record CertificateCheckStatus(bool Enabled, string Interval, string Timeout);

/// <summary>The certificate a collector serves, as the last check that read one saw it.</summary>
/// <param name="CheckSucceeded">Whether the last check read a certificate; when not, the rest is the last one read, if any.</param>
/// <param name="LastCheckAt">When the last check ended.</param>
/// <param name="Error">Why the last check read none.</param>
/// <param name="DaysLeft">Whole days until <paramref name="NotAfter"/>, negative once it has passed (whole days since).</param>
/// <param name="Expiring">It expires within <see cref="ExpiringWithin"/> and has not yet.</param>
/// <param name="Expired">It has expired: firewalls cannot connect.</param>
public sealed record CertificateStatus(
    bool CheckSucceeded,
    DateTimeOffset LastCheckAt,
    string? Error,
    DateTimeOffset? NotAfter,
    DateTimeOffset? NotBefore,
    string? Subject,
    string? Issuer,
    string? SerialNumber,
    string? Sha256,
    double? DaysLeft,
    bool Expiring,
    bool Expired)
{
    /// <summary>What counts as expiring soon, as the LogCollectorCertificateExpiringSoon alert does.</summary>
    public static readonly TimeSpan ExpiringWithin = TimeSpan.FromDays(30);
}

public sealed record ReloadInfo(bool Successful, DateTimeOffset At, ReloadTrigger Trigger, string? Error);

public sealed record ProbeStatus(
    string Interval,
    string Timeout,
    string Mode,
    string Close,
    string IpFamily,
    string? SourceAddress,
    int FailureThreshold,
    int RecoveryThreshold,
    int MaxConcurrency,
    CertificateCheckStatus Certificates);

/// <param name="FirstChoice">Groups whose logs go to their collector of priority 1.</param>
/// <param name="FailedOver">Groups whose logs go further down their list.</param>
/// <param name="Unreachable">Groups with no collector up: their firewalls buffer logs on disk.</param>
/// <param name="Undecided">Groups waiting for a first probe that decides where their logs go.</param>
public sealed record FleetSummary(int Groups, int FirstChoice, int FailedOver, int Unreachable, int Undecided, int Collectors, int CollectorsUp);

/// <param name="Endpoint">address:port, with an IPv6 address in brackets.</param>
/// <param name="Hostname">The catalogue's or Panorama's hostname; "" when neither gives one.</param>
/// <param name="CollectorGroup">The Panorama collector group it is a member of; "" when not imported.</param>
/// <param name="ListedBy">How many groups list the collector.</param>
/// <param name="PreferredBy">How many groups send it their logs now.</param>
/// <param name="Recent">The last probes, oldest first.</param>
/// <param name="Certificate">The certificate it serves; null when the check is off or has not run yet.</param>
public sealed record CollectorStatus(
    string Name,
    string Address,
    int Port,
    string Endpoint,
    string Serial,
    string Hostname,
    string CollectorGroup,
    CollectorState State,
    string? ResolvedAddress,
    ProbeResult? LastResult,
    string? LastError,
    double? LastHandshakeSeconds,
    double? LastDnsLookupSeconds,
    DateTimeOffset? LastProbeAt,
    DateTimeOffset? LastSuccessAt,
    int ConsecutiveFailures,
    long ConnectionDrops,
    int ListedBy,
    int PreferredBy,
    IReadOnlyList<RecentProbe> Recent,
    CertificateStatus? Certificate);

/// <param name="Hostname">The firewall's name (<c>firewallNamesFile</c>); "" when it has none.</param>
/// <param name="CollectorGroup">The Panorama collector group it was imported from; "" for a group of the file.</param>
/// <param name="Standing">first_choice, failed_over, unreachable, or undecided before the probes that decide it.</param>
/// <param name="ForwardToAll">PAN-OS "Forward to all".</param>
/// <param name="Failback">immediate or sticky.</param>
/// <param name="PreferenceListFile">The saved preference list the collectors came from, if any.</param>
/// <param name="PreferredPriority">Priority of the collector logs go to now; 0 when none.</param>
/// <param name="Preferred">Names of the collectors logs go to now.</param>
/// <param name="Collectors">Names of its collectors, highest priority first.</param>
public sealed record GroupStatus(
    string Name,
    string Hostname,
    string CollectorGroup,
    GroupStanding Standing,
    bool ForwardToAll,
    string Failback,
    string? PreferenceListFile,
    int CollectorsUp,
    int PreferredPriority,
    IReadOnlyList<string> Preferred,
    IReadOnlyList<string> Collectors);

// The enums are written as the exporter writes them everywhere else: in logs, metric labels and the README.
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, Converters =
    [typeof(EnumTextConverter<CollectorState>), typeof(EnumTextConverter<GroupStanding>), typeof(EnumTextConverter<ProbeResult>), typeof(EnumTextConverter<ReloadTrigger>)])]
[JsonSerializable(typeof(StatusDocument))]
internal sealed partial class StatusJsonContext : JsonSerializerContext;

/// <summary>
/// An enum of the status as <see cref="EnumText"/> writes it, and a reload's trigger as the logs name it
/// (<see cref="ReloadTriggerText.Text"/>). The status is only written, never read.
/// </summary>
internal sealed class EnumTextConverter<T> : JsonConverter<T>
    where T : struct, Enum
{
    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => throw new NotSupportedException();

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value is ReloadTrigger trigger ? trigger.Text() : EnumText.Of(value));
}
