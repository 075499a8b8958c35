using System.Diagnostics;
using LogCollectorExporter.Probing;
using LogCollectorExporter.Tests.Support;
using Microsoft.AspNetCore.Http;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace LogCollectorExporter.Tests;

/// <summary>Spans of probes: their content with the in-memory exporter, their delivery with OTLP to a receiver of the test's own.</summary>
public sealed class TelemetryTests
{
    [Fact]
    public async Task Each_probe_is_a_span_with_the_collector_the_result_and_the_timings_and_no_group()
    {
        using var up = Peer.Up();
        using var refused = Peer.Refused();
        var spans = new SpanList();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddSource(ProbeTelemetry.SourceName).AddInMemoryExporter(spans).Build();
        await using (EngineHarness.Start(Configs.Group([up.Port, refused.Port], probe: "interval: 60s")))
        {
            await Eventually.TrueAsync(() => Mine(spans, up.Port, refused.Port).Length == 2, "two probe spans");
        }

        // Other tests probe at the same time, and the source is the process's: their spans are told apart by port.
        var finished = Mine(spans, up.Port, refused.Port).OrderBy(s => s.GetTagItem("logcollector.collector")).ToArray();

        Assert.All(finished, span =>
        {
            Assert.Equal("logcollector.probe", span.DisplayName);
            Assert.Equal(ActivityKind.Client, span.Kind);
            Assert.Null(span.ParentId);
            Assert.Equal("127.0.0.1", span.GetTagItem("server.address"));
            Assert.Equal("127.0.0.1", span.GetTagItem("network.peer.address"));
            Assert.Null(span.GetTagItem("logcollector.group"));
            Assert.Null(span.GetTagItem("logcollector.priority"));
            Assert.Equal(0.0, span.GetTagItem("logcollector.dns.duration"));
        });
        var (success, failure) = (finished[0], finished[1]);
        Assert.Equal(("c1", up.Port, "success", ActivityStatusCode.Ok),
            (success.GetTagItem("logcollector.collector"), success.GetTagItem("server.port"), success.GetTagItem("logcollector.result"), success.Status));
        Assert.IsType<double>(success.GetTagItem("logcollector.handshake.duration"));
        Assert.True((double)success.GetTagItem("logcollector.handshake.duration")! > 0);
        Assert.Equal(("c2", refused.Port, "refused", ActivityStatusCode.Error),
            (failure.GetTagItem("logcollector.collector"), failure.GetTagItem("server.port"), failure.GetTagItem("logcollector.result"), failure.Status));
        Assert.Contains("Connection refused", failure.StatusDescription, StringComparison.OrdinalIgnoreCase);
        Assert.Null(failure.GetTagItem("logcollector.handshake.duration"));
    }

    [Fact]
    public async Task A_dropped_held_connection_is_a_span_with_the_reason()
    {
        using var up = Peer.Up();
        var spans = new SpanList();
        using var tracing = Sdk.CreateTracerProviderBuilder().AddSource(ProbeTelemetry.SourceName).AddInMemoryExporter(spans).Build();
        await using var engine = EngineHarness.Start(Configs.Group([up.Port], probe: "interval: 60s, mode: hold"));
        await Eventually.TrueAsync(() => up.OpenConnections == 1, "the connection held");

        up.ResetConnections();

        await Eventually.TrueAsync(() => Mine(spans, up.Port).Any(s => s.GetTagItem("logcollector.result") as string == "reset"), "a reset span");
        var reset = Mine(spans, up.Port).First(s => s.GetTagItem("logcollector.result") as string == "reset");

        Assert.Equal(ActivityStatusCode.Error, reset.Status);
        Assert.Equal("the collector reset the held connection (RST)", reset.StatusDescription);
        Assert.Null(reset.GetTagItem("logcollector.dns.duration"));
    }

    [Fact]
    public async Task Without_a_listener_no_span_is_created()
    {
        using var up = Peer.Up();
        var created = 0;
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "some.other.source",
            ActivityStarted = _ => Interlocked.Increment(ref created),
        };
        ActivitySource.AddActivityListener(listener);

        Assert.False(ProbeTelemetry.Source.HasListeners());
        await using (EngineHarness.Start(Configs.Group([up.Port], probe: "interval: 60s")))
        {
            await Eventually.TrueAsync(() => up.Accepted == 1, "probed");
        }

        Assert.Equal(0, created);
    }

    [Fact]
    public async Task With_the_standard_OTLP_variables_set_spans_reach_an_OTLP_HTTP_receiver()
    {
        using var up = Peer.Up();
        using var directory = new TempDirectory();
        var received = new List<(string ContentType, byte[] Body)>();
        await using var receiver = await StartReceiverAsync(received);
        var config = directory.Write("collectors.yaml", Configs.Group([up.Port], probe: "interval: 1s, timeout: 500ms"));

        await using var exporter = ExporterProcess.Start(["--config", config], new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Urls.Single(),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            ["OTEL_SERVICE_NAME"] = "lc-exporter-under-test",
        });

        await Eventually.TrueAsync(() => { lock (received) { return received.Count > 0; } }, "an OTLP export");
        var (contentType, body) = received[0];
        Assert.Equal("application/x-protobuf", contentType);

        // Protobuf writes strings as UTF-8 bytes: the span name, attribute keys and values are in the payload as they are.
        var text = System.Text.Encoding.UTF8.GetString(body);
        Assert.Contains("logcollector.probe", text, StringComparison.Ordinal);
        Assert.Contains("logcollector.result", text, StringComparison.Ordinal);
        Assert.Contains("success", text, StringComparison.Ordinal);
        Assert.Contains("lc-exporter-under-test", text, StringComparison.Ordinal);
        Assert.Contains(ProbeTelemetry.SourceName, text, StringComparison.Ordinal);
    }

    private static Activity[] Mine(SpanList spans, params int[] ports) =>
        [.. spans.Snapshot().Where(s => s.GetTagItem("server.port") is int port && ports.Contains(port))];

    /// <summary>Finished spans, added by the exporter on the probe engine's thread while the test reads them.</summary>
    private sealed class SpanList : System.Collections.ObjectModel.Collection<Activity>
    {
        public Activity[] Snapshot()
        {
            lock (this)
            {
                return [.. this];
            }
        }

        protected override void InsertItem(int index, Activity item)
        {
            lock (this)
            {
                base.InsertItem(index, item);
            }
        }
    }

    /// <summary>A minimal OTLP/HTTP trace receiver: Kestrel on 127.0.0.1 taking POST /v1/traces.</summary>
    private static async Task<WebApplication> StartReceiverAsync(List<(string ContentType, byte[] Body)> received)
    {
        var builder = WebApplication.CreateSlimBuilder(["--urls", "http://127.0.0.1:0"]);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapPost("/v1/traces", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            lock (received)
            {
                received.Add((request.ContentType ?? "", body.ToArray()));
            }

            return Results.Bytes([], "application/x-protobuf");
        });
        await app.StartAsync();
        return app;
    }
}
