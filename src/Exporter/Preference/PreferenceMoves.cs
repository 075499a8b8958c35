namespace LogCollectorExporter.Preference;

/// <summary>
/// The groups whose logs moved in one event (a collector going down or up, a reload), told in one line however many
/// groups there are: by where their logs go now, with the first few names of each.
/// </summary>
internal sealed class PreferenceMoves
{
    /// <summary>Names shown for each destination; the rest are counted.</summary>
    public const int NamesShown = 5;

    private readonly SortedDictionary<string, List<string>> byDestination = new(StringComparer.Ordinal);

    public int Count { get; private set; }

    public void Add(GroupView after)
    {
        var destination = after.Preferred.Count == 0
            ? (after.Standing == GroupStanding.Unreachable ? "no collector (buffering on disk)" : "undecided")
            : string.Join(", ", after.PreferredNames);
        if (!byDestination.TryGetValue(destination, out var groups))
        {
            byDestination[destination] = groups = [];
        }

        groups.Add(after.Config.Name);
        Count++;
    }

    /// <summary><c>fw-1, fw-3 → lc-2; fw-4 and 12 more → no collector (buffering on disk)</c></summary>
    public string Describe() => string.Join("; ", byDestination.Select(moved =>
    {
        var (destination, groups) = moved;
        var more = groups.Count > NamesShown ? $" and {groups.Count - NamesShown} more" : "";
        return $"{string.Join(", ", groups.Take(NamesShown))}{more} → {destination}";
    }));
}
