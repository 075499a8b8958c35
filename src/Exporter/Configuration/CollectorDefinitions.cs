namespace LogCollectorExporter.Configuration;

/// <summary>
/// Every collector of a configuration by name. A name stands for one endpoint however many places define it: the
/// top-level catalogue, a group's inline list, a preference list file. The first definition of a name is where the
/// others are compared, and named when they differ.
/// </summary>
internal sealed class CollectorDefinitions
{
    private readonly Dictionary<string, Definition> byName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> catalogueBySerial = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Definition> namesBySerial = new(StringComparer.Ordinal);
    private readonly List<string> order = [];

    public IReadOnlyList<CollectorConfig> All => [.. order.Select(name => byName[name].Config)];

    /// <summary>
    /// Adds a definition; returns what is wrong with it, or null. Every collector is defined here, so here its texts are
    /// checked: in the log, the status page and <c>/metrics</c> a control character would forge or hide text.
    /// </summary>
    /// <param name="where">This place, for messages about a later definition that differs (<c>groups[2].collectors[0]</c>).</param>
    /// <param name="inCatalogue">Whether this place is the top-level <c>collectors:</c> list.</param>
    public DefinitionProblem? Define(CollectorConfig collector, string where, bool inCatalogue) =>
        Unprintable(collector) ?? (Conflict(collector, where, inCatalogue) is { } conflict ? new("name", conflict) : null);

    private static DefinitionProblem? Unprintable(CollectorConfig collector) =>
        !ErrorText.IsPrintable(collector.Name) ? Unprintable("name", collector.Name, "a collector's name")
        : !ErrorText.IsPrintable(collector.Serial) ? Unprintable("serial", collector.Serial, "a serial")
        : !ErrorText.IsPrintable(collector.Hostname) ? Unprintable("hostname", collector.Hostname, "a hostname")
        : null;

    private static DefinitionProblem Unprintable(string setting, string value, string what) =>
        new(setting, $"\"{value}\" has a control or format character; {what} is shown in the log, on the status page and in /metrics");

    /// <summary>
    /// Adds a catalogue entry that names the collector of a serial without giving its address: the collector
    /// <c>panorama:</c> imports with that serial takes this name (and hostname), and the address Panorama gives it.
    /// </summary>
    public DefinitionProblem? Name(CollectorConfig named, string where)
    {
        var problem = Unprintable(named)
            ?? (CatalogueEntryNamed(named.Name) is { } first ? new("name", NameTaken(named.Name, first))
                : CatalogueEntryWithSerial(named.Serial) is { } same ? new DefinitionProblem("serial", SerialTaken(named.Serial, same))
                : null);
        if (problem is null)
        {
            namesBySerial[named.Serial] = new Definition(named, where, InCatalogue: true);
        }

        return problem;
    }

    /// <summary>
    /// Defines the collector an imported preference list names by a serial the catalogue has no collector of, on port
    /// 3978: named as the catalogue names the serial without an address (and its hostname), else by the serial.
    /// </summary>
    public (string Name, DefinitionProblem? Problem) DefineBySerial(string serial, string address, string where, string hostname = "", string collectorGroup = "")
    {
        var named = namesBySerial.GetValueOrDefault(serial)?.Config;
        var collector = new CollectorConfig(named?.Name ?? serial, address, CollectorConfig.DefaultPort, serial)
        {
            Hostname = named?.Hostname is { Length: > 0 } given ? given : hostname,
            CollectorGroup = collectorGroup,
        };
        return (collector.Name, Define(collector, where, inCatalogue: false));
    }

    /// <summary>Gives a collector the hostname and collector group an import knows, where nothing before gave it one.</summary>
    public void Annotate(string name, string hostname, string collectorGroup)
    {
        var first = byName[name];
        Conflict(first.Config with { Hostname = hostname, CollectorGroup = collectorGroup }, first.Where, inCatalogue: false);
    }

    private string? Conflict(CollectorConfig collector, string where, bool inCatalogue)
    {
        if (byName.TryGetValue(collector.Name, out var first))
        {
            if (inCatalogue && first.InCatalogue)
            {
                return NameTaken(collector.Name, first.Where);
            }

            if (!collector.SameEndpoint(first.Config))
            {
                return $"\"{collector.Name}\" is {collector.Endpoint} here but {first.Config.Endpoint} at {first.Where}; a collector name stands for one address and port (the name defaults to the address)";
            }

            if (collector.Serial.Length > 0 && first.Config.Serial.Length > 0 && collector.Serial != first.Config.Serial)
            {
                return $"\"{collector.Name}\" has serial \"{collector.Serial}\" here but \"{first.Config.Serial}\" at {first.Where}";
            }

            // What the first definition does not say, a later one may: a serial, a hostname, a collector group.
            var known = first.Config;
            byName[collector.Name] = first with
            {
                Config = known with
                {
                    Serial = known.Serial.Length > 0 ? known.Serial : collector.Serial,
                    Hostname = known.Hostname.Length > 0 ? known.Hostname : collector.Hostname,
                    CollectorGroup = known.CollectorGroup.Length > 0 ? known.CollectorGroup : collector.CollectorGroup,
                },
            };
            return null;
        }

        if (inCatalogue && CatalogueEntryNamed(collector.Name) is { } named)
        {
            return NameTaken(collector.Name, named);
        }

        if (inCatalogue && collector.Serial.Length > 0 && CatalogueEntryWithSerial(collector.Serial) is { } same)
        {
            return SerialTaken(collector.Serial, same);
        }

        if (inCatalogue && collector.Serial.Length > 0)
        {
            catalogueBySerial[collector.Serial] = collector.Name;
        }

        byName[collector.Name] = new Definition(collector, where, inCatalogue);
        order.Add(collector.Name);
        return null;
    }

    private static string NameTaken(string name, string where) =>
        $"\"{name}\" is already the name of {where}; names in collectors: must be unique";

    private static string SerialTaken(string serial, string where) =>
        $"serial \"{serial}\" is already the serial of {where}; serials in collectors: must be unique";

    /// <summary>Where the catalogue has an entry of this name, with an address or without; null when it has none.</summary>
    private string? CatalogueEntryNamed(string name) =>
        byName.TryGetValue(name, out var defined) && defined.InCatalogue ? defined.Where : namesBySerial.Values.FirstOrDefault(n => n.Config.Name == name)?.Where;

    /// <summary>Where the catalogue has an entry of this serial, with an address or without; null when it has none.</summary>
    private string? CatalogueEntryWithSerial(string serial) =>
        catalogueBySerial.TryGetValue(serial, out var name) ? byName[name].Where : namesBySerial.GetValueOrDefault(serial)?.Where;

    /// <summary>Whether the catalogue names a collector this way without giving its address.</summary>
    public bool IsNamedWithoutAddress(string name) => namesBySerial.Values.Any(n => n.Config.Name == name);

    public bool IsCatalogued(string name) => byName.TryGetValue(name, out var definition) && definition.InCatalogue;

    /// <summary>The name of the catalogue's collector with this serial: a preference list entry of that serial is that collector.</summary>
    public string? CataloguedSerial(string serial) => catalogueBySerial.GetValueOrDefault(serial);

    public CollectorConfig Get(string name) => byName[name].Config;

    private sealed record Definition(CollectorConfig Config, string Where, bool InCatalogue);
}

/// <param name="Setting">The setting it is about: <c>name</c>, <c>serial</c> or <c>hostname</c>.</param>
internal sealed record DefinitionProblem(string Setting, string Problem)
{
    public override string ToString() => Problem;
}
