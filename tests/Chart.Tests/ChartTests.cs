using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using k8s.Models;
using LogCollectorExporter.Chart.Tests.Support;

namespace LogCollectorExporter.Chart.Tests;

/// <summary>helm/logcollector-exporter, linted and rendered by the real helm, with each ci/*-values.yaml.</summary>
public sealed partial class ChartTests
{
    private const string ExporterContainer = "logcollector-exporter";

    /// <summary>The smallest install: the chart's defaults and a catalogue of collectors with the groups over it.</summary>
    private const string Collectors = "collectors-values.yaml";

    public static TheoryData<string> ValuesFiles() => [.. Helm.CiValuesFiles().Select(Path.GetFileName).OfType<string>()];

    [Fact]
    public void There_is_a_ci_values_file_per_feature()
    {
        Assert.Equal(
            [
                "basic-auth-values.yaml", "certificates-values.yaml", "client-certificates-values.yaml", "collectors-values.yaml", "dashboards-values.yaml",
                "existing-configmap-values.yaml", "headers-values.yaml",
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

    /// <summary>The defaults too: helm lint does not run the chart's `fail` (it logs it), so an empty chart lints.</summary>
    public static TheoryData<string> ValuesFilesAndDefaults() => ["(defaults)", .. ValuesFiles()];

    [Theory]
    [MemberData(nameof(ValuesFilesAndDefaults))]
    public async Task Helm_lint_strict_passes(string values)
    {
        var output = await Helm.RunAsync(["lint", "--strict", Helm.Chart, .. ValuesArgs(values)]);

        Assert.Contains("1 chart(s) linted, 0 chart(s) failed", output, StringComparison.Ordinal);
        Assert.DoesNotContain("[WARNING]", output, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ValuesFiles))]
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
        var yaml = await Helm.RunAsync("template", "demo", Helm.Chart, "--values", CiFile(Collectors),
            "--set-json", """extraContainers=[{"name":"x","image":"y","imagePullPolcy":"Always"}]""");

        var error = Assert.ThrowsAny<Exception>(() => Manifest.Parse(yaml));
        Assert.Contains("imagePullPolcy", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("serviceMonitr.enabled=true", "additional properties 'serviceMonitr' not allowed")]
    [InlineData("config.probe.intervall=30s", "additional properties 'intervall' not allowed")]
    [InlineData("config.probe.mode=hodl", "/config/probe/mode")]
    [InlineData("config.probe.certificates.enabld=true", "additional properties 'enabld' not allowed")]
    [InlineData("config.probe.certificates.enabled=yes", "/config/probe/certificates/enabled")]
    [InlineData("port=70000", "/port")]
    [InlineData("config.collectors[0].port=3979", "/config/collectors/0")]
    [InlineData("prometheusRule.runbookBaseUrl=https://wiki.example.com/runbook#top", "/prometheusRule/runbookBaseUrl")]
    [InlineData("panorama[0].url=http://192.0.2.5", "/panorama/0")]
    [InlineData("panorama[0].url=https://admin:secret@192.0.2.5", "/panorama/0/url")]
    [InlineData("config.panorama[0].refresh=5m", "/config/panorama/0")]
    [InlineData("portName=HTTPS", "/portName")]
    [InlineData("networkPolicy.collectorPeers[0].ipblock.cidr=10.0.0.0/8", "additional properties 'ipblock' not allowed")]
    [InlineData("networkPolicy.dnsPeers[0].ipBlock.except[0]=10.0.0.1/32", "missing property 'cidr'")]
    public async Task A_misspelt_or_wrong_value_fails_the_values_schema(string set, string complaint)
    {
        var (exitCode, output) = await Helm.TryRunAsync("template", "demo", Helm.Chart, "--set", set);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("values don't meet the specifications of the schema", output, StringComparison.Ordinal);
        Assert.Contains(complaint, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_collectors_groups_or_a_Panorama_source_it_refuses_to_render_and_says_what_to_give()
    {
        // The exporter would exit 2 on such a collectors.yaml ("at least one group is required"): a CrashLoop.
        var (exitCode, output) = await Helm.TryRunAsync("template", "demo", Helm.Chart);
        var (installExitCode, install) = await Helm.TryRunAsync("install", "demo", Helm.Chart, "--dry-run=client");
        var (emptyExitCode, empty) = await Helm.TryRunAsync("template", "demo", Helm.Chart, "--set", "config.collectors[0].name=lc-1",
            "--set", "config.collectors[0].address=10.0.0.1");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("nothing to probe: give config.groups", output, StringComparison.Ordinal);
        Assert.NotEqual(0, installExitCode);
        Assert.Contains("nothing to probe", install, StringComparison.Ordinal);
        Assert.NotEqual(0, emptyExitCode); // a catalogue alone is no preference list
        Assert.Contains("nothing to probe", empty, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("config.panorama[0].configFile=panorama.xml")]
    [InlineData("existingConfigMap=mine")]
    [InlineData("panorama[0].url=https://panorama.example.net,panorama[0].existingSecret=key")]
    public async Task A_Panorama_source_or_an_existing_ConfigMap_is_enough_to_render(string set)
    {
        var (exitCode, output) = await Helm.TryRunAsync("template", "demo", Helm.Chart, "--set", set);

        Assert.True(exitCode == 0, output);
    }

    [Fact]
    public async Task By_default_it_installs_a_Deployment_of_one_its_Service_ServiceAccount_and_ConfigMap()
    {
        var manifest = await RenderAsync(Collectors);

        Assert.Equal(
            ["ConfigMap/demo-logcollector-exporter-config", "Deployment/demo-logcollector-exporter", "Service/demo-logcollector-exporter",
                "ServiceAccount/demo-logcollector-exporter"],
            manifest.KindsAndNames());
        var deployment = manifest.Single<V1Deployment>();
        Assert.Equal(1, deployment.Spec.Replicas);
        Assert.Equal("monitoring", deployment.Metadata.NamespaceProperty);
        // No bare name, which would be docker.io/library/logcollector-exporter: a placeholder that never resolves.
        Assert.Equal("registry.example.invalid/logcollector-exporter:0.1.0", Container(deployment).Image);
        Assert.Equal(deployment.Spec.Selector.MatchLabels, manifest.Single<V1Service>().Spec.Selector);
        Assert.All(deployment.Spec.Selector.MatchLabels, label => Assert.Equal(label.Value, deployment.Spec.Template.Metadata.Labels[label.Key]));
    }

    [Theory]
    [MemberData(nameof(ValuesFiles))]
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
        var manifest = await RenderAsync(Collectors);
        var container = Container(manifest.Single<V1Deployment>());

        var port = Assert.Single(container.Ports);
        Assert.Equal(("http", 9978, "TCP"), (port.Name, port.ContainerPort, port.Protocol));
        Assert.Contains("--urls=http://+:9978", container.Args);
        var servicePort = Assert.Single(manifest.Single<V1Service>().Spec.Ports);
        Assert.Equal(("http", 9978, "http"), (servicePort.Name, servicePort.Port, servicePort.TargetPort.Value));
        Assert.Equal("ClusterIP", manifest.Single<V1Service>().Spec.Type);
    }

    [Theory]
    [InlineData("tls-values.yaml")]
    [InlineData("client-certificates-values.yaml")]
    public async Task Serving_HTTPS_the_port_is_named_https_and_every_reference_follows(string values)
    {
        var manifest = await RenderAsync(values);
        var container = Container(manifest.Single<V1Deployment>());

        var port = Assert.Single(container.Ports);
        Assert.Equal("https", port.Name);
        Assert.Contains("--urls=https://+:9978", container.Args);
        Assert.Equal(("https", "HTTPS"), (container.LivenessProbe.HttpGet.Port.Value, container.LivenessProbe.HttpGet.Scheme));
        Assert.Equal(("https", "HTTPS"), (container.ReadinessProbe.HttpGet.Port.Value, container.ReadinessProbe.HttpGet.Scheme));
        var servicePort = Assert.Single(manifest.Single<V1Service>().Spec.Ports);
        Assert.Equal(("https", "https"), (servicePort.Name, servicePort.TargetPort.Value));
        foreach (var endpoint in manifest.All<ServiceMonitor>().SelectMany(m => m.Spec.Endpoints))
        {
            Assert.Equal(("https", "https"), (endpoint.Port, endpoint.Scheme));
        }

        foreach (var endpoint in manifest.All<PodMonitor>().SelectMany(m => m.Spec.PodMetricsEndpoints))
        {
            Assert.Equal(("https", "https"), (endpoint.Port, endpoint.Scheme));
        }
    }

    [Fact]
    public async Task A_port_name_given_is_used_by_the_probes_the_Service_and_the_NetworkPolicy()
    {
        var manifest = await Helm.TemplateAsync([CiFile("tls-values.yaml")], ["portName=lce-metrics", "networkPolicy.enabled=true"]);
        var container = Container(manifest.Single<V1Deployment>());

        Assert.Equal("lce-metrics", Assert.Single(container.Ports).Name);
        Assert.Equal("lce-metrics", container.LivenessProbe.HttpGet.Port.Value);
        Assert.Equal("lce-metrics", Assert.Single(manifest.Single<V1Service>().Spec.Ports).TargetPort.Value);
        Assert.Equal("lce-metrics", Assert.Single(Assert.Single(manifest.Single<V1NetworkPolicy>().Spec.Ingress).Ports).Port.Value);
    }

    [Fact]
    public async Task Liveness_asks_healthy_and_readiness_asks_ready_on_the_exporter_port()
    {
        var container = Container((await RenderAsync(Collectors)).Single<V1Deployment>());

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
        var resources = Container((await RenderAsync(Collectors)).Single<V1Deployment>()).Resources;

        // Measured (README "Container"): about 27 MiB resident when idle, 43 MiB with 200 collectors. The limit: the
        // Panorama scale with TLS (docs/benchmarks.md), 64.6 to 66.2 MiB after three scrapes of each endpoint, 103 to
        // 112 MiB while the four were scraped back to back.
        Assert.Equal("32Mi", resources.Requests["memory"].ToString());
        Assert.Equal("128Mi", resources.Limits["memory"].ToString());
        Assert.Equal("10m", resources.Requests["cpu"].ToString());
        Assert.Equal("200m", resources.Limits["cpu"].ToString());
    }

    [Fact]
    public async Task The_configuration_is_mounted_where_the_exporter_reads_it_from_the_rendered_ConfigMap()
    {
        var manifest = await RenderAsync(Collectors);
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
    [MemberData(nameof(ValuesFiles))]
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

        var (exitCode, output, file) = await ExporterBinary.CheckConfigAsync(configMap, container, manifest.All<V1Secret>().SingleOrDefault());

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
    public async Task The_certificate_check_is_off_by_default_and_rendered_into_the_probe_settings_when_set()
    {
        // Off unless asked for: unlike the probe, the check sends a TLS ClientHello to every collector.
        var defaults = ProbeSettings(await RenderAsync(Collectors));
        var set = ProbeSettings(await RenderAsync("certificates-values.yaml"));

        Assert.Equal("""{"enabled":"false","interval":"1h","timeout":"5s"}""", defaults["certificates"]!.ToJsonString());
        Assert.Equal("""{"enabled":"true","interval":"6h","timeout":"10s"}""", set["certificates"]!.ToJsonString());
        // The other probe settings keep the chart's defaults beside it.
        Assert.Equal(("60s", "5s", "handshake"), ((string?)set["interval"], (string?)set["timeout"], (string?)set["mode"]));
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
        Assert.Equal(ReadableByOwnerAndGroup, key.Secret.DefaultMode);
    }

    [Fact]
    public async Task A_saved_Panorama_configuration_is_a_Secret_projected_beside_collectors_yaml_never_a_ConfigMap()
    {
        var manifest = await RenderAsync("panorama-values.yaml");
        var deployment = manifest.Single<V1Deployment>();
        var secret = manifest.Single<V1Secret>();
        Assert.Equal(("demo-logcollector-exporter-panorama-configs", "Opaque"), (secret.Metadata.Name, secret.Type));
        Assert.Equal(["panorama-dc2.xml"], secret.Data.Keys);
        Assert.StartsWith("<config version=\"10.2.0\">", System.Text.Encoding.UTF8.GetString(secret.Data["panorama-dc2.xml"]), StringComparison.Ordinal);
        Assert.All(manifest.All<V1ConfigMap>(), map => Assert.DoesNotContain(map.Data, pair => pair.Value.Contains("<config", StringComparison.Ordinal)));
        var volume = Assert.Single(deployment.Spec.Template.Spec.Volumes, v => v.Name == Container(deployment).VolumeMounts[0].Name);
        Assert.Equal(["demo-logcollector-exporter-config", null], volume.Projected.Sources.Select(s => s.ConfigMap?.Name));
        Assert.Equal(secret.Metadata.Name, volume.Projected.Sources[1].Secret.Name);
        Assert.Null(volume.Projected.Sources[1].Secret.Items); // every file, beside collectors.yaml
        Assert.Equal(ReadableByOwnerAndGroup, volume.Projected.DefaultMode);
    }

    [Fact]
    public async Task A_change_of_a_saved_Panorama_configuration_rolls_the_pods()
    {
        var before = await RenderAsync("panorama-values.yaml");
        var after = await Helm.TemplateAsync([CiFile("panorama-values.yaml")], ["panoramaConfigs.panorama-dc2\\.xml=<config/>"]);

        Assert.NotEqual(Checksum(before), Checksum(after));

        static string Checksum(Manifest manifest) => manifest.Single<V1Deployment>().Spec.Template.Metadata.Annotations["checksum/config"];
    }

    /// <summary>
    /// The issue's "done when": a Panorama-only install (a live source and a saved configuration) renders no example
    /// collector, no saved configuration in a ConfigMap, no secret file that anyone but root and the exporter's own
    /// group can read, a memory limit of at least 96Mi, and no egress on 3978 or 443 open to any address.
    /// </summary>
    [Fact]
    public async Task A_Panorama_only_install_probes_no_example_keeps_secrets_secret_has_room_and_opens_nothing_to_everyone()
    {
        var manifest = await RenderYamlAsync("""
            panorama:
              - url: https://panorama.example.net
                existingSecret: panorama-api-key
                caSecret: panorama-ca
            config:
              panorama:
                - configFile: running-config.xml
            panoramaConfigs:
              running-config.xml: <config version="10.2.0"><mgt-config><users><entry name="admin"><phash>$5$x$y</phash></entry></users></mgt-config></config>
            networkPolicy:
              enabled: true
              panoramaPeers: [{ipBlock: {cidr: 10.20.0.5/32}}]
            """);
        var deployment = manifest.Single<V1Deployment>();
        var pod = deployment.Spec.Template.Spec;
        var container = Container(deployment);

        // No 192.0.2.x (the old defaults' fw-example-1/2) anywhere in what the exporter reads.
        Assert.DoesNotContain("192.0.2.", manifest.ConfigMap("demo-logcollector-exporter-config").Data["collectors.yaml"], StringComparison.Ordinal);
        Assert.DoesNotContain("fw-example", manifest.Text, StringComparison.Ordinal);

        // The saved configuration (admin phash values) in a Secret only.
        Assert.All(manifest.All<V1ConfigMap>(), map => Assert.DoesNotContain(map.Data.Values, text => text.Contains("phash", StringComparison.Ordinal)));
        Assert.Contains("phash", System.Text.Encoding.UTF8.GetString(manifest.Single<V1Secret>().Data["running-config.xml"]), StringComparison.Ordinal);

        // Every volume holding a Secret: 0440, root's files with the pod's fsGroup, which is the exporter's own group.
        var secretVolumes = pod.Volumes.Where(v => v.Secret is not null || v.Projected?.Sources.Any(s => s.Secret is not null) == true).ToList();
        Assert.Equal(3, secretVolumes.Count); // the configuration with the saved one, the API key, Panorama's CA
        Assert.All(secretVolumes, v => Assert.Equal(ReadableByOwnerAndGroup, v.Secret?.DefaultMode ?? v.Projected.DefaultMode));
        Assert.Equal(1654, pod.SecurityContext.FsGroup);
        Assert.Equal(pod.SecurityContext.FsGroup, container.SecurityContext.RunAsGroup);

        Assert.True(ParseMebibytes(container.Resources.Limits["memory"].ToString()) >= 96, container.Resources.Limits["memory"].ToString());

        var policy = manifest.Single<V1NetworkPolicy>();
        var open = policy.Spec.Egress.Where(rule => rule.Ports.Any(p => p.Port.Value is "3978" or "443"));
        Assert.All(open, rule => Assert.True(rule.To is { Count: > 0 } && rule.To.All(peer => peer.IpBlock?.Cidr is not ("0.0.0.0/0" or "::/0")),
            $"an egress rule open to any address: {k8s.KubernetesJson.Serialize(rule)}"));
        Assert.Equal("10.20.0.5/32", Assert.Single(Assert.Single(policy.Spec.Egress, rule => rule.Ports.Any(p => p.Port.Value == "443")).To).IpBlock.Cidr);
        Assert.DoesNotContain(policy.Spec.Egress, rule => rule.Ports.Any(p => p.Port.Value == "3978")); // imported: no peers given, none opened
    }

    [Fact]
    public async Task The_NetworkPolicy_lets_out_HTTPS_to_Panorama_at_its_address_or_to_its_peers_never_to_any_address()
    {
        var policy = (await RenderAsync("panorama-values.yaml")).Single<V1NetworkPolicy>();
        const string Named = """
            networkPolicy: {enabled: true}
            config:
              panorama:
                - {url: "https://panorama.example.net:8443", apiKeyFile: /etc/panorama/key}
            """;
        var named = (await RenderYamlAsync(Named)).Single<V1NetworkPolicy>();
        var namedNotes = await InstallNotesAsync(Named);
        var peers = (await RenderYamlAsync("""
            networkPolicy:
              enabled: true
              panoramaPeers: [{ipBlock: {cidr: 192.0.2.0/28}}]
            panorama:
              - {url: "https://[2001:db8::5]", existingSecret: key}
              - {url: "https://panorama-2.example.net", existingSecret: key}
            """)).Single<V1NetworkPolicy>();

        // The catalogue's collector (by address), the imported ones (collectorPeers), Panorama at its address, DNS.
        Assert.Equal(4, policy.Spec.Egress.Count);
        Assert.Equal(
            ["TCP 3978 192.0.2.5/32", "TCP 3978 192.0.2.224/28", "TCP 443 192.0.2.5/32", "UDP 53 TCP 53"],
            policy.Spec.Egress.Select(Describe));

        // A host name without panoramaPeers opens nothing (and the notes say so); nor do the imported collectors.
        Assert.Equal(["UDP 53 TCP 53"], named.Spec.Egress.Select(Describe));
        Assert.Contains("NOTE: the NetworkPolicy lets out no HTTPS to Panorama at panorama.example.net, a host name", namedNotes, StringComparison.Ordinal);

        // An IPv6 address is its /128; a host name goes to panoramaPeers.
        Assert.Equal(["TCP 443 2001:db8::5/128", "TCP 443 192.0.2.0/28", "UDP 53 TCP 53"], peers.Spec.Egress.Select(Describe));
    }

    [Fact]
    public async Task The_chart_has_no_collectors_of_its_own_the_examples_are_in_values_comments_and_ci_files()
    {
        var values = File.ReadAllText(Path.Combine(Helm.Chart, "values.yaml"));
        var manifest = await RenderAsync(Collectors);

        // The defaults' config is the probe settings alone; the example is a comment.
        Assert.DoesNotContain("\n  groups:", values, StringComparison.Ordinal);
        Assert.DoesNotContain("\n  collectors:", values, StringComparison.Ordinal);
        Assert.Contains("#   groups:", values, StringComparison.Ordinal);
        var (_, output, file) = await ExporterBinary.CheckConfigAsync(manifest.ConfigMap("demo-logcollector-exporter-config"), null);
        // Two groups listing the same two collectors: two collectors, each probed once.
        Assert.StartsWith($"{file}: valid. 2 groups, 2 collectors; probe every 1m, timeout 5s, mode handshake", output, StringComparison.Ordinal);
        var addresses = AddressLine().Matches(manifest.ConfigMap("demo-logcollector-exporter-config").Data["collectors.yaml"]).Select(m => m.Groups[1].Value).Distinct();
        Assert.Equal(["192.0.2.10", "192.0.2.11"], addresses); // TEST-NET-1: never routed, so a copied example reaches nobody
    }

    [Fact]
    public async Task Firewall_names_are_a_file_beside_collectors_yaml_and_a_collector_named_by_serial_alone_opens_nothing_of_its_own()
    {
        var manifest = await RenderAsync("panorama-values.yaml");
        var configMap = manifest.ConfigMap("demo-logcollector-exporter-config");

        Assert.Equal("013201001001,fw-dc2-1\n013201001002,fw-dc2-2\n", configMap.Data["firewalls.csv"]);
        Assert.Contains("firewallNamesFile: firewalls.csv\n", configMap.Data["collectors.yaml"], StringComparison.Ordinal);
        Assert.Contains("- hostname: lc-dc2-a.example.net\n  name: lc-dc2-a\n  serial: \"009201002984\"\n", configMap.Data["collectors.yaml"], StringComparison.Ordinal);

        // The egress the collectors get: Panorama's local collector by its address, and the peers given for the imports.
        var policy = manifest.Single<V1NetworkPolicy>();
        Assert.Equal(["192.0.2.224/28", "192.0.2.5/32"],
            policy.Spec.Egress.Where(rule => rule.Ports?.Any(p => p.Port.Value == "3978") == true).SelectMany(rule => rule.To).Select(peer => peer.IpBlock.Cidr).Order(StringComparer.Ordinal));
        // Without peers, the notes list what the policy cannot reach: the imports, not the collector they give an address.
        var values = File.ReadAllText(CiFile("panorama-values.yaml"));
        var notes = await InstallNotesAsync(values[..values.IndexOf("  collectorPeers:", StringComparison.Ordinal)]);
        notes = notes[notes.IndexOf("NOTES:", StringComparison.Ordinal)..];
        Assert.Contains("  - the collectors imported from Panorama, whose addresses are in Panorama's configuration", notes, StringComparison.Ordinal);
        Assert.DoesNotContain("lc-dc2-a", notes, StringComparison.Ordinal);
        Assert.DoesNotContain("firewalls.csv", (await RenderAsync("collectors-values.yaml")).ConfigMap("demo-logcollector-exporter-config").Data.Keys);
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
            (await Helm.TemplateAsync([CiFile(Collectors)], set)).Single<V1Deployment>().Spec.Template.Metadata.Annotations["checksum/config"];

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
    public async Task The_NetworkPolicy_lets_in_scrapes_and_lets_out_only_each_collector_on_its_port_and_DNS()
    {
        var manifest = await RenderAsync("networkpolicy-values.yaml");
        var policy = manifest.Single<V1NetworkPolicy>();
        var deployment = manifest.Single<V1Deployment>();

        Assert.All(policy.Spec.PodSelector.MatchLabels, label => Assert.Equal(label.Value, deployment.Spec.Template.Metadata.Labels[label.Key]));
        Assert.Equal(["Ingress", "Egress"], policy.Spec.PolicyTypes);
        var ingress = Assert.Single(policy.Spec.Ingress);
        Assert.Equal("http", Assert.Single(ingress.Ports).Port.Value);
        var scraper = Assert.Single(ingress.FromProperty);
        Assert.Equal("monitoring", scraper.NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"]);
        Assert.Equal("prometheus", scraper.PodSelector.MatchLabels["app.kubernetes.io/name"]);

        Assert.Equal(3, policy.Spec.Egress.Count);
        Assert.Equal(["TCP 3978"], Ports(policy.Spec.Egress[0]));
        Assert.Equal(["192.0.2.10/32", "2001:db8::e1/128"], policy.Spec.Egress[0].To.Select(peer => peer.IpBlock.Cidr));
        Assert.Equal(["TCP 3979"], Ports(policy.Spec.Egress[1]));
        Assert.Equal("192.0.2.11/32", Assert.Single(policy.Spec.Egress[1].To).IpBlock.Cidr);
        var dns = policy.Spec.Egress[2];
        Assert.Equal(["UDP 53", "TCP 53"], Ports(dns));
        Assert.Equal("kube-dns", Assert.Single(dns.To).PodSelector.MatchLabels["k8s-app"]);
    }

    [Fact]
    public async Task By_default_the_NetworkPolicy_lets_in_Prometheus_pods_and_lets_out_the_configured_addresses_and_cluster_DNS_only()
    {
        var manifest = await Helm.TemplateAsync([CiFile(Collectors)], ["networkPolicy.enabled=true"]);

        var policy = manifest.Single<V1NetworkPolicy>();
        var scraper = Assert.Single(Assert.Single(policy.Spec.Ingress).FromProperty);
        Assert.Empty(scraper.NamespaceSelector.MatchLabels ?? new Dictionary<string, string>()); // any namespace,
        Assert.Equal("prometheus", scraper.PodSelector.MatchLabels["app.kubernetes.io/name"]); // Prometheus's pods
        Assert.Equal(["TCP 3978"], Ports(policy.Spec.Egress[0]));
        Assert.Equal(["192.0.2.10/32", "192.0.2.11/32"], policy.Spec.Egress[0].To.Select(peer => peer.IpBlock.Cidr));
        var dns = policy.Spec.Egress[1];
        Assert.Equal("kube-system", Assert.Single(dns.To).NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"]);
        Assert.Equal("kube-dns", dns.To[0].PodSelector.MatchLabels["k8s-app"]);
        Assert.Equal(2, policy.Spec.Egress.Count);
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
        Assert.Equal(
            ["TCP 3979 192.0.2.10/32", "TCP 3981 192.0.2.11/32", "TCP 3980 192.0.2.12/32"],
            policy.Spec.Egress.Take(3).Select(rule => $"{Assert.Single(Ports(rule))} {Assert.Single(rule.To).IpBlock.Cidr}"));
    }

    [Theory]
    [InlineData("- {name: lc-2, address: 192.0.2.11}", "collectors: [lc-2]")]
    [InlineData("", "collectors: [{name: lc-2, address: 192.0.2.11}]")]
    [InlineData("", "preferenceListFile: fw-branch-8.txt")]
    public async Task A_collector_without_a_port_and_the_collectors_of_a_preference_list_file_are_reached_on_3978(string catalogued, string secondGroup)
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
              fw-branch-8.txt: |
                Forward to all: No
                Serial Number: 009201002985 IP Address: 192.0.2.11 IPV6 Address: unknown
            """);

        var policy = manifest.Single<V1NetworkPolicy>();

        Assert.Equal(["TCP 3979 192.0.2.10/32", "TCP 3978 192.0.2.11/32"],
            policy.Spec.Egress.Take(2).Select(rule => $"{Assert.Single(Ports(rule))} {Assert.Single(rule.To).IpBlock.Cidr}"));
    }

    [Fact]
    public async Task What_the_chart_cannot_pin_to_an_address_is_reached_through_collectorPeers_only_and_the_notes_say_what_it_is()
    {
        static string Values(string peers) => $$"""
            networkPolicy:
              enabled: true
              {{peers}}
            config:
              collectors:
                - {name: lc-9, address: lc-9.example.net, port: 3979}
              groups:
                - name: fw-branch-7
                  collectors: [lc-9, {name: lc-1, address: 192.0.2.10}]
              panorama:
                - configFile: running-config.xml
            """;
        var closed = (await RenderYamlAsync(Values(""))).Single<V1NetworkPolicy>();
        var notes = await InstallNotesAsync(Values(""));
        var opened = (await RenderYamlAsync(Values("collectorPeers: [{ipBlock: {cidr: 10.10.0.0/16}}]"))).Single<V1NetworkPolicy>();

        // Without peers: the collector given by address, DNS, and nothing else; no rule without `to` (any address).
        Assert.Equal(["TCP 3978 192.0.2.10/32", "UDP 53 TCP 53"], closed.Spec.Egress.Select(Describe));
        Assert.Contains("NOTE: the NetworkPolicy lets the exporter reach only the collectors given by IP address.", notes, StringComparison.Ordinal);
        Assert.Contains("  - collector lc-9 at lc-9.example.net, a host name", notes, StringComparison.Ordinal);
        Assert.Contains("  - the collectors imported from Panorama", notes, StringComparison.Ordinal);

        // With them: those peers on the collectors' ports (3979 for lc-9, 3978 for lc-1 and the imported ones).
        Assert.Equal(["TCP 3978 192.0.2.10/32", "TCP 3979 TCP 3978 10.10.0.0/16", "UDP 53 TCP 53"], opened.Spec.Egress.Select(Describe));
    }

    [Fact]
    public async Task Empty_peers_let_nothing_through_rather_than_everything()
    {
        var manifest = await Helm.TemplateAsync([CiFile(Collectors)], ["networkPolicy.enabled=true", "networkPolicy.ingressFrom=null", "networkPolicy.dnsPeers=null"]);
        var notes = await Helm.RunAsync("install", "demo", Helm.Chart, "--dry-run=client", "--values", CiFile(Collectors),
            "--set", "networkPolicy.enabled=true", "--set", "networkPolicy.ingressFrom=null", "--set", "networkPolicy.dnsPeers=null");

        var policy = manifest.Single<V1NetworkPolicy>();
        Assert.Empty(policy.Spec.Ingress); // `ingress: []`: no one
        Assert.Single(policy.Spec.Egress); // the collectors; no DNS rule
        Assert.Contains("only from networkPolicy.ingressFrom: no one, it is empty", notes, StringComparison.Ordinal);
        Assert.Contains("NOTE: networkPolicy.dnsPeers is empty", notes, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_NetworkPolicy_in_sidecar_mode_is_an_error_that_points_to_the_named_templates()
    {
        var (exitCode, output) = await Helm.TryRunAsync("template", "demo", Helm.Chart, "--values", CiFile("sidecar-values.yaml"), "--set", "networkPolicy.enabled=true");

        Assert.NotEqual(0, exitCode);
        Assert.Contains("networkPolicy.enabled: as a sidecar (deployment.enabled: false) the pod is the application's", output, StringComparison.Ordinal);
        Assert.Contains("logcollector-exporter.networkPolicyEgress", output, StringComparison.Ordinal);
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
        Assert.Equal("demo", monitor.Spec.Selector.MatchLabels["app.kubernetes.io/instance"]); // this release's pods only
        var endpoint = Assert.Single(monitor.Spec.PodMetricsEndpoints);
        Assert.Equal(("lce-metrics", "/metrics"), (endpoint.Port, endpoint.Path));
        Assert.Equal(("job", "logcollector-exporter"), (endpoint.Relabelings![0].TargetLabel, endpoint.Relabelings[0].Replacement));
    }

    [Fact]
    public async Task Installing_works_offline_and_the_notes_point_out_documentation_addresses_and_the_image_placeholder()
    {
        var output = await Helm.RunAsync("install", "demo", Helm.Chart, "--namespace", "monitoring", "--dry-run=client", "--values", CiFile(Collectors));
        var own = await Helm.RunAsync("install", "demo", Helm.Chart, "--dry-run=client", "--values", CiFile(Collectors),
            "--set", "image.repository=registry.example.com/netops/logcollector-exporter");

        Assert.Contains("kubectl --namespace monitoring port-forward service/demo-logcollector-exporter 9978", output, StringComparison.Ordinal);
        Assert.Contains("NOTE: collector 192.0.2.10 is at a documentation address", output, StringComparison.Ordinal);
        Assert.Contains("NOTE: collector 192.0.2.11 is at a documentation address", output, StringComparison.Ordinal);
        Assert.Contains("NOTE: image.repository is the chart's placeholder, which no cluster can pull: registry.example.invalid/logcollector-exporter", output,
            StringComparison.Ordinal);
        Assert.DoesNotContain("image.repository", own, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_notes_say_the_runbook_links_lead_nowhere_until_runbookBaseUrl_is_set()
    {
        var placeholder = await Helm.RunAsync("install", "demo", Helm.Chart, "--dry-run=client", "--values", CiFile(Collectors), "--set", "prometheusRule.enabled=true");
        var set = await Helm.RunAsync("install", "demo", Helm.Chart, "--dry-run=client", "--values", CiFile(Collectors), "--set", "prometheusRule.enabled=true",
            "--set", "prometheusRule.runbookBaseUrl=https://wiki.example.com/logcollector-runbook");

        Assert.Contains("NOTE: the alerts' runbook links lead nowhere: https://runbooks.example.invalid/logcollector-exporter/runbook.md", placeholder, StringComparison.Ordinal);
        Assert.DoesNotContain("runbook links lead nowhere", set, StringComparison.Ordinal);
    }

    /// <summary>0440 (the API's decimal 288): the owner (root, as the kubelet writes them) and the group (the pod's fsGroup).</summary>
    private static readonly int ReadableByOwnerAndGroup = Convert.ToInt32("440", 8);

    private static V1Container Container(V1Deployment deployment) =>
        Assert.Single(deployment.Spec.Template.Spec.Containers, container => container.Name == ExporterContainer);

    /// <summary>The probe settings of the rendered collectors.yaml, as data.</summary>
    private static JsonNode ProbeSettings(Manifest manifest) =>
        Yaml.TextToJson(manifest.ConfigMap("demo-logcollector-exporter-config").Data["collectors.yaml"])!["probe"]!;

    private static string CiFile(string values) => Path.Combine(Helm.Chart, "ci", values);

    private static Task<Manifest> RenderAsync(string values) => Helm.TemplateAsync(valuesFiles: [CiFile(values)]);

    /// <summary>helm template with these values, written to a file as a user would.</summary>
    private static async Task<Manifest> RenderYamlAsync(string values)
    {
        using var directory = new TempDirectory();
        return await Helm.TemplateAsync(valuesFiles: [directory.Write("values.yaml", values)]);
    }

    /// <summary>What `helm install --dry-run` prints with these values, the notes included.</summary>
    private static async Task<string> InstallNotesAsync(string values)
    {
        using var directory = new TempDirectory();
        return await Helm.RunAsync("install", "demo", Helm.Chart, "--dry-run=client", "--values", directory.Write("values.yaml", values));
    }

    private static IEnumerable<string> Ports(V1NetworkPolicyEgressRule rule) => rule.Ports.Select(p => $"{p.Protocol} {p.Port.Value}");

    /// <summary>An egress rule as its ports and the CIDRs of its ipBlocks ("TCP 3978 192.0.2.10/32").</summary>
    private static string Describe(V1NetworkPolicyEgressRule rule) =>
        string.Join(' ', [.. Ports(rule), .. rule.To.Where(peer => peer.IpBlock is not null).Select(peer => peer.IpBlock.Cidr)]);

    private static decimal ParseMebibytes(string quantity) => new ResourceQuantity(quantity).ToDecimal() / (1024m * 1024m);

    private static string[] ValuesArgs(string values) => values == "(defaults)" ? [] : ["--values", CiFile(values)];

    [GeneratedRegex(@"address: (\S+)")]
    private static partial Regex AddressLine();
}
