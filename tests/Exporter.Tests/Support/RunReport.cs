using System.Text.Json;

namespace LogCollectorExporter.Tests.Support;

/// <summary>
/// The figures a reliability scenario measured, appended as one JSON line to the file named by LCE_REPORT (the soak
/// runner sets it and prints them); nothing is written when it is not set.
/// </summary>
public static class RunReport
{
    private static readonly Lock Gate = new();

    public static void Add(string scenario, params (string Name, object Value)[] figures)
    {
        var path = Environment.GetEnvironmentVariable("LCE_REPORT");
        if (string.IsNullOrEmpty(path))
        {
            return;
        }

        var line = new Dictionary<string, object> { ["scenario"] = scenario, ["at"] = DateTimeOffset.UtcNow };
        foreach (var (name, value) in figures)
        {
            line[name] = value;
        }

        lock (Gate)
        {
            File.AppendAllText(path, JsonSerializer.Serialize(line) + "\n");
        }
    }
}
