using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using LogCollectorExporter.Tests.Support;

namespace LogCollectorExporter.EndToEnd.Support;

/// <summary>A connection row of panDeviceLoggingCollectorConnectionTable: type (CMS or LC), IP, hostname, status as the firewall sends it.</summary>
public sealed record ConnectionRow(string Type, string Ip, string Hostname, string Status);

/// <summary>
/// A row of panDeviceLoggingLogTypeStatTable: its opaque index (a first sub-identifier, then the device name's
/// characters, the shape of the public walk), and its three Counter64 columns as a start and a growth per second
/// (snmpsim's numeric variation; 0 stands still).
/// </summary>
public sealed record LogTypeRow(int Index, string Device, string LogType, long SeqForwarded, double SeqForwardedPerSecond,
    long SeqAcknowledged, double SeqAcknowledgedPerSecond, long TotalForwarded, double TotalForwardedPerSecond);

/// <summary>One firewall's PAN-COMMON-MIB answers: serial, incoming log rate, its connection rows and log-type rows.</summary>
public sealed record SimulatedFirewall(string Serial, int IncomingLogRate, IReadOnlyList<ConnectionRow> Connections, IReadOnlyList<LogTypeRow> LogTypes)
{
    private const string PanCommonObjs = "1.3.6.1.4.1.25461.2.1.2";

    /// <summary>The firewall as an snmprec file (OID|tag|value, in OID order): the MIB's objects with the types real firewalls return, dates as local-time strings.</summary>
    public string ToSnmprec()
    {
        var records = new List<(string Oid, string Tag, string Value)>
        {
            ($"{PanCommonObjs}.1.3.0", "4", Serial), // panSysSerialNumber
            ($"{PanCommonObjs}.1.4.0", "2", "-18000"), // panSysTimeZoneOffset, as in a public walk
            ($"{PanCommonObjs}.7.1.1.0", "66", IncomingLogRate.ToString(CultureInfo.InvariantCulture)), // panDeviceIncomingLogRate
            ($"{PanCommonObjs}.7.1.2.0", "66", IncomingLogRate.ToString(CultureInfo.InvariantCulture)), // panDeviceWriteLogRate
        };
        foreach (var row in Connections)
        {
            var index = $"{row.Ip.Length}.{string.Join('.', row.Ip.Select(c => (int)c))}";
            records.Add(($"{PanCommonObjs}.7.5.1.1.{index}", "4", row.Type));
            records.Add(($"{PanCommonObjs}.7.5.1.2.{index}", "4", row.Ip));
            records.Add(($"{PanCommonObjs}.7.5.1.3.{index}", "4", row.Hostname));
            records.Add(($"{PanCommonObjs}.7.5.1.4.{index}", "4", row.Status));
        }

        foreach (var row in LogTypes)
        {
            var index = $"{row.Index}.{string.Join('.', row.Device.Select(c => (int)c))}";
            records.Add(($"{PanCommonObjs}.7.2.1.1.{index}", "4", row.Device));
            records.Add(($"{PanCommonObjs}.7.2.1.2.{index}", "2", "0"));
            records.Add(($"{PanCommonObjs}.7.2.1.3.{index}", "4", row.LogType));
            records.Add(($"{PanCommonObjs}.7.2.1.4.{index}", "4", "2026/12/07 08:16:08"));
            records.Add(($"{PanCommonObjs}.7.2.1.5.{index}", "4", row.TotalForwardedPerSecond > 0 ? "2026/12/07 08:16:07" : "Not Available"));
            records.Add(Counter($"{PanCommonObjs}.7.2.1.6.{index}", row.SeqForwarded, row.SeqForwardedPerSecond));
            records.Add(Counter($"{PanCommonObjs}.7.2.1.7.{index}", row.SeqAcknowledged, row.SeqAcknowledgedPerSecond));
            records.Add(Counter($"{PanCommonObjs}.7.2.1.8.{index}", row.TotalForwarded, row.TotalForwardedPerSecond));
        }

        var text = new StringBuilder();
        foreach (var (oid, tag, value) in records.OrderBy(r => r.Oid, OidOrder.Instance))
        {
            text.Append(oid).Append('|').Append(tag).Append('|').Append(value).Append('\n');
        }

        return text.ToString();
    }

    private static (string, string, string) Counter(string oid, long start, double perSecond) => perSecond == 0
        ? (oid, "70", start.ToString(CultureInfo.InvariantCulture))
        : (oid, "70:numeric", FormattableString.Invariant($"initial={start},rate={perSecond}"));

    private sealed class OidOrder : IComparer<string>
    {
        public static readonly OidOrder Instance = new();

        public int Compare(string? x, string? y)
        {
            var a = x!.Split('.').Select(long.Parse).ToArray();
            var b = y!.Split('.').Select(long.Parse).ToArray();
            for (var i = 0; i < Math.Min(a.Length, b.Length); i++)
            {
                if (a[i] != b[i])
                {
                    return a[i].CompareTo(b[i]);
                }
            }

            return a.Length.CompareTo(b.Length);
        }
    }
}

/// <summary>
/// snmpsim (Debian's snmpsimd, --v2c-arch) answering as many firewalls, each on an endpoint of its own (127.0.0.x, one
/// UDP port), community "public": snmpsim picks a data file by community and endpoint (public/1.3.6.1.6.1.1.N for the
/// Nth endpoint). Killed when disposed.
/// </summary>
public sealed class SimulatedFirewallAgents : IAsyncDisposable
{
    private readonly Process process;
    private readonly StringBuilder output = new();

    private SimulatedFirewallAgents(Process process, IReadOnlyList<string> endpoints)
    {
        this.process = process;
        Endpoints = endpoints;
    }

    /// <summary>Each firewall's address:port, in the order given.</summary>
    public IReadOnlyList<string> Endpoints { get; }

    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    public int Id => process.Id;

    /// <summary>Writes each firewall's data into <paramref name="directory"/> and starts snmpsimd on 127.0.0.(first + i), waiting until every endpoint answers.</summary>
    /// <param name="address">The i-th firewall's address instead, for more firewalls than 127.0.0.x holds (the bench's thousands).</param>
    /// <param name="patience">How long snmpsimd may take to index its data and listen; 120 s by default.</param>
    public static async Task<SimulatedFirewallAgents> StartAsync(string directory, IReadOnlyList<SimulatedFirewall> firewalls, int firstAddress = 21,
        Func<int, string>? address = null, TimeSpan? patience = null)
    {
        var data = Path.Combine(directory, "snmpsim-data");
        var community = Directory.CreateDirectory(Path.Combine(data, "public")).FullName;
        var cache = Directory.CreateDirectory(Path.Combine(directory, "snmpsim-cache")).FullName;
        var port = FreeUdpPort();
        var endpoints = new List<string>();
        var args = new List<string> { "--v2c-arch", $"--data-dir={data}", $"--cache-dir={cache}", "--logging-method=stderr" };
        for (var i = 0; i < firewalls.Count; i++)
        {
            File.WriteAllText(Path.Combine(community, $"1.3.6.1.6.1.1.{i}.snmprec"), firewalls[i].ToSnmprec());
            var endpoint = $"{address?.Invoke(i) ?? $"127.0.0.{firstAddress + i}"}:{port}";
            endpoints.Add(endpoint);
            args.Add($"--agent-udpv4-endpoint={endpoint}");
        }

        if (OperatingSystem.IsLinux() && Environment.UserName == "root")
        {
            // snmpsimd refuses to run as root; it drops to nobody, who must read the data and write the cache.
            args.AddRange(["--process-user=nobody", "--process-group=nogroup"]);
            foreach (var path in new[] { directory, data, community, cache }.Concat(Directory.GetFiles(community)))
            {
                File.SetUnixFileMode(path, File.GetUnixFileMode(path) | UnixFileMode.OtherRead | UnixFileMode.OtherExecute | UnixFileMode.OtherWrite);
            }
        }

        var info = new ProcessStartInfo(Tools.Find("snmpsimd")) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        args.ForEach(info.ArgumentList.Add);
        var agents = new SimulatedFirewallAgents(Process.Start(info) ?? throw new InvalidOperationException("snmpsimd did not start"), endpoints);
        agents.process.OutputDataReceived += (_, e) => agents.Collect(e.Data);
        agents.process.ErrorDataReceived += (_, e) => agents.Collect(e.Data);
        agents.process.BeginOutputReadLine();
        agents.process.BeginErrorReadLine();
        try
        {
            await agents.WaitUntilAnsweringAsync(firewalls.Count, patience ?? TimeSpan.FromSeconds(120));
            return agents;
        }
        catch
        {
            await agents.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }

    /// <summary>snmpsimd indexes its data files before it listens: wait for its "Listening at" lines (one per endpoint).</summary>
    private async Task WaitUntilAnsweringAsync(int endpoints, TimeSpan patience)
    {
        var deadline = DateTime.UtcNow + patience;
        while (ListeningAt().Count(m => m.Success) < endpoints)
        {
            Assert.False(process.HasExited, $"snmpsimd exited with {(process.HasExited ? process.ExitCode : 0)}:\n{Output}");
            Assert.True(DateTime.UtcNow < deadline, $"snmpsimd not listening within {patience.TotalSeconds} s:\n{Output}");
            await Task.Delay(200);
        }
    }

    private IEnumerable<Match> ListeningAt() => Regex.Matches(Output, "Listening at UDP/IPv4 endpoint");

    private void Collect(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static int FreeUdpPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }
}

/// <summary>grafana/snmp/snmp.yml as shipped, and its module panos_logging in snmp_exporter 0.21's format (no auths: the auth and the SNMP version inside the module).</summary>
public static class ShippedSnmpModule
{
    public static string File { get; } = Path.Combine(Tools.RepositoryRoot, "grafana", "snmp", "snmp.yml");

    /// <summary>The module at the top level, each line two spaces less indented, with <c>version: 2</c> and the community put into it.</summary>
    public static string ForSnmpExporter021(string community)
    {
        var lines = System.IO.File.ReadAllLines(File);
        var modules = Array.IndexOf(lines, "modules:");
        Assert.True(modules > 0, $"no top-level \"modules:\" in {File}");
        var converted = new StringBuilder();
        foreach (var line in lines.Skip(modules + 1))
        {
            Assert.True(line.Length == 0 || line.StartsWith("  ", StringComparison.Ordinal), $"a line of modules: not indented in {File}: {line}");
            converted.AppendLine(line.Length == 0 ? line : line[2..]);
            if (line == "  panos_logging:")
            {
                converted.AppendLine("  version: 2");
                converted.AppendLine($"  auth: {{community: {community}}}");
            }
        }

        return converted.ToString();
    }
}
