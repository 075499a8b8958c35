using k8s.Models;
using LogCollectorExporter.Chart.Tests.Support;

namespace LogCollectorExporter.Chart.Tests;

/// <summary>
/// helm/examples/sidecar: another chart (a log forwarder) that depends on this one and puts the exporter container
/// into its own pod with the chart's named templates.
/// </summary>
public sealed class SidecarExampleTests : IAsyncLifetime
{
    private readonly TempDirectory workspace = new();
    private Manifest manifest = null!;

    public async Task InitializeAsync()
    {
        // A copy of helm/, so that `helm dependency build` writes its charts/ and Chart.lock there.
        foreach (var file in Directory.GetFiles(Path.Combine(Tools.RepositoryRoot, "helm"), "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(Tools.RepositoryRoot, file);
            if (!relative.Contains($"{Path.DirectorySeparatorChar}charts{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            {
                workspace.Write(relative, File.ReadAllText(file));
            }
        }

        await Helm.RunAsync("dependency", "build", Example);
        manifest = await Helm.TemplateAsync(chart: Example);
    }

    public Task DisposeAsync()
    {
        workspace.Dispose();
        return Task.CompletedTask;
    }

    private string Example => Path.Combine(workspace.Path, "helm", "examples", "sidecar");

    [Fact]
    public async Task The_example_passes_helm_lint_strict()
    {
        var output = await Helm.RunAsync("lint", "--strict", Example);

        Assert.Contains("1 chart(s) linted, 0 chart(s) failed", output, StringComparison.Ordinal);
    }

    [Fact]
    public void It_renders_the_forwarder_with_the_exporter_beside_it_its_ConfigMap_and_a_PodMonitor_and_nothing_else()
    {
        Assert.Equal(
            ["ConfigMap/demo-logcollector-exporter-config", "Deployment/demo-log-forwarder", "PodMonitor/demo-logcollector-exporter"],
            manifest.KindsAndNames());
        Assert.Equal(["log-forwarder", "logcollector-exporter"], Pod.Containers.Select(c => c.Name));
    }

    [Fact]
    public void The_sidecar_is_locked_down_by_its_own_security_context()
    {
        var security = Exporter.SecurityContext;

        Assert.True(security.RunAsNonRoot);
        Assert.Equal(1654, security.RunAsUser);
        Assert.True(security.ReadOnlyRootFilesystem);
        Assert.False(security.AllowPrivilegeEscalation);
        Assert.Equal(["ALL"], security.Capabilities.Drop);
        Assert.Equal("RuntimeDefault", security.SeccompProfile.Type);
        Assert.Equal("registry.example.invalid/logcollector-exporter:0.1.0", Exporter.Image);
    }

    [Fact]
    public void The_pod_gives_the_exporters_group_to_its_Secret_volumes_which_the_chart_mounts_0440()
    {
        // The files of a Secret volume are root's; with fsGroup their group is the exporter's, which reads them.
        Assert.Equal(Exporter.SecurityContext.RunAsGroup, Pod.SecurityContext.FsGroup);
    }

    [Fact]
    public void The_sidecar_reads_the_ConfigMap_the_subchart_renders_and_its_changes_roll_the_pod()
    {
        var mount = Assert.Single(Exporter.VolumeMounts);
        var volume = Assert.Single(Pod.Volumes, v => v.Name == mount.Name);
        var configMap = manifest.ConfigMap(volume.ConfigMap.Name);

        Assert.Equal("/etc/logcollector-exporter", mount.MountPath);
        Assert.Contains("--config=/etc/logcollector-exporter/collectors.yaml", Exporter.Args);
        Assert.Contains("name: forwarder", configMap.Data["collectors.yaml"], StringComparison.Ordinal);
        Assert.Matches("^[0-9a-f]{64}$", manifest.Single<V1Deployment>().Spec.Template.Metadata.Annotations["checksum/logcollector-exporter"]);
    }

    [Fact]
    public async Task The_sidecars_configuration_passes_check_config()
    {
        var configMap = manifest.ConfigMap("demo-logcollector-exporter-config");

        var (exitCode, output, file) = await ExporterBinary.CheckConfigAsync(configMap, Exporter);

        Assert.True(exitCode == 0, output);
        Assert.StartsWith($"{file}: valid. 1 groups, 2 collectors; probe every 1m, timeout 5s, mode hold", output, StringComparison.Ordinal);
    }

    [Fact]
    public void The_PodMonitor_selects_this_releases_forwarder_pods_and_scrapes_the_sidecar_port()
    {
        var monitor = manifest.Single<PodMonitor>();
        var podLabels = manifest.Single<V1Deployment>().Spec.Template.Metadata.Labels;

        Assert.All(monitor.Spec.Selector.MatchLabels, label => Assert.Equal(label.Value, podLabels[label.Key]));
        // Not every release's forwarder in the namespace: this one's.
        Assert.Equal("demo", monitor.Spec.Selector.MatchLabels["app.kubernetes.io/instance"]);
        var endpoint = Assert.Single(monitor.Spec.PodMetricsEndpoints);
        var port = Assert.Single(Exporter.Ports);
        Assert.Equal(("lce-metrics", 9978), (port.Name, port.ContainerPort));
        Assert.Equal(port.Name, endpoint.Port);
        Assert.Equal("logcollector-exporter", Assert.Single(endpoint.Relabelings!).Replacement);
        Assert.DoesNotContain(Pod.Containers[0].Ports ?? [], p => p.Name == port.Name);
    }

    [Fact]
    public void The_sidecar_does_not_hold_back_the_forwarders_readiness_but_is_still_checked_for_liveness()
    {
        Assert.Null(Exporter.ReadinessProbe);
        Assert.Equal(("/-/healthy", "lce-metrics"), (Exporter.LivenessProbe.HttpGet.Path, Exporter.LivenessProbe.HttpGet.Port.Value));
    }

    [Fact]
    public async Task The_applications_own_NetworkPolicy_takes_the_exporters_rules_from_the_named_templates()
    {
        // What the error of networkPolicy.enabled in sidecar mode tells the application's chart to do.
        workspace.Write(Path.Combine("helm", "examples", "sidecar", "templates", "networkpolicy.yaml"), """
            {{- $exporter := index .Subcharts "logcollector-exporter" }}
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata:
              name: {{ .Release.Name }}-log-forwarder
              labels:
                app.kubernetes.io/name: log-forwarder
                app.kubernetes.io/instance: {{ .Release.Name }}
            spec:
              podSelector:
                matchLabels:
                  app.kubernetes.io/name: log-forwarder
                  app.kubernetes.io/instance: {{ .Release.Name }}
              policyTypes: [Ingress, Egress]
              ingress:
                {{- include "logcollector-exporter.networkPolicyIngress" $exporter | nindent 4 }}
              egress:
                {{- include "logcollector-exporter.networkPolicyEgress" $exporter | nindent 4 }}
            """);

        var policy = (await Helm.TemplateAsync(chart: Example)).Single<V1NetworkPolicy>();

        Assert.Equal("lce-metrics", Assert.Single(Assert.Single(policy.Spec.Ingress).Ports).Port.Value);
        Assert.Equal(["192.0.2.10/32", "192.0.2.11/32"], policy.Spec.Egress[0].To.Select(peer => peer.IpBlock.Cidr));
        Assert.Equal("kube-dns", Assert.Single(policy.Spec.Egress[1].To).PodSelector.MatchLabels["k8s-app"]);
    }

    private V1PodSpec Pod => manifest.Single<V1Deployment>().Spec.Template.Spec;

    private V1Container Exporter => Assert.Single(Pod.Containers, c => c.Name == "logcollector-exporter");
}
