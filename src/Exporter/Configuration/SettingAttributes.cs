using System.ComponentModel.DataAnnotations;

namespace LogCollectorExporter.Configuration;

/// <summary>
/// A rule of one setting, run by the generated validator on the text the binder bound. A setting that is not given is
/// valid: it takes its default. The problem is written without the value; ConfigReader quotes the value as written.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal abstract class SettingAttribute : ValidationAttribute
{
    protected sealed override ValidationResult? IsValid(object? value, ValidationContext validationContext) =>
        value is string { Length: > 0 } text && Problem(text) is { } problem ? ValidationMessage.Fail(validationContext, problem) : ValidationResult.Success;

    /// <returns>What is wrong with <paramref name="text"/>; null when it is allowed.</returns>
    protected abstract string? Problem(string text);
}

/// <summary>
/// A whole number in a range. Not the stock <c>[Range]</c>: that needs the setting bound as a number, and on text the
/// generated one throws OverflowException for a number too large for an int (ConfigurationBinderLimitsTests).
/// </summary>
internal sealed class WholeNumberAttribute(int minimum, int maximum) : SettingAttribute
{
    protected override string? Problem(string text) =>
        Setting.TryWholeNumber(text, out var value) && value >= minimum && value <= maximum
            ? null
            : $"is not allowed; use a whole number, {(maximum == int.MaxValue ? $"{minimum} or more" : $"{minimum} to {maximum}")}";
}

/// <summary>A Prometheus duration or hh:mm:ss, greater than zero and at most a day.</summary>
internal sealed class PrometheusDurationAttribute : SettingAttribute
{
    protected override string? Problem(string text) => Setting.DurationProblem(text, out _);
}

/// <summary>
/// One of an enum's values as <see cref="EnumText"/> writes them, in any case. Not the binder's enum conversion, which
/// also takes numbers, undefined ones included, and lists of names ("1", "7", "hold, handshake").
/// </summary>
internal sealed class OneOfAttribute<T> : SettingAttribute
    where T : struct, Enum
{
    protected override string? Problem(string text) =>
        EnumText.TryParse<T>(text, out _) ? null : $"is not allowed; use one of: {string.Join(", ", EnumText.All<T>())}";
}

internal sealed class TrueOrFalseAttribute : SettingAttribute
{
    protected override string? Problem(string text) => Setting.TrueOrFalse(text) is null ? "is not allowed; use true or false" : null;
}

/// <summary>An address of this host to connect from.</summary>
internal sealed class IpAddressAttribute : SettingAttribute
{
    protected override string? Problem(string text) =>
        Setting.IpAddress(text) is null ? "is not allowed; use an IPv4 or IPv6 address of this host, or \"\"" : null;
}

/// <summary>An IP address (any form the probe takes) or a DNS name: no one pattern says both.</summary>
internal sealed class HostOrAddressAttribute : SettingAttribute
{
    protected override string? Problem(string text) =>
        Setting.IsHostOrAddress(text) ? null : "is not allowed; use an IPv4 or IPv6 address or a DNS name";
}

/// <summary>A group's name (<see cref="Setting.IsGroupName"/>).</summary>
internal sealed class GroupNameAttribute : SettingAttribute
{
    protected override string? Problem(string text) => Setting.IsGroupName(text) ? null : "is not allowed; use letters, digits and _ . : -";
}

/// <summary>An https URL: Panorama's XML API is reached over TLS only. Its problem quotes the value itself, where that is safe.</summary>
internal sealed class HttpsUrlAttribute : SettingAttribute
{
    protected override string? Problem(string text) => Setting.HttpsUrlProblem(text) is { } problem ? ValidationMessage.Unquoted(problem) : null;
}
