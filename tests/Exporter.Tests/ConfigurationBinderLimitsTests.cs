using System.ComponentModel.DataAnnotations;
using LogCollectorExporter.Configuration;
using LogCollectorExporter.Tests.Support;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace LogCollectorExporter.Tests;

/// <summary>
/// What the source-generated binder and options validator do with a configuration file's mistakes: why the reader
/// binds every setting as text, checks conversions and ranges with its own attributes, and walks the keys and lists
/// itself (ConfigLayout). If one of these stops holding, the reader can leave that part to the framework.
/// </summary>
public sealed class ConfigurationBinderLimitsTests
{
    public enum Mode
    {
        Handshake,
        Hold,
    }

    [Fact]
    public void These_are_the_source_generated_binders()
    {
        var error = Assert.Throws<NotSupportedException>(() => Configuration(("port", "1")).Bind(new Typed(), o => o.BindNonPublicProperties = true));

        Assert.Contains("source generator", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_value_that_does_not_convert_stops_the_binding_so_the_next_one_is_never_seen()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Configuration(("port", "http"), ("threshold", "x")).Bind(new Typed()));

        Assert.Contains("value 'http' at 'Port'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("threshold", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void ErrorOnUnknownConfiguration_stops_at_the_first_section_and_names_no_path()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            Configuration(("inner:intervall", "1s"), ("items:0:prot", "1")).Bind(new Outer(), o => o.ErrorOnUnknownConfiguration = true));

        Assert.EndsWith($"properties were not found on the instance of {typeof(Typed)}: 'intervall'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("prot", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1", Mode.Hold)]
    [InlineData("7", (Mode)7)]
    [InlineData("hold, handshake", Mode.Hold)]
    public void The_enum_conversion_takes_numbers_and_lists_as_well_as_names(string text, Mode expected)
    {
        var bound = new Typed();
        Configuration(("mode", text)).Bind(bound);

        Assert.Equal(expected, bound.Mode);
    }

    [Fact]
    public void A_list_of_mappings_skips_its_single_values_and_is_filled_from_a_mapping_too()
    {
        var bound = new Outer();
        Configuration(("items:0", "lc-1"), ("items:1:port", "1"), ("items:2:port", "2"), ("mapped:cg-east:port", "3")).Bind(bound);

        Assert.Equal([1, 2], bound.Items.Select(i => i.Port));
        Assert.Equal([3], bound.Mapped.Select(i => i.Port));
    }

    [Fact]
    public void The_generated_Range_throws_for_text_of_a_number_too_large_for_an_int()
    {
        Assert.Throws<OverflowException>(() => new TextValidator().Validate(null, new Text { Port = "99999999999" }));
        Assert.True(new TextValidator().Validate(null, new Text { Port = "70000" }).Failed);
    }

    /// <summary>The exporter's own attribute on the same text: a failure that names its setting, no exception.</summary>
    [Fact]
    public void A_whole_number_setting_that_does_not_fit_an_int_is_an_error()
    {
        var error = Assert.Throws<ConfigurationException>(() => Configs.FromYaml("groups: [{name: g, collectors: [{address: 127.0.0.1, port: 99999999999}]}]"));

        Assert.EndsWith("groups[0].collectors[0].port: \"99999999999\" is not allowed; use a whole number, 1 to 65535", error.Message, StringComparison.Ordinal);
    }

    private static IConfigurationRoot Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();

    public sealed class Typed
    {
        public int Port { get; set; }

        public int Threshold { get; set; }

        public Mode Mode { get; set; }
    }

    public sealed class Outer
    {
        public Typed Inner { get; set; } = new();

        public List<Typed> Items { get; set; } = [];

        public List<Typed> Mapped { get; set; } = [];
    }

    public sealed class Text
    {
        [Range(1, 65535)]
        public string? Port { get; set; }
    }
}

[OptionsValidator]
internal sealed partial class TextValidator : IValidateOptions<ConfigurationBinderLimitsTests.Text>;
