using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;

namespace LogCollectorExporter.Web;

/// <summary>
/// The page at <c>/</c>: what the exporter sees, for a person who curls or port-forwards to it. Server-rendered,
/// self-contained (inline CSS and SVG, no scripts, nothing fetched from elsewhere) and refreshed every few seconds.
/// Every string that came from configuration or the network is HTML-escaped.
/// </summary>
public static class StatusPage
{
    public const int RefreshSeconds = 5;

    private const string Style = """
        :root{color-scheme:light dark;--fg:#1d2327;--muted:#646970;--line:#dcdcde;--bg:#fff;--card:#f6f7f7;--up:#1a7f37;--down:#cf222e;--unknown:#8c8f94;--accent:#2271b1}
        @media (prefers-color-scheme:dark){:root{--fg:#e6e6e6;--muted:#a7aaad;--line:#3c434a;--bg:#1d2327;--card:#2c3338;--accent:#72aee6}}
        *{box-sizing:border-box}body{margin:0;padding:1rem;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
        h1{font-size:1.3rem;margin:0 0 .25rem}h2{font-size:1.1rem;margin:0 0 .25rem}a{color:var(--accent)}
        .facts{color:var(--muted);margin:.1rem 0}.facts b{color:var(--fg);font-weight:600}
        .error{color:var(--down);white-space:pre-wrap;font-family:ui-monospace,monospace;font-size:.85rem;margin:.25rem 0}
        section{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:.75rem;margin:1rem 0}
        .scroll{overflow-x:auto}table{border-collapse:collapse;width:100%;min-width:760px}
        th,td{text-align:left;padding:.35rem .5rem;border-top:1px solid var(--line);vertical-align:top}th{font-weight:600;color:var(--muted);font-size:.8rem;border-top:0}
        tr.preferred td{background:color-mix(in srgb,var(--accent) 12%,transparent)}
        .badge{display:inline-block;min-width:4.2em;text-align:center;padding:0 .4em;border-radius:1em;color:#fff;font-size:.8rem;font-weight:600}
        .up{background:var(--up)}.down{background:var(--down)}.unknown{background:var(--unknown)}
        .num{font-variant-numeric:tabular-nums;white-space:nowrap}.muted{color:var(--muted)}.small{font-size:.8rem}
        svg{display:block}svg .line{fill:none;stroke:var(--accent);stroke-width:1.2}svg .fail{stroke:var(--down);stroke-width:2}svg .reset{stroke:#bf8700;stroke-width:2}
        """;

    public static string Render(StatusDocument status, DateTimeOffset now)
    {
        var html = new StringBuilder(16 * 1024);
        var exporter = status.Exporter;
        html.Append("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
            .Append("<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">")
            .Append(CultureInfo.InvariantCulture, $"<meta http-equiv=\"refresh\" content=\"{RefreshSeconds}\">")
            .Append("<title>logcollector-exporter</title><style>").Append(Style).Append("</style></head><body>\n");

        var probe = exporter.Probe;
        html.Append("<header><h1>logcollector-exporter</h1>")
            .Append("<p class=\"facts\">version <b>").Append(E(exporter.Version)).Append("</b> (").Append(E(exporter.Revision.Length > 12 ? exporter.Revision[..12] : exporter.Revision)).Append(", ").Append(E(exporter.Runtime))
            .Append(") · up ").Append(Ago(now - exporter.StartedAt)).Append(" · ").Append(exporter.Ready ? "<b>ready</b>" : "<b>not ready</b>: waiting for first probes")
            .Append("</p><p class=\"facts\">probing every <b>").Append(E(probe.Interval)).Append("</b>, timeout ").Append(E(probe.Timeout))
            .Append(", mode <b>").Append(E(probe.Mode)).Append("</b>, close ").Append(E(probe.Close)).Append(", ").Append(E(probe.IpFamily))
            .Append(", thresholds ").Append(probe.FailureThreshold).Append(" down / ").Append(probe.RecoveryThreshold).Append(" up")
            .Append(" · <a href=\"/metrics\">/metrics</a> · <a href=\"/api/v1/status\">/api/v1/status</a></p>");
        var reload = exporter.LastReload;
        html.Append("<p class=\"facts\">configuration <b>").Append(E(exporter.Config)).Append("</b> · last ")
            .Append(reload.Trigger == "start" ? "load" : $"reload ({E(reload.Trigger)})")
            .Append(reload.Successful ? " <b>succeeded</b> " : " <b class=\"error\">failed</b> ").Append(Ago(now - reload.At)).Append(" ago</p>");
        if (!reload.Successful && reload.Error is { } error)
        {
            html.Append("<p class=\"error\">").Append(E(error)).Append("\nThe previous configuration keeps running.</p>");
        }

        html.Append("</header>\n");
        foreach (var group in status.Groups)
        {
            AppendGroup(html, group, now);
        }

        html.Append("</body></html>\n");
        return html.ToString();
    }

    private static void AppendGroup(StringBuilder html, GroupStatus group, DateTimeOffset now)
    {
        html.Append("<section><h2>").Append(E(group.Name)).Append("</h2><p class=\"facts\">")
            .Append(group.ForwardToAll ? "forward to all" : $"failback {E(group.Failback)}")
            .Append(" · ").Append(group.CollectorsUp).Append(" of ").Append(group.Collectors.Count).Append(" up · logs go to ");
        if (group.Preferred.Count == 0)
        {
            html.Append("<b class=\"error\">no collector: the firewall buffers logs on its own disk</b>");
        }
        else
        {
            html.Append("<b>").Append(E(string.Join(", ", group.Preferred))).Append("</b> (priority ").Append(group.PreferredPriority).Append(')');
        }

        if (group.PreferenceListFile is { } file)
        {
            html.Append(" · from ").Append(E(file));
        }

        html.Append("</p><div class=\"scroll\"><table><thead><tr><th>#</th><th>collector</th><th>state</th><th>address</th><th>handshake</th>")
            .Append("<th>last ").Append(Preference.RecentProbes.Capacity).Append(" probes</th><th>failures</th><th>last result</th><th>last success</th></tr></thead><tbody>\n");
        foreach (var c in group.Collectors)
        {
            html.Append(c.Preferred ? "<tr class=\"preferred\">" : "<tr>")
                .Append("<td class=\"num\">").Append(c.Priority).Append("</td><td><b>").Append(E(c.Name)).Append("</b>");
            if (c.Preferred)
            {
                html.Append(" <span class=\"small muted\">← logs</span>");
            }

            if (c.Serial.Length > 0)
            {
                html.Append("<br><span class=\"small muted\">").Append(E(c.Serial)).Append("</span>");
            }

            html.Append("</td><td><span class=\"badge ").Append(c.State).Append("\">").Append(c.State).Append("</span></td><td class=\"num\">")
                .Append(E(Endpoint(c.Address, c.Port)));
            if (c.ResolvedAddress is { } resolved && resolved != c.Address)
            {
                html.Append("<br><span class=\"small muted\">").Append(E(resolved)).Append("</span>");
            }

            html.Append("</td><td class=\"num\">").Append(c.LastHandshakeSeconds is { } seconds ? Milliseconds(seconds) : "–").Append("</td><td>");
            AppendSparkline(html, c.Recent);
            html.Append("</td><td class=\"num\">").Append(c.ConsecutiveFailures).Append("</td><td>").Append(E(c.LastResult ?? "–"));
            if (c.LastError is { } error && c.LastResult != "success")
            {
                html.Append("<br><span class=\"small muted\">").Append(E(error)).Append("</span>");
            }

            html.Append("</td><td class=\"num\">").Append(c.LastSuccessAt is { } success ? Ago(now - success) + " ago" : "never").Append("</td></tr>\n");
        }

        html.Append("</tbody></table></div></section>\n");
    }

    // Handshake times as a line scaled to the slowest, failed probes as red ticks and dropped connections as amber ones.
    private static void AppendSparkline(StringBuilder html, IReadOnlyList<RecentProbeStatus> recent)
    {
        const double Width = 180, Height = 28, Step = Width / (Preference.RecentProbes.Capacity - 1);
        var slowest = recent.Max(p => p.HandshakeSeconds) ?? 0;
        var label = string.Create(CultureInfo.InvariantCulture,
            $"{recent.Count(p => p.Result == "success")} of {recent.Count} probes succeeded; slowest {(slowest > 0 ? Milliseconds(slowest) : "–")}");
        html.Append(CultureInfo.InvariantCulture, $"<svg width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\" role=\"img\" aria-label=\"{E(label)}\"><title>{E(label)}</title>");
        var points = new StringBuilder();
        var offset = Preference.RecentProbes.Capacity - recent.Count;
        for (var i = 0; i < recent.Count; i++)
        {
            var x = (offset + i) * Step;
            var probe = recent[i];
            if (probe.HandshakeSeconds is { } seconds)
            {
                var y = Height - 2 - ((Height - 6) * (slowest > 0 ? seconds / slowest : 0));
                points.Append(CultureInfo.InvariantCulture, $"{x:0.#},{y:0.#} ");
            }
            else
            {
                if (points.Length > 0)
                {
                    html.Append("<polyline class=\"line\" points=\"").Append(points).Append("\"/>");
                    points.Clear();
                }

                html.Append(CultureInfo.InvariantCulture, $"<line class=\"{(probe.Result == "reset" ? "reset" : "fail")}\" x1=\"{x:0.#}\" y1=\"{Height - 10}\" x2=\"{x:0.#}\" y2=\"{Height}\"/>");
            }
        }

        if (points.Length > 0)
        {
            html.Append("<polyline class=\"line\" points=\"").Append(points).Append("\"/>");
        }

        html.Append("</svg>");
    }

    private static string Endpoint(string address, int port) =>
        address.Contains(':', StringComparison.Ordinal) ? $"[{address}]:{port}" : $"{address}:{port}";

    private static string Milliseconds(double seconds) => string.Create(CultureInfo.InvariantCulture, $"{seconds * 1000:0.###} ms");

    private static string Ago(TimeSpan elapsed) => elapsed.TotalSeconds switch
    {
        < 0 => "0 s",
        < 120 => string.Create(CultureInfo.InvariantCulture, $"{elapsed.TotalSeconds:0} s"),
        < 7200 => string.Create(CultureInfo.InvariantCulture, $"{elapsed.TotalMinutes:0} min"),
        < 172_800 => string.Create(CultureInfo.InvariantCulture, $"{elapsed.TotalHours:0.#} h"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{elapsed.TotalDays:0.#} d"),
    };

    private static string E(string text) => HtmlEncoder.Default.Encode(text);
}
