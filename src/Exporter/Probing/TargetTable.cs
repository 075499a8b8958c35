using LogCollectorExporter.Configuration;

namespace LogCollectorExporter.Probing;

/// <summary>A target of a <see cref="TargetTable{T}"/>: its configuration now, and its current run.</summary>
internal class TableEntry(CollectorConfig config)
{
    public CollectorConfig Config = config;
    public int Generation;
}

/// <summary>What <see cref="TargetTable{T}.Apply"/> changed; kept targets are in neither list.</summary>
/// <param name="Removed">Ids of targets no longer probed (removed, or changed): their sockets are to be closed.</param>
/// <param name="Added">Ids of new or changed targets (never one of <paramref name="Removed"/>), in the order given.</param>
internal readonly record struct TargetChanges(IReadOnlyList<int> Removed, IReadOnlyList<int> Added);

/// <summary>
/// The targets of the probe loop and of the certificate schedule, by an id the table gives (a freed id is given
/// again), and what a new configuration keeps, removes and adds.
/// </summary>
internal sealed class TargetTable<T>(Func<CollectorConfig, T> create)
    where T : TableEntry
{
    private readonly List<T?> entries = [];
    private readonly Stack<int> freeIds = new();
    private readonly Dictionary<string, int> byName = new(StringComparer.Ordinal);

    public IEnumerable<int> Ids => byName.Values;

    public T Get(int id) => Find(id) ?? throw new ArgumentOutOfRangeException(nameof(id), id, "not a target");

    public T? Find(int id) => (uint)id < (uint)entries.Count ? entries[id] : null;

    /// <summary>
    /// Takes the targets <paramref name="next"/> (unique by name: a repeated name is skipped). With
    /// <paramref name="keep"/>, a target whose name, address and port stay is kept, with the new configuration
    /// instance; any other is removed (<paramref name="removing"/> sees it first) or added.
    /// </summary>
    public TargetChanges Apply(IEnumerable<CollectorConfig> next, bool keep, Action<int, T> removing)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var kept = new HashSet<int>();
        var added = new List<CollectorConfig>();
        foreach (var target in next)
        {
            if (!seen.Add(target.Name))
            {
                continue;
            }

            if (keep && byName.TryGetValue(target.Name, out var id) && entries[id]!.Config.SameEndpoint(target))
            {
                entries[id]!.Config = target;
                kept.Add(id);
            }
            else
            {
                added.Add(target);
            }
        }

        List<int> removed = [.. byName.Values.Where(id => !kept.Contains(id))];
        foreach (var id in removed)
        {
            var entry = entries[id]!;
            removing(id, entry);
            byName.Remove(entry.Config.Name);
            entries[id] = null;
        }

        var ids = added.Select(Admit).ToArray();

        // Only now: an id freed by this call is not given again by it, so the caller closes a removed socket before
        // anything else can take its id.
        foreach (var id in removed)
        {
            freeIds.Push(id);
        }

        return new TargetChanges(removed, ids);
    }

    private int Admit(CollectorConfig config)
    {
        var id = freeIds.Count > 0 ? freeIds.Pop() : entries.Count;
        if (id == entries.Count)
        {
            entries.Add(null);
        }

        entries[id] = create(config);
        byName[config.Name] = id;
        return id;
    }
}
