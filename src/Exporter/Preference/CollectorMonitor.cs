using System.Net;
using LogCollectorExporter.Configuration;
using LogCollectorExporter.Metrics;
using LogCollectorExporter.Probing;

namespace LogCollectorExporter.Preference;

/// <summary>What the exporter knows about one collector of a group. Changed only under its group's lock.</summary>
public sealed class CollectorMonitor
{
    internal CollectorMonitor(GroupMonitor group, CollectorConfig config, CollectorSeries series)
    {
        Group = group;
        Config = config;
        Series = series;
    }

    public GroupMonitor Group { get; internal set; }

    public CollectorConfig Config { get; internal set; }

    internal CollectorSeries Series { get; }

    internal CollectorHealth Health { get; } = new();

    internal RecentProbes Recent { get; } = new();

    public ProbeResult? LastResult { get; private set; }

    public string? LastError { get; private set; }

    public DateTimeOffset? LastProbeAt { get; private set; }

    public DateTimeOffset? LastSuccessAt { get; private set; }

    public TimeSpan? LastHandshake { get; private set; }

    public TimeSpan? LastDnsLookup { get; private set; }

    public IPAddress? ResolvedAddress { get; private set; }

    public long ConnectionDrops { get; private set; }

    internal void Record(in ProbeOutcome outcome, DateTimeOffset at)
    {
        LastResult = outcome.Result;
        LastError = outcome.Error;
        LastProbeAt = at;
        LastDnsLookup = outcome.DnsLookup ?? LastDnsLookup;
        ResolvedAddress = outcome.Address ?? ResolvedAddress;
        if (outcome.Succeeded)
        {
            LastSuccessAt = at;
            LastHandshake = outcome.Handshake;
        }

        Recent.Add(new RecentProbe(at, outcome.Result, outcome.Succeeded ? outcome.Handshake.TotalSeconds : null));
        Series.RecordProbe(outcome, at);
    }

    internal void RecordDrop(string reason, DateTimeOffset at)
    {
        LastResult = ProbeResult.Reset;
        LastError = reason;
        ConnectionDrops++;
        Recent.Add(new RecentProbe(at, ProbeResult.Reset, null));
        Series.RecordDrop();
    }
}
