using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using LogCollectorExporter.Configuration;
using LogCollectorExporter.Platform;
using LogCollectorExporter.Preference;
using LogCollectorExporter.Probing;

namespace LogCollectorExporter.Web;

/// <summary>
/// The page at <c>/</c>: what the exporter sees, for a person who curls or port-forwards to it. Each collector once,
/// the groups summarised by where they stand (those not on their first choice named, grouped by where their logs go
/// now), and any one group at <c>/?group=NAME</c>. Server-rendered and self-contained (inline CSS and SVG, no scripts,
/// nothing fetched from elsewhere), refreshed every few seconds, and small whatever the number of groups. Every string
/// that came from configuration or the network is HTML-escaped.
/// </summary>
public static class StatusPage
{
    public const int RefreshSeconds = 5;

    /// <summary>Groups named under each collector that is their first choice; the rest are counted (any one is found by name).</summary>
    public const int FirstChoiceNamesShown = 100;

    private const string BackToAll = "<p class=\"facts\"><a href=\"/\">← every group and collector</a></p>";

    private const string Style = """
        :root{color-scheme:light dark;--fg:#1d2327;--muted:#646970;--line:#dcdcde;--bg:#fff;--card:#f6f7f7;--up:#1a7f37;--down:#cf222e;--unknown:#8c8f94;--accent:#2271b1}
        @media (prefers-color-scheme:dark){:root{--fg:#e6e6e6;--muted:#a7aaad;--line:#3c434a;--bg:#1d2327;--card:#2c3338;--accent:#72aee6}}
        *{box-sizing:border-box}body{margin:0;padding:1rem;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
        h1{font-size:1.3rem;margin:0 0 .25rem}h2{font-size:1.1rem;margin:0 0 .25rem}h3{font-size:.95rem;margin:.75rem 0 .25rem}a{color:var(--accent)}
        .facts{color:var(--muted);margin:.1rem 0}.facts b{color:var(--fg);font-weight:600}
        .error{color:var(--down);white-space:pre-wrap;font-family:ui-monospace,monospace;font-size:.85rem;margin:.25rem 0}
        section{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:.75rem;margin:1rem 0}
        .scroll{overflow-x:auto}table{border-collapse:collapse;width:100%;min-width:760px}
        th,td{text-align:left;padding:.35rem .5rem;border-top:1px solid var(--line);vertical-align:top}th{font-weight:600;color:var(--muted);font-size:.8rem;border-top:0}
        tr.preferred td{background:color-mix(in srgb,var(--accent) 12%,transparent)}
        .badge{display:inline-block;min-width:4.2em;text-align:center;padding:0 .4em;border-radius:1em;color:#fff;font-size:.8rem;font-weight:600}
        .expiring{background:#bf8700}.expired{background:var(--down)}
        .up,.first_choice{background:var(--up)}.down,.unreachable{background:var(--down)}.unknown,.undecided{background:var(--unknown)}.failed_over{background:#bf8700}
        .num{font-variant-numeric:tabular-nums;white-space:nowrap}.muted{color:var(--muted)}.small{font-size:.8rem}
        .names{margin:.1rem 0 .5rem;line-height:1.7}.names a{margin-right:.6em;white-space:nowrap}
        td.spark{width:30%;min-width:140px}svg.spark{display:block;width:100%;height:28px}
        svg .line{fill:none;stroke:var(--accent);stroke-width:1.2;vector-effect:non-scaling-stroke}svg .fail{stroke:var(--down);stroke-width:2;vector-effect:non-scaling-stroke}svg .reset{stroke:#bf8700;stroke-width:2;vector-effect:non-scaling-stroke}
        form{margin:.5rem 0}input{font:inherit;padding:.15rem .4rem}
        """;

    /// <summary>The whole fleet: collectors, and groups by where they stand.</summary>
    public static StringBuilder Render(StatusDocument status, DateTimeOffset now)
    {
        var html = Begin(status.Exporter, now, "logcollector-exporter");
        var summary = status.Summary;
        html.Append("<section><h2>Groups</h2><p class=\"facts\"><b>").Append(summary.Groups).Append("</b> groups: ")
            .Append(Count(summary.FirstChoice, GroupStanding.FirstChoice, "on their first choice")).Append(" · ")
            .Append(Count(summary.FailedOver, GroupStanding.FailedOver, "failed over")).Append(" · ")
            .Append(Count(summary.Unreachable, GroupStanding.Unreachable, "unreachable: their firewalls buffer logs on disk"))
            .Append(summary.Undecided > 0 ? $" · {Count(summary.Undecided, GroupStanding.Undecided, "waiting for a first probe")}" : "")
            .Append("</p>");
        AppendFinder(html, null);
        AppendByDestination(html, status.Groups, GroupStanding.FailedOver, "Failed over", int.MaxValue);
        AppendNames(html, "Unreachable: no collector up", status.Groups.Where(g => g.Standing == GroupStanding.Unreachable), int.MaxValue);
        AppendNames(html, "Waiting for a first probe", status.Groups.Where(g => g.Standing == GroupStanding.Undecided), FirstChoiceNamesShown);
        AppendByDestination(html, status.Groups, GroupStanding.FirstChoice, "On their first choice", FirstChoiceNamesShown);
        html.Append("</section>\n");

        html.Append("<section><h2>Collectors</h2><p class=\"facts\"><b>").Append(summary.CollectorsUp).Append("</b> of ").Append(summary.Collectors)
            .Append(" up</p>");
        AppendCollectors(html, status.Collectors.Select(c => (c, (int?)null, false)), now, listing: true);
        html.Append("</section>\n");
        return End(html);
    }

    /// <summary>One group: its collectors in priority order, and where its logs go.</summary>
    public static StringBuilder RenderGroup(StatusDocument status, DateTimeOffset now)
    {
        var group = status.Groups.Single();
        var heading = group.Hostname.Length > 0 ? $"{group.Name} {group.Hostname}" : group.Name;
        var html = Begin(status.Exporter, now, $"{heading} · logcollector-exporter");
        var byName = status.Collectors.ToDictionary(c => c.Name, StringComparer.Ordinal);
        var standing = EnumText.Of(group.Standing);
        html.Append(BackToAll).Append("<section><h2>").Append(E(heading)).Append(' ')
            .Append(Badge(standing, standing.Replace('_', ' '))).Append("</h2><p class=\"facts\">")
            .Append(group.CollectorGroup.Length > 0 ? $"collector group {E(group.CollectorGroup)} · " : "")
            .Append(group.ForwardToAll ? "forward to all" : $"failback {E(group.Failback)}")
            .Append(" · ").Append(group.CollectorsUp).Append(" of ").Append(group.Collectors.Count).Append(" up · logs go to ")
            .Append(group.Preferred.Count > 0 ? $"<b>{E(string.Join(", ", group.Preferred))}</b> (priority {group.PreferredPriority})"
                : group.Standing == GroupStanding.Undecided ? "<b>not decided yet</b>: waiting for a first probe"
                : "<b class=\"error\">no collector: the firewall buffers logs on its own disk</b>")
            .Append(group.PreferenceListFile is { } file ? $" · from {E(file)}" : "").Append("</p>");
        // A collector that a reload removed while this page was waiting to be rendered is left out, not an error.
        var rows = group.Collectors.Index().Where(member => byName.ContainsKey(member.Item))
            .Select(member => (byName[member.Item], (int?)(member.Index + 1), group.Preferred.Contains(member.Item)));
        AppendCollectors(html, rows, now, listing: false);
        html.Append("</section>\n");
        AppendFinder(html, null);
        return End(html);
    }

    /// <summary>The answer to <c>/?group=NAME</c> when there is no such group.</summary>
    public static StringBuilder RenderNoSuchGroup(ExporterStatus exporter, DateTimeOffset now, string name)
    {
        var html = Begin(exporter, now, "logcollector-exporter");
        html.Append("<section><h2>No group named “").Append(E(name)).Append("”</h2>").Append(BackToAll);
        AppendFinder(html, name);
        html.Append("</section>\n");
        return End(html);
    }

    private static StringBuilder Begin(ExporterStatus exporter, DateTimeOffset now, string title)
    {
        var html = new StringBuilder(32 * 1024);
        html.Append("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
            .Append("<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">")
            .Append(CultureInfo.InvariantCulture, $"<meta http-equiv=\"refresh\" content=\"{RefreshSeconds}\">")
            .Append("<title>").Append(E(title)).Append("</title><style>").Append(Style).Append("</style></head><body>\n");

        var probe = exporter.Probe;
        html.Append("<header><h1>logcollector-exporter</h1>")
            .Append("<p class=\"facts\">version <b>").Append(E(exporter.Version)).Append("</b> (").Append(E(exporter.Revision.Length > 12 ? exporter.Revision[..12] : exporter.Revision)).Append(", ").Append(E(exporter.Runtime))
            .Append(") · up ").Append(Ago(now - exporter.StartedAt)).Append(" · ").Append(exporter.Ready ? "<b>ready</b>" : "<b>not ready</b>: waiting for first probes")
            .Append("</p><p class=\"facts\">probing every <b>").Append(E(probe.Interval)).Append("</b>, timeout ").Append(E(probe.Timeout))
            .Append(", mode <b>").Append(E(probe.Mode)).Append("</b>, close ").Append(E(probe.Close)).Append(", ").Append(E(probe.IpFamily))
            .Append(", thresholds ").Append(probe.FailureThreshold).Append(" down / ").Append(probe.RecoveryThreshold).Append(" up")
            .Append(probe.Certificates is { Enabled: true } certificates ? $" · certificates checked every <b>{E(certificates.Interval)}</b>" : "")
            .Append(" · <a href=\"/metrics\">/metrics</a> · <a href=\"/api/v1/status\">/api/v1/status</a></p>");
        var reload = exporter.LastReload;
        html.Append("<p class=\"facts\">configuration <b>").Append(E(exporter.Config)).Append("</b> · last ")
            .Append(reload.Trigger == ReloadTrigger.Start ? "load" : $"reload ({E(reload.Trigger.Text())})")
            .Append(reload.Successful ? " <b>succeeded</b> " : " <b class=\"error\">failed</b> ").Append(Ago(now - reload.At)).Append(" ago</p>")
            .Append(!reload.Successful && reload.Error is { } error
                ? $"<p class=\"error\">{E(error)}\nThe previous configuration keeps running.</p>"
                : "");
        return html.Append("</header>\n");
    }

    // The page stays in the builder's chunks: written from there, it is never copied into one string.
    private static StringBuilder End(StringBuilder html) => html.Append("</body></html>\n");

    private static string Count(int count, GroupStanding standing, string what) =>
        $"{Badge(EnumText.Of(standing), count.ToString(CultureInfo.InvariantCulture))} {what}";

    private static string Badge(string kind, string text) => $"<span class=\"badge {kind}\">{text}</span>";

    // A line in small print under a cell's value, unless there is nothing to say; text already escaped.
    private static StringBuilder AppendNote(StringBuilder html, string text) =>
        text.Length == 0 ? html : html.Append("<br><span class=\"small muted\">").Append(text).Append("</span>");

    private static void AppendFinder(StringBuilder html, string? value) =>
        html.Append("<form action=\"/\" method=\"get\"><label>Group <input name=\"group\" required placeholder=\"a firewall's serial or a group's name\" size=\"32\"")
            .Append(value is null ? "" : $" value=\"{E(value)}\"").Append("></label> <button>Show</button></form>");

    // The groups of one standing, under the collectors their logs go to now.
    private static void AppendByDestination(StringBuilder html, IReadOnlyList<GroupStatus> groups, GroupStanding standing, string title, int shown)
    {
        foreach (var destination in groups.Where(g => g.Standing == standing).GroupBy(g => string.Join(", ", g.Preferred), StringComparer.Ordinal)
                     .OrderBy(d => d.Key, StringComparer.Ordinal))
        {
            AppendNames(html, $"{title}: logs go to {destination.Key}", destination, shown);
        }
    }

    private static void AppendNames(StringBuilder html, string title, IEnumerable<GroupStatus> groups, int shown)
    {
        var all = groups as IReadOnlyCollection<GroupStatus> ?? [.. groups];
        if (all.Count == 0)
        {
            return;
        }

        html.Append("<h3>").Append(E(title)).Append(" <span class=\"muted small\">(").Append(all.Count).Append(")</span></h3><p class=\"names\">");
        // A space between the names: each stays whole (nowrap), and the list wraps between them at any count.
        foreach (var (i, group) in all.Take(shown).Index())
        {
            html.Append(i > 0 ? " " : "").Append("<a href=\"/?group=").Append(UrlEncoder.Default.Encode(group.Name)).Append("\">").Append(E(group.Name))
                .Append(group.Hostname.Length > 0 ? $" <span class=\"muted\">{E(group.Hostname)}</span>" : "").Append("</a>");
        }

        html.Append(all.Count > shown ? $" <span class=\"muted\">and {all.Count - shown} more: find one by name</span>" : "").Append("</p>");
    }

    /// <param name="rows">Each collector, with its priority in the group shown, and whether the group's logs go to it.</param>
    /// <param name="listing">Whether to show how many groups list the collector and send it their logs.</param>
    private static void AppendCollectors(StringBuilder html, IEnumerable<(CollectorStatus Collector, int? Priority, bool Preferred)> rows, DateTimeOffset now, bool listing)
    {
        var all = rows.ToList();
        var certificates = all.Any(row => row.Collector.Certificate is not null);
        html.Append("<div class=\"scroll\"><table><thead><tr>").Append(listing ? "" : "<th>#</th>")
            .Append("<th>collector</th><th>state</th><th>address</th><th>handshake</th><th>last ").Append(RecentProbes.Capacity)
            .Append(" probes</th><th>failures</th><th>last result</th><th>last success</th>").Append(certificates ? "<th>certificate</th>" : "")
            .Append(listing ? "<th>groups</th>" : "").Append("</tr></thead><tbody>\n");
        foreach (var (c, priority, preferred) in all)
        {
            html.Append(preferred ? "<tr class=\"preferred\">" : "<tr>").Append(priority is { } p ? $"<td class=\"num\">{p}</td>" : "")
                .Append("<td><b>").Append(E(c.Name)).Append("</b>").Append(preferred ? " <span class=\"small muted\">← logs</span>" : "");

            // Who the collector is for people: its hostname, its serial, its collector group, whichever are known.
            string[] known = [c.Hostname, c.Name == c.Serial ? "" : c.Serial, c.CollectorGroup.Length > 0 ? $"collector group {c.CollectorGroup}" : ""];
            AppendNote(html, string.Join(" · ", known.Where(text => text.Length > 0).Select(E)));
            var state = EnumText.Of(c.State);
            html.Append("</td><td>").Append(Badge(state, state)).Append("</td><td class=\"num\">").Append(E(c.Endpoint));
            AppendNote(html, c.ResolvedAddress is { } resolved && resolved != c.Address ? E(resolved) : "");

            // A collector that is down has no handshake time now: its last good one would read as if it answered.
            html.Append("</td><td class=\"num\">").Append(c.State != CollectorState.Down && c.LastHandshakeSeconds is { } seconds ? Milliseconds(seconds) : "–").Append("</td><td class=\"spark\">");
            AppendSparkline(html, c.Recent);
            html.Append("</td><td class=\"num\">").Append(c.ConsecutiveFailures).Append("</td><td>").Append(E(c.LastResult?.Label() ?? "–"));
            AppendNote(html, c.LastError is { } error && c.LastResult != ProbeResult.Success ? E(error) : "");

            html.Append("</td><td class=\"num\">").Append(c.LastSuccessAt is { } success ? Ago(now - success) + " ago" : "never").Append("</td>");
            if (certificates)
            {
                AppendCertificate(html, c.Certificate);
            }

            if (listing)
            {
                AppendNote(html.Append("<td class=\"num\">logs of <b>").Append(c.PreferredBy).Append("</b>"), $"listed by {c.ListedBy}").Append("</td>");
            }

            html.Append("</tr>\n");
        }

        html.Append("</tbody></table></div>");
    }

    // When it expires and who issued it; marked when it expires within 30 days or has expired, and when the last check failed.
    private static void AppendCertificate(StringBuilder html, CertificateStatus? certificate)
    {
        html.Append("<td class=\"small\">");
        if (certificate is null)
        {
            html.Append("<span class=\"muted\">not checked yet</span></td>");
            return;
        }

        if (certificate is { NotAfter: { } notAfter, DaysLeft: { } days })
        {
            var mark = certificate.Expired ? "expired" : certificate.Expiring ? "expiring" : null;
            html.Append(mark is null ? "" : $"{Badge(mark, mark)} ")
                .Append("<span class=\"num\">").Append(certificate.Expired ? "expired " : "expires ").Append(notAfter.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture))
                .Append(CultureInfo.InvariantCulture, $" ({(days < 0 ? $"{-days:0} d ago" : $"{days:0} d left")})</span><br><span class=\"muted\">issuer ").Append(E(certificate.Issuer ?? "")).Append("</span>");
        }

        html.Append(certificate.CheckSucceeded ? ""
                : $"{(certificate.NotAfter is null ? "" : "<br>")}<span class=\"muted\">last check failed: {E(certificate.Error ?? "")}</span>")
            .Append("</td>");
    }

    // Handshake times as a line scaled to the slowest, failed probes as red ticks and dropped connections as amber ones,
    // spread over the whole width of the column whatever the number of probes so far.
    private static void AppendSparkline(StringBuilder html, IReadOnlyList<RecentProbe> recent)
    {
        const double Width = 300, Height = 28;
        var slowest = recent.Max(p => p.HandshakeSeconds) ?? 0;
        var label = string.Create(CultureInfo.InvariantCulture,
            $"{recent.Count(p => p.Result == ProbeResult.Success)} of {recent.Count} probes succeeded; slowest {(slowest > 0 ? Milliseconds(slowest) : "–")}");
        html.Append(CultureInfo.InvariantCulture, $"<svg class=\"spark\" viewBox=\"0 0 {Width} {Height}\" preserveAspectRatio=\"none\" role=\"img\" aria-label=\"{E(label)}\"><title>{E(label)}</title>");
        var step = recent.Count > 1 ? (Width - 2) / (recent.Count - 1) : 0;
        var points = new StringBuilder();
        void EndLine()
        {
            if (points.Length > 0)
            {
                html.Append("<polyline class=\"line\" points=\"").Append(points).Append("\"/>");
                points.Clear();
            }
        }

        for (var i = 0; i < recent.Count; i++)
        {
            var x = 1 + (i * step);
            var probe = recent[i];
            if (probe.HandshakeSeconds is { } seconds)
            {
                var y = Height - 2 - ((Height - 6) * (slowest > 0 ? seconds / slowest : 0));
                points.Append(CultureInfo.InvariantCulture, $"{x:0.#},{y:0.#} ");
            }
            else
            {
                EndLine();
                html.Append(CultureInfo.InvariantCulture, $"<line class=\"{(probe.Result == ProbeResult.Reset ? "reset" : "fail")}\" x1=\"{x:0.#}\" y1=\"{Height - 10}\" x2=\"{x:0.#}\" y2=\"{Height}\"/>");
            }
        }

        EndLine();
        html.Append("</svg>");
    }

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
