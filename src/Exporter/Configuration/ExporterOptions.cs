using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace LogCollectorExporter.Configuration;

// The configuration as the source-generated binder fills it and the generated validator checks it, one class per kind of
// section. Every setting is bound as the text it was written as: the binder throws at the first value it cannot convert
// (a number, a true/false, an enum), which would hide every error after it, so conversion is checked here, by the
// attributes, and done by ConfigReader once everything is checked. Text is trimmed as it is bound. Keys lists each
// class's settings for ConfigLayout, which names every key that is not one (ConfigurationOptionsTests checks them
// against the properties).

/// <summary>
/// The whole configuration file, a property per top-level section. A new section is an options class (its settings as
/// text, with their attributes and its Keys), a property here, its walk in <see cref="ConfigLayout.Walk"/> and its
/// reading in <see cref="ConfigReader"/>, where the rules across sections are.
/// </summary>
internal sealed class ExporterOptions
{
    /// <summary>The top-level sections.</summary>
    internal static readonly string[] Keys = ["probe", "collectors", "groups", "panorama", "firewallNamesFile"];

    [ValidateObjectMembers]
    public ProbeOptions Probe { get; set; } = new();

    /// <summary>The catalogue: collectors defined once, that groups may name.</summary>
    [ValidateEnumeratedItems]
    public List<CollectorOptions> Collectors { get; set; } = [];

    [ValidateEnumeratedItems]
    public List<GroupOptions> Groups { get; set; } = [];

    [ValidateEnumeratedItems]
    public List<PanoramaSourceOptions> Panorama { get; set; } = [];

    /// <summary>A file of firewall names by serial (group name): <see cref="FirewallNamesFile"/>.</summary>
    public string? FirewallNamesFile { get; set => field = value?.Trim(); }
}

/// <summary><c>probe:</c>, how every collector is probed. Not given, a setting takes <see cref="ProbeSettings.Default"/>'s value.</summary>
internal sealed class ProbeOptions : IValidatableObject
{
    /// <summary>The settings; <c>buckets</c> is read by hand (a list, or one comma-separated value from an override).</summary>
    internal static readonly string[] Keys =
        ["interval", "timeout", "mode", "close", "ipFamily", "sourceAddress", "failureThreshold", "recoveryThreshold", "maxConcurrency", "buckets", "certificates"];

    [PrometheusDuration]
    public string? Interval { get; set => field = value?.Trim(); }

    [PrometheusDuration]
    public string? Timeout { get; set => field = value?.Trim(); }

    [OneOf<ProbeMode>]
    public string? Mode { get; set => field = value?.Trim(); }

    [OneOf<CloseMode>]
    public string? Close { get; set => field = value?.Trim(); }

    [OneOf<IpFamily>]
    public string? IpFamily { get; set => field = value?.Trim(); }

    [IpAddress]
    public string? SourceAddress { get; set => field = value?.Trim(); }

    [WholeNumber(1, int.MaxValue)]
    public string? FailureThreshold { get; set => field = value?.Trim(); }

    [WholeNumber(1, int.MaxValue)]
    public string? RecoveryThreshold { get; set => field = value?.Trim(); }

    [WholeNumber(1, 100_000)]
    public string? MaxConcurrency { get; set => field = value?.Trim(); }

    [ValidateObjectMembers]
    public CertificateCheckOptions Certificates { get; set; } = new();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var defaults = ProbeSettings.Default;
        var interval = Setting.Duration(Interval, defaults.Interval);
        var timeout = Setting.Duration(Timeout, defaults.Timeout);
        // A duration that is not one is reported as such, and not compared.
        if (Setting.IsNoneOrDuration(Interval) && interval < ProbeSettings.MinInterval)
        {
            yield return ValidationMessage.Fail(validationContext, nameof(Interval),
                $"is not allowed; the shortest is {Duration.Format(ProbeSettings.MinInterval)}: no collector is probed more than once a second");
        }
        else if (Setting.IsNoneOrDuration(Interval) && Setting.IsNoneOrDuration(Timeout) && timeout >= interval)
        {
            // Not written, the timeout is the default: say so, as the message quotes a value only where one is written.
            var which = string.IsNullOrEmpty(Timeout) ? $"\"{Duration.Format(timeout)}\" (the default) " : "";
            yield return ValidationMessage.Fail(validationContext, nameof(Timeout), $"{which}must be shorter than probe.interval (\"{Duration.Format(interval)}\")");
        }

        var family = Setting.Enum(IpFamily, defaults.IpFamily);
        if (Setting.IpAddress(SourceAddress) is { } source && !Setting.InFamily(source, family))
        {
            yield return ValidationMessage.Fail(validationContext, nameof(SourceAddress), $"is not an address of probe.ipFamily {EnumText.Of(family)}");
        }
    }
}

/// <summary><c>probe.certificates:</c>, reading the certificate each collector serves. Not given, a setting takes <see cref="CertificateCheckSettings.Default"/>'s value.</summary>
internal sealed class CertificateCheckOptions : IValidatableObject
{
    internal static readonly string[] Keys = ["enabled", "interval", "timeout"];

    [TrueOrFalse]
    public string? Enabled { get; set => field = value?.Trim(); }

    [PrometheusDuration]
    public string? Interval { get; set => field = value?.Trim(); }

    [PrometheusDuration]
    public string? Timeout { get; set => field = value?.Trim(); }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var defaults = CertificateCheckSettings.Default;
        var interval = Setting.Duration(Interval, defaults.Interval);
        var timeout = Setting.Duration(Timeout, defaults.Timeout);
        // A duration that is not one is reported as such, and not compared.
        if (Setting.IsNoneOrDuration(Interval) && interval < CertificateCheckSettings.MinInterval)
        {
            yield return ValidationMessage.Fail(validationContext, nameof(Interval),
                $"is not allowed; the shortest is {Duration.Format(CertificateCheckSettings.MinInterval)}: a collector may log each handshake the check makes");
        }
        else if (Setting.IsNoneOrDuration(Interval) && Setting.IsNoneOrDuration(Timeout) && timeout >= interval)
        {
            var which = string.IsNullOrEmpty(Timeout) ? $"\"{Duration.Format(timeout)}\" (the default) " : "";
            yield return ValidationMessage.Fail(validationContext, nameof(Timeout),
                $"{which}must be shorter than probe.certificates.interval (\"{Duration.Format(interval)}\")");
        }
    }
}

/// <summary>A collector written as a mapping: in the catalogue, or in a group's <c>collectors</c>.</summary>
internal sealed class CollectorOptions
{
    internal static readonly string[] Keys = ["name", "address", "port", "serial", "hostname"];

    /// <summary>Not given, the address.</summary>
    public string? Name { get; set => field = value?.Trim(); }

    /// <summary>Required, but for a catalogue entry that names the collector of a serial <c>panorama:</c> imports (<see cref="ConfigReader"/>).</summary>
    [HostOrAddress]
    public string? Address { get; set => field = value?.Trim(); }

    [WholeNumber(1, 65535)]
    public string? Port { get; set => field = value?.Trim(); }

    public string? Serial { get; set => field = value?.Trim(); }

    /// <summary>Shown beside the name; for an imported collector, Panorama's hostname when not given.</summary>
    public string? Hostname { get; set => field = value?.Trim(); }
}

/// <summary>A group, one preference list. Its <c>collectors</c> may also be catalogue names, which the binder does not bind (ConfigLayout has them).</summary>
internal sealed class GroupOptions
{
    internal static readonly string[] Keys = ["name", "forwardToAll", "failback", "preferenceListFile", "collectors"];

    [Required(ErrorMessage = ValidationMessage.Path + "is required")]
    [GroupName]
    public string? Name { get; set => field = value?.Trim(); }

    [TrueOrFalse]
    public string? ForwardToAll { get; set => field = value?.Trim(); }

    [OneOf<Failback>]
    public string? Failback { get; set => field = value?.Trim(); }

    public string? PreferenceListFile { get; set => field = value?.Trim(); }

    /// <summary>The collectors written as mappings, in their order.</summary>
    [ValidateEnumeratedItems]
    public List<CollectorOptions> Collectors { get; set; } = [];
}

/// <summary>One entry of <c>panorama:</c>: a saved Panorama configuration, or Panorama's XML API (README.md, "From Panorama").</summary>
internal sealed class PanoramaSourceOptions : IValidatableObject
{
    internal static readonly string[] Keys =
        ["configFile", "collectorGroups", "panoramaSerial", "forwardToAll", "failback", "url", "apiKeyFile", "caFile", "refresh", "timeout"];

    /// <summary>A saved configuration (<c>show config running</c>, or an exported snapshot).</summary>
    public string? ConfigFile { get; set => field = value?.Trim(); }

    /// <summary>Only these collector groups; none: all of them.</summary>
    public List<string> CollectorGroups { get; set; } = [];

    /// <summary>Panorama's own serial: its local collector, reached at Panorama's management address.</summary>
    public string? PanoramaSerial { get; set => field = value?.Trim(); }

    [TrueOrFalse]
    public string? ForwardToAll { get; set => field = value?.Trim(); }

    [OneOf<Failback>]
    public string? Failback { get; set => field = value?.Trim(); }

    [HttpsUrl]
    public string? Url { get; set => field = value?.Trim(); }

    /// <summary>The file that holds the XML API key (a mounted Secret), never the key itself.</summary>
    public string? ApiKeyFile { get; set => field = value?.Trim(); }

    /// <summary>Not given: the system's trust store.</summary>
    public string? CaFile { get; set => field = value?.Trim(); }

    [PrometheusDuration]
    public string? Refresh { get; set => field = value?.Trim(); }

    /// <summary>How long one fetch, every request of it, may take.</summary>
    [PrometheusDuration]
    public string? Timeout { get; set => field = value?.Trim(); }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var hasFile = !string.IsNullOrEmpty(ConfigFile);
        var hasUrl = !string.IsNullOrEmpty(Url);
        if (hasFile == hasUrl)
        {
            yield return ValidationMessage.Fail(validationContext, null, hasFile
                ? "has both configFile and url; a source is one of them"
                : "needs configFile (a saved Panorama configuration) or url (Panorama's XML API)");
        }
        else if (hasFile)
        {
            foreach (var (member, text) in LiveSettings())
            {
                if (!string.IsNullOrEmpty(text))
                {
                    yield return ValidationMessage.Fail(validationContext, member, "is a setting of a live source (url), not of a configFile");
                }
            }
        }

        if (hasUrl && string.IsNullOrEmpty(ApiKeyFile))
        {
            yield return ValidationMessage.Fail(validationContext, nameof(ApiKeyFile), "is required with url: the file that holds the XML API key");
        }

        // A duration that is not one is reported as such, and not compared.
        if (hasUrl && Setting.IsNoneOrDuration(Refresh) && Setting.IsNoneOrDuration(Timeout))
        {
            var refresh = Setting.Duration(Refresh, PanoramaSource.DefaultRefresh);
            var timeout = Setting.Duration(Timeout, PanoramaSource.DefaultTimeoutFor(refresh));
            if (refresh < PanoramaSource.MinRefresh)
            {
                yield return ValidationMessage.Fail(validationContext, nameof(Refresh),
                    $"is not allowed; the shortest is {Duration.Format(PanoramaSource.MinRefresh)}: Panorama's management plane serves people too");
            }
            else if (timeout > refresh)
            {
                // A fetch may take the whole refresh (the next one starts when it is due), not longer.
                yield return ValidationMessage.Fail(validationContext, nameof(Timeout), $"must not be longer than the source's refresh (\"{Duration.Format(refresh)}\")");
            }
        }
    }

    private (string Member, string? Text)[] LiveSettings() =>
        [(nameof(ApiKeyFile), ApiKeyFile), (nameof(CaFile), CaFile), (nameof(Refresh), Refresh), (nameof(Timeout), Timeout)];
}

[OptionsValidator]
internal sealed partial class ExporterOptionsValidator : IValidateOptions<ExporterOptions>;
