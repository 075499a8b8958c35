using k8s;
using k8s.Models;
using YamlDotNet.Serialization;

namespace LogCollectorExporter.Chart.Tests.Support;

// Prometheus Operator's monitoring.coreos.com/v1 kinds, with the fields of its API reference that the chart renders
// (and that a user may pass through values): enough for strict parsing to catch a misspelt field.

public static class PrometheusOperator
{
    public const string ApiVersion = "monitoring.coreos.com/v1";
}

public abstract class MonitoringObject<TSpec> : IKubernetesObject<V1ObjectMeta>
    where TSpec : new()
{
    public string ApiVersion { get; set; } = "";

    public string Kind { get; set; } = "";

    public V1ObjectMeta Metadata { get; set; } = new();

    public TSpec Spec { get; set; } = new();
}

public sealed class ServiceMonitor : MonitoringObject<ServiceMonitorSpec>;

public sealed class PodMonitor : MonitoringObject<PodMonitorSpec>;

public sealed class PrometheusRule : MonitoringObject<PrometheusRuleSpec>;

public sealed class ServiceMonitorSpec
{
    public string? JobLabel { get; set; }

    public NamespaceSelector? NamespaceSelector { get; set; }

    public V1LabelSelector Selector { get; set; } = new();

    public List<ScrapeEndpoint> Endpoints { get; set; } = [];
}

public sealed class PodMonitorSpec
{
    public string? JobLabel { get; set; }

    public NamespaceSelector? NamespaceSelector { get; set; }

    public V1LabelSelector Selector { get; set; } = new();

    public List<ScrapeEndpoint> PodMetricsEndpoints { get; set; } = [];
}

public sealed class NamespaceSelector
{
    public bool? Any { get; set; }

    public List<string>? MatchNames { get; set; }
}

/// <summary>An endpoint of a ServiceMonitor, or a podMetricsEndpoint of a PodMonitor.</summary>
public sealed class ScrapeEndpoint
{
    public string? Port { get; set; }

    public string? Path { get; set; }

    public string? Scheme { get; set; }

    public string? Interval { get; set; }

    public string? ScrapeTimeout { get; set; }

    public bool? HonorLabels { get; set; }

    public List<RelabelConfig>? Relabelings { get; set; }

    public List<RelabelConfig>? MetricRelabelings { get; set; }

    public SafeTlsConfig? TlsConfig { get; set; }

    public BasicAuth? BasicAuth { get; set; }
}

/// <summary>How Prometheus checks the exporter's certificate, and the client certificate it presents.</summary>
public sealed class SafeTlsConfig
{
    public SecretOrConfigMap? Ca { get; set; }

    public SecretOrConfigMap? Cert { get; set; }

    public V1SecretKeySelector? KeySecret { get; set; }

    public string? ServerName { get; set; }

    public bool? InsecureSkipVerify { get; set; }

    public string? MinVersion { get; set; }

    public string? MaxVersion { get; set; }
}

public sealed class SecretOrConfigMap
{
    public V1SecretKeySelector? Secret { get; set; }

    public V1ConfigMapKeySelector? ConfigMap { get; set; }
}

public sealed class BasicAuth
{
    public V1SecretKeySelector Username { get; set; } = new();

    public V1SecretKeySelector Password { get; set; } = new();
}

public sealed class RelabelConfig
{
    public List<string>? SourceLabels { get; set; }

    public string? Separator { get; set; }

    public string? TargetLabel { get; set; }

    public string? Regex { get; set; }

    public long? Modulus { get; set; }

    public string? Replacement { get; set; }

    public string? Action { get; set; }
}

/// <summary>The spec of a PrometheusRule, which is also the whole of a Prometheus rules file.</summary>
public sealed class PrometheusRuleSpec
{
    public List<RuleGroup> Groups { get; set; } = [];
}

public sealed class RuleGroup
{
    public string Name { get; set; } = "";

    public string? Interval { get; set; }

    [YamlMember(Alias = "query_offset")]
    public string? QueryOffset { get; set; }

    public int? Limit { get; set; }

    public Dictionary<string, string>? Labels { get; set; }

    public List<Rule> Rules { get; set; } = [];
}

public sealed class Rule
{
    public string? Alert { get; set; }

    public string? Record { get; set; }

    public string Expr { get; set; } = "";

    public string? For { get; set; }

    [YamlMember(Alias = "keep_firing_for")]
    public string? KeepFiringFor { get; set; }

    public Dictionary<string, string>? Labels { get; set; }

    public Dictionary<string, string>? Annotations { get; set; }
}
