using System.Text.RegularExpressions;
using System.Xml.Linq;
using k8s.Models;
using LogCollectorExporter.Chart.Tests.Support;

namespace LogCollectorExporter.Chart.Tests;

/// <summary>helm/logcollector-exporter, linted and rendered by the real helm, with its defaults and each ci/*-values.yaml.</summary>
public sealed partial class ChartTests
{
    private const string ExporterContainer = "logcollector-exporter";

    public static TheoryData<string> ValuesFiles() => [.. Helm.CiValuesFiles().Select(Path.GetFileName).OfType<string>()];

    /// <summary>The defaults, and every ci/*-values.yaml.</summary>
    public static TheoryData<string> ValuesFilesAndDefaults() => ["(defaults)", .. ValuesFiles()];

    [Fact]
    public void There_is_a_ci_values_file_per_feature()
    {
        Assert.Equal(
            [
                "basic-auth-values.yaml", "client-certificates-values.yaml", "dashboards-values.yaml", "existing-configmap-values.yaml", "headers-values.yaml",
                "networkpolicy-values.yaml", "panorama-values.yaml", "poddisruptionbudget-values.yaml", "preference-lists-values.yaml",
                "prometheusrule-values.yaml", "servicemonitor-values.yaml", "sidecar-values.yaml", "tls-values.yaml",
            ],
            ValuesFiles());
    }

    [Fact]
    public void The_charts_appVersion_is_the_exporters_version()
    {
        var version = XDocument.Load(Path.Combine(Tools.RepositoryRoot, "Directory.Build.props")).Descendants("Version").Single().Value;

        Assert.Contains($"appVersion: \"{version}\"", File.ReadAllLines(Path.Combine(Helm.Chart, "Chart.yaml")));
    }

    [Theory]
    [MemberData(nameof(ValuesFilesAndDefaults))]
    public async Task Helm_lint_strict_passes(string values)
    {
        var output = await Helm.RunAsync(["lint", "--strict", Helm.Chart, .. ValuesArgs(values)]);

        Assert.Contains("1 chart(s) linted, 0 chart(s) failed", output, StringComparison.Ordinal);
        Assert.DoesNotContain("[WARNING]", output, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ValuesFilesAndDefaults))]
    public async Task Every_object_renders_as_its_typed_Kubernetes_kind_with_the_chart_labels(string values)
    {
        var manifest = await RenderAsync(values);

        Assert.NotEmpty(manifest.Objects);
        foreach (var item in manifest.Objects.Cast<k8s.IKubernetesObject<V1ObjectMeta>>())
        {
            var labels = item.Metadata.Labels;
            Assert.Equal("logcollector-exporter", labels["app.kubernetes.io/name"]);
            Assert.Equal("demo", labels["app.kubernetes.io/instance"]);
            Assert.Equal("0.1.0", labels["app.kubernetes.io/version"]);
            Assert.Equal("logcollector-exporter-0.1.0", labels["helm.sh/chart"]);
        }
    }

    [Fact]
    public async Task A_misspelt_field_in_the_rendered_objects_fails_the_parse()
    {
        var yaml = await Helm.RunAsync("template", "demo", Helm.Chart, "--set-json", """extraContainers=[{"name":"x","image":"y","imagePullPolcy":"Always"}]""");

        var error = Assert.ThrowsAny<Exception>(() => Manifest.Parse(yaml));
        Assert.Contains("imagePullPolcy", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("serviceMonitr.enabled=true", "additional properties 'serviceMonitr' not allowed")]
    [InlineData("config.probe.intervall=30s", "additional properties 'intervall' not allowed")]
    [InlineData("config.probe.mode=hodl", "/config/probe/mode")]
    [InlineData("port=70000", "/port")]
    [InlineData("config.collectors[0].port=3979", "/config/collectors/0")]
    [InlineData("prometheusRule.runbookBaseUrl=https://wiki.example.com/runbook#top", "/prometheusRule/runbookBaseUrl")]
    [InlineData("panorama[0].url=http://192.0.2.5", "/panorama/0")]
    [InlineData("panorama[0].url=https://admin:secret@192.0.2.5", "/panorama/0/url")]
    [InlineData("config.panorama[0].refresh=5m", "/config/panorama/0")]
    public async Task A_misspelt_or_wrong_value_fails_the_values_schema(string set, string complaint)
    {
        var (exitCode, output) = await Helm.TryRunAsync("template", "demo", Helm.Chart, "--set", set);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("values don't meet the specifications of the schema", output, StringComparison.Ordinal);
        Assert.Contains(complaint, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task By_default_it_installs_a_Deployment_of_one_its_Service_ServiceAccount_and_ConfigMap()
    {
        var manifest = await RenderAsync("(defaults)");

        Assert.Equal(
            ["ConfigMap/demo-logcollector-exporter-config", "Deployment/demo-logcollector-exporter", "Service/demo-logcollector-exporter",
                "ServiceAccount/demo-logcollector-exporter"],
            manifest.KindsAndNames());
        var deployment = manifest.Single<V1Deployment>();
        Assert.Equal(1, deployment.Spec.Replicas);
        Assert.Equal("monitoring", deployment.Metadata.NamespaceProperty);
        Assert.Equal("logcollector-exporter:0.1.0", Container(deployment).Image);
        Assert.Equal(deployment.Spec.Selector.MatchLabels, manifest.Single<V1Service>().Spec.Selector);
        Assert.All(deployment.Spec.Selector.MatchLabels, label => Assert.Equal(label.Value, deployment.Spec.Template.Metadata.Labels[label.Key]));
    }

    [Theory]
    [MemberData(nameof(ValuesFilesAndDefaults))]
    public async Task The_exporter_container_runs_locked_down(string values)
    {
        var manifest = await RenderAsync(values);
        var deployment = manifest.All<V1Deployment>().SingleOrDefault();
        if (deployment is null)
        {
            Assert.Equal("sidecar-values.yaml", values); // the example chart's test checks the container in its pod
            return;
        }

        var pod = deployment.Spec.Template.Spec;
        Assert.False(pod.AutomountServiceAccountToken);
        Assert.True(pod.SecurityContext.RunAsNonRoot);
        Assert.True(pod.SecurityContext.RunAsUser > 0);
        Assert.Equal("RuntimeDefault", pod.SecurityContext.SeccompProfile.Type);
        Assert.Null(pod.HostNetwork);

        var security = Container(deployment).SecurityContext;
        Assert.True(security.RunAsNonRoot);
        Assert.Equal(1654, security.RunAsUser);
        Assert.Equal(1654, security.RunAsGroup);
        Assert.True(security.ReadOnlyRootFilesystem);
        Assert.False(security.AllowPrivilegeEscalation);
        Assert.Equal(["ALL"], security.Capabilities.Drop);
        Assert.Null(security.Capabilities.Add);
        Assert.Null(security.Privileged);
        Assert.Equal("RuntimeDefault", security.SeccompProfile.Type);

        if (manifest.All<V1ServiceAccount>().SingleOrDefault() is { } account)
        {
            Assert.False(account.AutomountServiceAccountToken);
            Assert.Equal(account.Metadata.Name, pod.ServiceAccountName);
        }
    }

    [Fact]
    public async Task It_listens_on_9978_named_http_and_the_Service_forwards_there()
    {
        var manifest = await RenderAsync("(defaults)");
        var container = Container(manifest.Single<V1Deployment>());

        var port = Assert.Single(container.Ports);
        Assert.Equal(("http", 9978, "TCP"), (port.Name, port.ContainerPort, port.Protocol));
        Assert.Contains("--urls=http://+:9978", container.Args);
        var servicePort = Assert.Single(manifest.Single<V1Service>().Spec.Ports);
        Assert.Equal(("http", 9978, "http"), (servicePort.Name, servicePort.Port, servicePort.TargetPort.Value));
        Assert.Equal("ClusterIP", manifest.Single<V1Service>().Spec.Type);
    }

    [Fact]
    public async Task Liveness_asks_healthy_and_readiness_asks_ready_on_the_exporter_port()
    {
        var container = Container((await RenderAsync("(defaults)")).Single<V1Deployment>());

        Assert.Equal("/-/healthy", container.LivenessProbe.HttpGet.Path);
        Assert.Equal("/-/ready", container.ReadinessProbe.HttpGet.Path);
        Assert.Equal("http", container.LivenessProbe.HttpGet.Port.Value);
        Assert.Equal("http", container.ReadinessProbe.HttpGet.Port.Value);
        Assert.Contains(container.Ports, port => port.Name == "http");
        Assert.True(container.LivenessProbe.TimeoutSeconds >= 1 && container.LivenessProbe.FailureThreshold >= 3);
    }

    [Fact]
    public async Task Requests_and_limits_are_set_from_the_measured_footprint()
    {
        var resources = Container((await RenderAsync("(defaults)")).Single<V1Deployment>()).Resources;

        // Measured (README "Container"): about 27 MiB resident when idle, 43 MiB with 200 collectors.
        Assert.Equal("32Mi", resources.Requests["memory"].ToString());
        Assert.Equal("64Mi", resources.Limits["memory"].ToString());
        Assert.Equal("10m", resources.Requests["cpu"].ToString());
        Assert.Equal("200m", resources.Limits["cpu"].ToString());
    }

    [Fact]
    public async Task The_configuration_is_mounted_where_the_exporter_reads_it_from_the_rendered_ConfigMap()
    {
        var manifest = await RenderAsync("(defaults)");
        var deployment = manifest.Single<V1Deployment>();
        var container = Container(deployment);

        Assert.Equal("--config=/etc/logcollector-exporter/collectors.yaml", container.Args[0]);
        var mount = Assert.Single(container.VolumeMounts);
        Assert.Equal("/etc/logcollector-exporter", mount.MountPath);
        Assert.True(mount.ReadOnlyProperty);
        Assert.Null(mount.SubPath); // a subPath mount would never see a ConfigMap update
        var volume = Assert.Single(deployment.Spec.Template.Spec.Volumes, v => v.Name == mount.Name);
        var configMap = manifest.ConfigMap(volume.ConfigMap.Name);
        Assert.Equal(["collectors.yaml"], configMap.Data.Keys);
    }

    [Theory]
    [MemberData(nameof(ValuesFilesAndDefaults))]
    public async Task The_rendered_collectors_yaml_passes_the_exporters_check_config(string values)
    {
        var manifest = await RenderAsync(values);
        if (values == "existing-configmap-values.yaml")
        {
            Assert.Empty(manifest.All<V1ConfigMap>());
            return;
        }

        var configMap = manifest.ConfigMap("demo-logcollector-exporter-config");
        var container = manifest.All<V1Deployment>().Select(Container).SingleOrDefault();

        var (exitCode, output, file) = await ExporterBinary.CheckConfigAsync(configMap, container);

        if (values == "panorama-values.yaml")
        {
            // Every error of the file at once: the only one is the CA that the pod mounts from a ConfigMap of the user's.
            Assert.Equal(
                "logcollector-exporter: configuration error: /etc/logcollector-exporter-panorama/0/ca/ca.crt: cannot read the file: Could not find a part of the path '/etc/logcollector-exporter-panorama/0/ca/ca.crt'. (read for panorama[1].caFile)\n",
                output);
            return;
        }

        Assert.True(exitCode == 0, $"--check-config exited {exitCode}:\n{output}\n{configMap.Data["collectors.yaml"]}");
        Assert.StartsWith($"{file}: valid.", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_live_Panorama_source_gets_its_API_key_from_a_Secret_mounted_as_a_file_and_its_CA_from_a_ConfigMap()
    {
        var manifest = await RenderAsync("panorama-values.yaml");
        var deployment = manifest.Single<V1Deployment>();
        var container = Container(deployment);
        var collectors = manifest.ConfigMap("demo-logcollector-exporter-config").Data["collectors.yaml"];

        Assert.Contains("""
            - apiKeyFile: /etc/logcollector-exporter-panorama/0/key/api-key
              caFile: /etc/logcollector-exporter-panorama/0/ca/ca.crt
              collectorGroups:
              - cg-dc1
              refresh: 5m
              url: https://192.0.2.5
            """.ReplaceLineEndings("\n"), collectors, StringComparison.Ordinal);
        Assert.DoesNotContain("existingSecret", collectors, StringComparison.Ordinal);
        var volumes = deployment.Spec.Template.Spec.Volumes;
        var key = Assert.Single(volumes, v => v.Secret is not null);
        Assert.Equal(("panorama-api-key", "api-key"), (key.Secret.SecretName, Assert.Single(key.Secret.Items).Key));
        Assert.Equal("panorama-ca", Assert.Single(volumes, v => v.Name.EndsWith("-panorama-0-ca", StringComparison.Ordinal)).ConfigMap.Name);
        Assert.Equal(
            ["/etc/logcollector-exporter", "/etc/logcollector-exporter-panorama/0/key", "/etc/logcollector-exporter-panorama/0/ca"],
            container.VolumeMounts.Select(m => m.MountPath));
        Assert.All(container.VolumeMounts, m => Assert.True(m.ReadOnlyProperty));
        Assert.Null(container.Env); // the key is never an environment variable

        // The saved configuration is put beside collectors.yaml, and the part of the file the check can read is valid.
        Assert.Contains("panorama-dc2.xml", manifest.ConfigMap("demo-logcollector-exporter-config").Data.Keys);
    }

    [Fact]
    public async Task The_NetworkPolicy_lets_out_HTTPS_to_Panorama_at_its_address_or_port()
    {
        var policy = (await RenderAsync("panorama-values.yaml")).Single<V1NetworkPolicy>();
        var named = (await RenderYamlAsync("""
            networkPolicy: {enabled: true}
            config:
              groups: []
              panorama:
                - {url: "https://panorama.example.net:8443", apiKeyFile: /etc/panorama/key}
            """)).Single<V1NetworkPolicy>();
        var peers = (await RenderYamlAsync("""
            networkPolicy:
              enabled: true
              panoramaPeers: [{ipBlock: {cidr: 192.0.2.0/28}}]
            config: {groups: []}
            panorama:
              - {url: "https://[2001:db8::5]", existingSecret: key}
            """)).Single<V1NetworkPolicy>();

        Assert.Equal(3, policy.Spec.Egress.Count);
        Assert.Equal(["TCP 3978"], Ports(policy.Spec.Egress[0]));
        Assert.Equal(["TCP 443"], Ports(policy.Spec.Egress[1]));
        Assert.Equal("192.0.2.5/32", Assert.Single(policy.Spec.Egress[1].To).IpBlock.Cidr);
        Assert.Equal(["TCP 8443"], Ports(named.Spec.Egress[1]));
        Assert.Null(named.Spec.Egress[1].To); // a host name: any address, on that port only
        Assert.Equal(["TCP 3978"], Ports(named.Spec.Egress[0])); // imported collectors have the firewalls' port
        Assert.Equal("192.0.2.0/28", Assert.Single(peers.Spec.Egress[1].To).IpBlock.Cidr);
    }


    [Fact]
    public async Task The_default_configuration_is_two_example_groups_over_two_shared_collectors_on_documentation_addresses()
    {
        var manifest = await RenderAsync("(defaults)");

        var (_, output, file) = await ExporterBinary.CheckConfigAsync(manifest.ConfigMap("demo-logcollector-exporter-config"), null);

        // Two groups listing the same two collectors: two collectors, each probed once.
        Assert.StartsWith($"{file}: valid. 2 groups, 2 collectors; probe every 1m, timeout 5s, mode handshake", output, StringComparison.Ordinal);
        var addresses = AddressLine().Matches(manifest.ConfigMap("demo-logcollector-exporter-config").Data["collectors.yaml"]).Select(m => m.Groups[1].Value).Distinct();
        Assert.Equal(["192.0.2.10", "192.0.2.11"], addresses); // TEST-NET-1: never routed, so a forgotten placeholder reaches nobody
    }

    [Fact]
    public async Task The_preference_list_files_are_put_beside_collectors_yaml_and_the_container_settings_apply()
    {
        var manifest = await RenderAsync("preference-lists-values.yaml");
        var configMap = manifest.ConfigMap("demo-logcollector-exporter-config");

        var (_, output, file) = await ExporterBinary.CheckConfigAsync(configMap, Container(manifest.Single<V1Deployment>()));

        Assert.Equal(["collectors.yaml", "fw-branch-7.txt"], configMap.Data.Keys.Order(StringComparer.Ordinal));
        // 2 + 2 collectors, and the timeout of the container's environment (Probe__Timeout=3s), not the file's 2s.
        Assert.StartsWith($"{file}: valid. 2 groups, 4 collectors; probe every 30s, timeout 3s, mode hold", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_configuration_change_rolls_the_pods_through_the_checksum_annotation()
    {
        static async Task<string> ChecksumAsync(params string[] set) =>
            (await Helm.TemplateAsync(set: set)).Single<V1Deployment>().Spec.Template.Metadata.Annotations["checksum/config"];

        var defaults = await ChecksumAsync();
        var otherInterval = await ChecksumAsync("config.probe.interval=30s");
        var otherPreferenceList = await ChecksumAsync("preferenceLists.fw\\.txt=Forward to all: No");
        var otherPodLabel = await ChecksumAsync("podLabels.team=network");

        Assert.Matches("^[0-9a-f]{64}$", defaults);
        Assert.NotEqual(defaults, otherInterval);
        Assert.NotEqual(defaults, otherPreferenceList);
        Assert.Equal(defaults, otherPodLabel);
    }

    [Fact]
    public async Task An_existing_ConfigMap_is_mounted_instead_of_a_rendered_one()
    {
        var manifest = await RenderAsync("existing-configmap-values.yaml");

        Assert.Empty(manifest.All<V1ConfigMap>());
        var deployment = manifest.Single<V1Deployment>();
        Assert.Equal("palo-alto-log-collectors", Assert.Single(deployment.Spec.Template.Spec.Volumes).ConfigMap.Name);
        Assert.Matches("^[0-9a-f]{64}$", deployment.Spec.Template.Metadata.Annotations["checksum/config"]);
    }

    [Fact]
    public async Task The_ServiceMonitor_scrapes_the_http_port_as_job_logcollector_exporter()
    {
        var manifest = await RenderAsync("servicemonitor-values.yaml");
        var monitor = manifest.Single<ServiceMonitor>();
        var service = manifest.Single<V1Service>();

        Assert.Equal("kube-prometheus-stack", monitor.Metadata.Labels["release"]);
        Assert.Equal(["monitoring"], monitor.Spec.NamespaceSelector!.MatchNames);
        Assert.All(monitor.Spec.Selector.MatchLabels, label => Assert.Equal(label.Value, service.Metadata.Labels[label.Key]));
        var endpoint = Assert.Single(monitor.Spec.Endpoints);
        Assert.Equal(("http", "/metrics", "15s", "5s"), (endpoint.Port, endpoint.Path, endpoint.Interval, endpoint.ScrapeTimeout));
        Assert.Contains(service.Spec.Ports, port => port.Name == endpoint.Port);
        // LogCollectorExporterDown looks for up{job="logcollector-exporter"}, whatever the release is called.
        var job = Assert.Single(endpoint.Relabelings!);
        Assert.Equal(("job", "logcollector-exporter"), (job.TargetLabel, job.Replacement));
        Assert.Equal("drop", Assert.Single(endpoint.MetricRelabelings!).Action);
    }

    [Fact]
    public async Task The_NetworkPolicy_lets_in_scrapes_and_lets_out_only_the_collectors_ports_and_DNS()
    {
        var manifest = await RenderAsync("networkpolicy-values.yaml");
        var policy = manifest.Single<V1NetworkPolicy>();
        var deployment = manifest.Single<V1Deployment>();

        Assert.All(policy.Spec.PodSelector.MatchLabels, label => Assert.Equal(label.Value, deployment.Spec.Template.Metadata.Labels[label.Key]));
        Assert.Equal(["Ingress", "Egress"], policy.Spec.PolicyTypes);
        var ingress = Assert.Single(policy.Spec.Ingress);
        Assert.Equal("http", Assert.Single(ingress.Ports).Port.Value);
        Assert.Equal("monitoring", Assert.Single(ingress.FromProperty).NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"]);

        Assert.Equal(2, policy.Spec.Egress.Count);
        var collectors = policy.Spec.Egress[0];
        Assert.Equal(["TCP 3978", "TCP 3979"], Ports(collectors));
        Assert.Equal("192.0.2.0/24", Assert.Single(collectors.To).IpBlock.Cidr);
        var dns = policy.Spec.Egress[1];
        Assert.Equal(["UDP 53", "TCP 53"], Ports(dns));
        Assert.Equal("kube-dns", Assert.Single(dns.To).PodSelector.MatchLabels["k8s-app"]);
    }

    [Fact]
    public async Task By_default_the_NetworkPolicy_takes_the_collector_ports_from_the_configuration()
    {
        var manifest = await Helm.TemplateAsync(set: ["networkPolicy.enabled=true"]);

        var policy = manifest.Single<V1NetworkPolicy>();
        Assert.Equal(["TCP 3978"], Ports(policy.Spec.Egress[0]));
        Assert.Null(policy.Spec.Egress[0].To); // any address, on those ports only
        Assert.Null(Assert.Single(policy.Spec.Ingress).FromProperty);
    }

    [Fact]
    public async Task The_NetworkPolicy_takes_the_ports_of_the_catalogue_and_of_collectors_written_out_in_groups()
    {
        var manifest = await RenderYamlAsync("""
            networkPolicy:
              enabled: true
            config:
              collectors:
                - {name: lc-1, address: 192.0.2.10, port: 3979}
                - {name: lc-2, address: 192.0.2.11, port: 3981}
              groups:
                - name: fw-branch-7
                  collectors: [lc-1, lc-2, {name: lc-3, address: 192.0.2.12, port: 3980}]
                - name: fw-branch-8
                  collectors: [lc-2, lc-1]
            """);

        var policy = manifest.Single<V1NetworkPolicy>();

        // The names a group lists are the catalogue's collectors, with their ports: no 3978 for them.
        Assert.Equal(["TCP 3979", "TCP 3981", "TCP 3980"], Ports(policy.Spec.Egress[0]));
    }

    [Theory]
    [InlineData("- {name: lc-2, address: 192.0.2.11}", "collectors: [lc-2]")]
    [InlineData("", "collectors: [{name: lc-2, address: 192.0.2.11}]")]
    [InlineData("", "preferenceListFile: fw-branch-8.txt")]
    public async Task A_collector_without_a_port_and_a_preference_list_file_open_3978(string catalogued, string secondGroup)
    {
        var manifest = await RenderYamlAsync($$"""
            networkPolicy:
              enabled: true
            config:
              collectors:
                - {name: lc-1, address: 192.0.2.10, port: 3979}
                {{catalogued}}
              groups:
                - name: fw-branch-7
                  collectors: [lc-1]
                - name: fw-branch-8
                  {{secondGroup}}
            preferenceLists:
              fw-branch-8.txt: "Forward to all: No"
            """);

        var policy = manifest.Single<V1NetworkPolicy>();

        Assert.Equal(["TCP 3979", "TCP 3978"], Ports(policy.Spec.Egress[0]));
    }

    [Fact]
    public async Task The_PodDisruptionBudget_covers_the_Deployment_pods()
    {
        var manifest = await RenderAsync("poddisruptionbudget-values.yaml");
        var budget = manifest.Single<V1PodDisruptionBudget>();
        var deployment = manifest.Single<V1Deployment>();

        Assert.Equal(2, deployment.Spec.Replicas);
        Assert.Equal("1", budget.Spec.MinAvailable.Value);
        Assert.Null(budget.Spec.MaxUnavailable);
        Assert.Equal(deployment.Spec.Selector.MatchLabels, budget.Spec.Selector.MatchLabels);
    }

    [Fact]
    public async Task As_a_sidecar_companion_it_renders_the_configuration_and_a_PodMonitor_of_the_applications_pods()
    {
        var manifest = await RenderAsync("sidecar-values.yaml");

        Assert.Equal(["ConfigMap/demo-logcollector-exporter-config", "PodMonitor/demo-logcollector-exporter"], manifest.KindsAndNames());
        var monitor = manifest.Single<PodMonitor>();
        Assert.Equal("log-forwarder", monitor.Spec.Selector.MatchLabels["app.kubernetes.io/name"]);
        var endpoint = Assert.Single(monitor.Spec.PodMetricsEndpoints);
        Assert.Equal(("lce-metrics", "/metrics"), (endpoint.Port, endpoint.Path));
        Assert.Equal(("job", "logcollector-exporter"), (endpoint.Relabelings![0].TargetLabel, endpoint.Relabelings[0].Replacement));
    }

    [Fact]
    public async Task Installing_works_offline_and_the_notes_point_out_the_example_collectors()
    {
        var output = await Helm.RunAsync("install", "demo", Helm.Chart, "--namespace", "monitoring", "--dry-run=client");

        Assert.Contains("kubectl --namespace monitoring port-forward service/demo-logcollector-exporter 9978", output, StringComparison.Ordinal);
        Assert.Contains("NOTE: collector 192.0.2.10 is one of the chart's example addresses", output, StringComparison.Ordinal);
        Assert.Contains("NOTE: collector 192.0.2.11 is one of the chart's example addresses", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_notes_say_the_runbook_links_lead_nowhere_until_runbookBaseUrl_is_set()
    {
        var placeholder = await Helm.RunAsync("install", "demo", Helm.Chart, "--dry-run=client", "--set", "prometheusRule.enabled=true");
        var set = await Helm.RunAsync("install", "demo", Helm.Chart, "--dry-run=client", "--set", "prometheusRule.enabled=true",
            "--set", "prometheusRule.runbookBaseUrl=https://wiki.example.com/logcollector-runbook");

        Assert.Contains("NOTE: the alerts' runbook links lead nowhere: https://runbooks.example.invalid/logcollector-exporter/runbook.md", placeholder, StringComparison.Ordinal);
        Assert.DoesNotContain("runbook links lead nowhere", set, StringComparison.Ordinal);
    }

    private static V1Container Container(V1Deployment deployment) =>
        Assert.Single(deployment.Spec.Template.Spec.Containers, container => container.Name == ExporterContainer);

    private static Task<Manifest> RenderAsync(string values) =>
        Helm.TemplateAsync(valuesFiles: values == "(defaults)" ? [] : [Path.Combine(Helm.Chart, "ci", values)]);

    /// <summary>helm template with these values, written to a file as a user would.</summary>
    private static async Task<Manifest> RenderYamlAsync(string values)
    {
        using var directory = new TempDirectory();
        return await Helm.TemplateAsync(valuesFiles: [directory.Write("values.yaml", values)]);
    }

    private static IEnumerable<string> Ports(V1NetworkPolicyEgressRule rule) => rule.Ports.Select(p => $"{p.Protocol} {p.Port.Value}");

    private static string[] ValuesArgs(string values) => values == "(defaults)" ? [] : ["--values", Path.Combine(Helm.Chart, "ci", values)];

    [GeneratedRegex(@"address: (\S+)")]
    private static partial Regex AddressLine();
}
