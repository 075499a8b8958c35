namespace LogCollectorExporter.Preference;

public enum CollectorState
{
    /// <summary>Not probed yet.</summary>
    Unknown,
    Up,
    Down,
}

/// <summary>
/// Up or down after the thresholds: down after <c>failureThreshold</c> failed probes in a row, up again after
/// <c>recoveryThreshold</c> good ones. The first probe decides the first state, so a collector is never
/// "unknown" for several intervals just because the thresholds are high.
/// </summary>
public sealed class CollectorHealth
{
    public CollectorState State { get; private set; }

    public int ConsecutiveFailures { get; private set; }

    public int ConsecutiveSuccesses { get; private set; }

    /// <summary>Counts a probe; returns true when the state changed.</summary>
    public bool Observe(bool success, int failureThreshold, int recoveryThreshold)
    {
        if (success)
        {
            ConsecutiveFailures = 0;
            ConsecutiveSuccesses++;
        }
        else
        {
            ConsecutiveSuccesses = 0;
            ConsecutiveFailures++;
        }

        var next = State switch
        {
            CollectorState.Unknown => success ? CollectorState.Up : CollectorState.Down,
            CollectorState.Up when ConsecutiveFailures >= failureThreshold => CollectorState.Down,
            CollectorState.Down when ConsecutiveSuccesses >= recoveryThreshold => CollectorState.Up,
            _ => State,
        };
        var changed = next != State;
        State = next;
        return changed;
    }
}
