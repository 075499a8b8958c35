using LogCollectorExporter.Configuration;

namespace LogCollectorExporter.Tests;

public sealed class ConfigurationOptionsTests
{
    /// <summary>Each kind of section: its options class, the settings it allows, and those of them read by hand rather than bound.</summary>
    public static TheoryData<Type, string[], string[]> Sections => new()
    {
        { typeof(ProbeOptions), ProbeOptions.Keys, ["buckets"] },
        { typeof(CertificateCheckOptions), CertificateCheckOptions.Keys, [] },
        { typeof(CollectorOptions), CollectorOptions.Keys, [] },
        { typeof(GroupOptions), GroupOptions.Keys, [] },
        { typeof(PanoramaSourceOptions), PanoramaSourceOptions.Keys, [] },
    };

    [Fact]
    public void The_top_level_allows_exactly_the_sections_of_the_options() =>
        Assert.Equal(ExporterOptions.Keys.Order(StringComparer.Ordinal),
            typeof(ExporterOptions).GetProperties().Select(p => string.Concat(p.Name[..1].ToLowerInvariant(), p.Name[1..])).Order(StringComparer.Ordinal));

    /// <summary>A property that is not among the keys could never be written (ConfigLayout rejects it); a key that is not a property would be ignored.</summary>
    [Theory]
    [MemberData(nameof(Sections))]
    public void A_section_allows_exactly_the_settings_its_options_bind(Type options, string[] keys, string[] byHand)
    {
        var properties = options.GetProperties().Where(p => p.CanWrite).Select(p => string.Concat(p.Name[..1].ToLowerInvariant(), p.Name[1..]));

        Assert.Equal(keys.Except(byHand).Order(StringComparer.Ordinal), properties.Order(StringComparer.Ordinal));
    }
}
