using Prometheus;

namespace LogCollectorExporter.Metrics;

/// <summary>
/// The series one collector, group or certificate owns. Each is made through <see cref="Add{T}"/>, a Replace or
/// <see cref="Info"/>, and <see cref="Remove"/> removes them all: no second list of what to remove can drift from what was made.
/// </summary>
public sealed class OwnedSeries
{
    private readonly HashSet<ChildBase> children = new(ReferenceEqualityComparer.Instance);
    private Gauge.Child? info;

    /// <summary>Owns <paramref name="child"/> (again, as often as it is looked up) and returns it.</summary>
    public T Add<T>(T child)
        where T : ChildBase
    {
        children.Add(child);
        return child;
    }

    /// <summary>Publishes the owner's info series (always 1) of <paramref name="gauge"/> with these labels; one with other labels goes.</summary>
    public void Info(Gauge gauge, params string[] labels)
    {
        // The same labels give the same series, which stays.
        var next = gauge.WithLabels(labels);
        if (info is not null && !ReferenceEquals(info, next))
        {
            Drop(info);
        }

        info = Add(next);
        next.Set(1);
    }

    /// <summary>Series that replace others, as a group's members do: those of <paramref name="old"/> not in <paramref name="next"/> go.</summary>
    public T[] Replace<T>(IEnumerable<T> old, T[] next)
        where T : ChildBase
    {
        foreach (var stale in old.Where(child => !next.Any(kept => ReferenceEquals(kept, child))).ToList())
        {
            Drop(stale);
        }

        foreach (var child in next)
        {
            Add(child);
        }

        return next;
    }

    /// <summary>Removes every series owned: what they describe is gone, or is measured anew.</summary>
    public void Remove()
    {
        foreach (var child in children)
        {
            child.Remove();
        }

        children.Clear();
        info = null;
    }

    private void Drop(ChildBase child)
    {
        child.Remove();
        children.Remove(child);
    }
}
