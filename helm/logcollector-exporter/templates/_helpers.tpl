{{/*
Named templates. The ones marked "sidecar" are this chart's interface to other charts: they take this chart's own
scope, so from a parent chart pass `(index .Subcharts "logcollector-exporter")`. They use only .Values, .Release and
.Chart of that scope (a subchart's scope has no .Template).
*/}}

{{- define "logcollector-exporter.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release-qualified name, at most 63 characters (a DNS label). */}}
{{- define "logcollector-exporter.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "logcollector-exporter.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "logcollector-exporter.selectorLabels" -}}
app.kubernetes.io/name: {{ include "logcollector-exporter.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "logcollector-exporter.labels" -}}
helm.sh/chart: {{ include "logcollector-exporter.chart" . }}
{{ include "logcollector-exporter.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "logcollector-exporter.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "logcollector-exporter.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* repository:tag, or repository@digest; the tag defaults to the chart's appVersion. */}}
{{- define "logcollector-exporter.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{- define "logcollector-exporter.configMapName" -}}
{{- default (printf "%s-config" (include "logcollector-exporter.fullname" .)) .Values.existingConfigMap }}
{{- end }}

{{/* Where the chart mounts the API key and the CA of the live Panorama source .Values.panorama[INDEX]. */}}
{{- define "logcollector-exporter.panoramaMount" -}}
{{- printf "/etc/logcollector-exporter-panorama/%d" (int .) }}
{{- end }}

{{/*
The live Panorama sources of .Values.panorama as collectors.yaml takes them: apiKeyFile and caFile where the chart
mounts their Secret and ConfigMap or Secret. A JSON list.
*/}}
{{- define "logcollector-exporter.panoramaSources" -}}
{{- $sources := list }}
{{- range $index, $source := .Values.panorama }}
{{- $mount := include "logcollector-exporter.panoramaMount" $index }}
{{- $entry := omit $source "existingSecret" "secretKey" "caConfigMap" "caSecret" "caKey" }}
{{- $_ := set $entry "apiKeyFile" (printf "%s/key/%s" $mount (default "api-key" $source.secretKey)) }}
{{- if or $source.caConfigMap $source.caSecret }}
{{- $_ := set $entry "caFile" (printf "%s/ca/%s" $mount (default "ca.crt" $source.caKey)) }}
{{- end }}
{{- $sources = append $sources $entry }}
{{- end }}
{{- toJson $sources }}
{{- end }}

{{/* .Values.config with the sources of .Values.panorama after any config.panorama has. */}}
{{- define "logcollector-exporter.config" -}}
{{- $config := deepCopy .Values.config }}
{{- $live := include "logcollector-exporter.panoramaSources" . | fromJsonArray }}
{{- if $live }}
{{- $_ := set $config "panorama" (concat (default (list) $config.panorama) $live) }}
{{- end }}
{{- if .Values.firewallNames }}
{{- $_ := set $config "firewallNamesFile" "firewalls.csv" }}
{{- end }}
{{- toYaml $config }}
{{- end }}

{{/* The ConfigMap's data: collectors.yaml rendered from .Values.config and .Values.panorama, the preference list files, and firewalls.csv. */}}
{{- define "logcollector-exporter.configData" -}}
collectors.yaml: |
{{- include "logcollector-exporter.config" . | nindent 2 }}
{{- range $file, $content := .Values.preferenceLists }}
{{ $file }}: |
{{- $content | nindent 2 }}
{{- end }}
{{- with .Values.firewallNames }}
firewalls.csv: |
{{- range $serial, $name := . }}
  {{ $serial }},{{ $name }}
{{- end }}
{{- end }}
{{- end }}

{{/* The Secret of the saved Panorama configurations (.Values.panoramaConfigs), projected beside collectors.yaml. */}}
{{- define "logcollector-exporter.panoramaConfigsSecretName" -}}
{{- printf "%s-panorama-configs" (include "logcollector-exporter.fullname" . | trunc 46 | trimSuffix "-") }}
{{- end }}

{{/*
The mode of the files of every Secret the chart mounts, and of a projected volume holding one: 0440 (written in
decimal, as the API stores it). The kubelet makes them root's, with the pod's fsGroup as their group, so the exporter
(podSecurityContext.fsGroup 1654, its own group) reads them and other users do not.
*/}}
{{- define "logcollector-exporter.secretFileMode" -}}
288
{{- end }}

{{/* An IP address as a NetworkPolicy ipBlock CIDR of that address alone (/32, /128); "" for anything else (a host name). */}}
{{- define "logcollector-exporter.addressCidr" -}}
{{- if regexMatch "^[0-9]{1,3}([.][0-9]{1,3}){3}$" . }}
{{- printf "%s/32" . }}
{{- else if regexMatch "^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*$" . }}
{{- printf "%s/128" . }}
{{- end }}
{{- end }}

{{/*
Where the collectors are, for the NetworkPolicy: {"pinned": [{port, cidr}], "unpinned": [what the chart cannot
pin]}, a JSON object. Pinned: each collector of .Values.config given by IP address (catalogue and groups), on its
port (3978 when it sets none), and each collector of a preference list file of .Values.preferenceLists (its IP
Address, else its IPV6 Address, as the exporter takes it), on 3978. Unpinned: collectors named by host name, a
preference list file the chart does not have, the collectors a Panorama import brings, and an existingConfigMap.
*/}}
{{- define "logcollector-exporter.collectorReach" -}}
{{- $logForwarding := 3978 }}
{{- $pinned := list }}
{{- $unpinned := list }}
{{- if .Values.existingConfigMap }}
{{- $unpinned = append $unpinned (printf "the collectors of the ConfigMap %s, which the chart does not read" .Values.existingConfigMap) }}
{{- else }}
{{- range include "logcollector-exporter.definedCollectors" . | fromJsonArray }}
{{- $address := toString (default "" .address) }}
{{- $cidr := include "logcollector-exporter.addressCidr" $address }}
{{- if not $address }}
{{- /* A catalogue entry that only names a serial: a Panorama import gives its address, and is unpinned already. */}}
{{- else if $cidr }}
{{- $pinned = append $pinned (dict "port" (int (default $logForwarding .port)) "cidr" $cidr) }}
{{- else }}
{{- $unpinned = append $unpinned (printf "collector %s at %s, a host name" (default $address .name) $address) }}
{{- end }}
{{- end }}
{{- range .Values.config.groups }}
{{- with .preferenceListFile }}
{{- $file := . }}
{{- $content := get $.Values.preferenceLists $file }}
{{- if not $content }}
{{- $unpinned = append $unpinned (printf "the collectors of the preference list file %s, which is not in preferenceLists" $file) }}
{{- end }}
{{- range splitList "\n" (toString $content) }}
{{- if regexMatch "(?i)^\\s*Serial Number:.*IP Address:.*IPV6 Address:" . }}
{{- $address := regexReplaceAll "(?i)^.*IP Address:\\s*(\\S+)\\s+IPV6 Address:.*$" . "${1}" }}
{{- if eq (lower $address) "unknown" }}
{{- $address = regexReplaceAll "(?i)^.*IPV6 Address:\\s*(\\S+).*$" . "${1}" }}
{{- end }}
{{- $cidr := include "logcollector-exporter.addressCidr" $address }}
{{- if $cidr }}
{{- $pinned = append $pinned (dict "port" $logForwarding "cidr" $cidr) }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}
{{- if or .Values.panorama .Values.config.panorama }}
{{- $unpinned = append $unpinned "the collectors imported from Panorama, whose addresses are in Panorama's configuration" }}
{{- end }}
{{- end }}
{{- toJson (dict "pinned" (uniq $pinned) "unpinned" $unpinned) }}
{{- end }}

{{/*
Where the live Panorama sources are, for the NetworkPolicy: each URL's port (443 when it has none) and host, and when
the host is an IP address, that address. A JSON list of {port, cidr, host}; cidr is "" for a host name, which only
networkPolicy.panoramaPeers can open.
*/}}
{{- define "logcollector-exporter.panoramaEndpoints" -}}
{{- $urls := list }}
{{- range (include "logcollector-exporter.panoramaSources" . | fromJsonArray) }}
{{- $urls = append $urls .url }}
{{- end }}
{{- range (default (list) .Values.config.panorama) }}
{{- if .url }}
{{- $urls = append $urls .url }}
{{- end }}
{{- end }}
{{- $endpoints := list }}
{{- range $urls }}
{{- $url := urlParse . }}
{{- $port := 443 }}
{{- if regexMatch ":[0-9]+$" $url.host }}
{{- $port = int (regexFind "[0-9]+$" $url.host) }}
{{- end }}
{{- $cidr := include "logcollector-exporter.addressCidr" $url.hostname }}
{{- $endpoints = append $endpoints (dict "port" $port "cidr" $cidr "host" $url.hostname) }}
{{- end }}
{{- toJson (uniq $endpoints) }}
{{- end }}

{{/*
sidecar: the value of a pod annotation that changes whenever the rendered configuration does, so a change rolls the
pods (the exporter would also reload it by itself). With existingConfigMap, the chart cannot see the content.
*/}}
{{- define "logcollector-exporter.configChecksum" -}}
{{- $config := ternary .Values.existingConfigMap (include "logcollector-exporter.configData" .) (not (empty .Values.existingConfigMap)) }}
{{- with .Values.panoramaConfigs }}
{{- $config = print $config (toJson .) }}
{{- end }}
{{- if include "logcollector-exporter.webConfigEnabled" . }}
{{- $config = print $config (include "logcollector-exporter.webConfigData" .) }}
{{- end }}
{{- $config | sha256sum }}
{{- end }}

{{/* "true" when the exporter gets a --web.config.file: TLS, basic authentication or response headers. */}}
{{- define "logcollector-exporter.webConfigEnabled" -}}
{{- if or .Values.webConfig.tls.enabled .Values.webConfig.basicAuth.existingSecret .Values.webConfig.headers }}true{{ end }}
{{- end }}

{{/* "true" when client certificates are verified against a CA, which is then mounted. */}}
{{- define "logcollector-exporter.verifiesClientCertificates" -}}
{{- if and .Values.webConfig.tls.enabled (has .Values.webConfig.tls.clientAuthType (list "VerifyClientCertIfGiven" "RequireAndVerifyClientCert")) }}true{{ end }}
{{- end }}

{{- define "logcollector-exporter.webConfigMapName" -}}
{{- printf "%s-web" (include "logcollector-exporter.fullname" . | trunc 59 | trimSuffix "-") }}
{{- end }}

{{/*
The web-config.yml of --web.config.file: the sections the chart renders, with paths relative to it in the projected
volume. basic_auth_users come from the Secret of webConfig.basicAuth.existingSecret, a second --web.config.file.
*/}}
{{- define "logcollector-exporter.webConfigData" -}}
web-config.yml: |
  # Rendered by the chart from webConfig; basic_auth_users, if any, are in basic-auth-users.yml beside it.
  {{- with .Values.webConfig.tls }}
  {{- if .enabled }}
  tls_server_config:
    cert_file: tls.crt
    key_file: tls.key
    client_auth_type: {{ .clientAuthType }}
    {{- if include "logcollector-exporter.verifiesClientCertificates" $ }}
    client_ca_file: client-ca.crt
    {{- end }}
    min_version: {{ .minVersion }}
    max_version: {{ .maxVersion }}
  {{- end }}
  {{- end }}
  {{- with .Values.webConfig.headers }}
  http_server_config:
    headers:
      {{- toYaml . | nindent 6 }}
  {{- end }}
{{- end }}

{{/* http or https: the scheme the exporter serves, its probes and monitors use. */}}
{{- define "logcollector-exporter.scheme" -}}
{{- ternary "https" "http" .Values.webConfig.tls.enabled }}
{{- end }}

{{/* The container port's name: .Values.portName, else what it serves (http or https). */}}
{{- define "logcollector-exporter.portName" -}}
{{- default (include "logcollector-exporter.scheme" .) .Values.portName }}
{{- end }}

{{/*
A monitor endpoint's scheme, tlsConfig and basicAuth, from webConfig and the monitor's own values (its argument: the
dict of the chart's scope and the monitor's values).
*/}}
{{- define "logcollector-exporter.monitorSecurity" -}}
{{- $root := .root }}
{{- if $root.Values.webConfig.tls.enabled }}
scheme: https
tlsConfig:
  {{- $default := dict "ca" (dict "secret" (dict "name" $root.Values.webConfig.tls.secretName "key" "ca.crt")) "serverName" (printf "%s.%s.svc" (include "logcollector-exporter.fullname" $root) $root.Release.Namespace) }}
  {{- toYaml (default $default .monitor.tlsConfig) | nindent 2 }}
{{- end }}
{{- with .monitor.basicAuth }}
basicAuth:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{/*
The collectors .Values.config defines with an address: the top-level `collectors` catalogue, and those a group writes
out in full. A group's plain-string entries are names from the catalogue, already among them. A JSON list.
*/}}
{{- define "logcollector-exporter.definedCollectors" -}}
{{- $defined := default (list) .Values.config.collectors }}
{{- range .Values.config.groups }}
{{- range .collectors }}
{{- if kindIs "map" . }}
{{- $defined = append $defined . }}
{{- end }}
{{- end }}
{{- end }}
{{- toJson $defined }}
{{- end }}

{{/*
The distinct TCP ports of the collectors, for the NetworkPolicy: networkPolicy.collectorPorts, else those of the
collectors in .Values.config, where 3978 (the firewalls' log forwarding port) stands for a port not given: a
collector without one, a preference list file or a Panorama import (they have none), or an existingConfigMap the
chart cannot read.
*/}}
{{- define "logcollector-exporter.collectorPorts" -}}
{{- $logForwarding := 3978 }}
{{- $ports := list }}
{{- if .Values.networkPolicy.collectorPorts }}
{{- $ports = .Values.networkPolicy.collectorPorts }}
{{- else if .Values.existingConfigMap }}
{{- $ports = list $logForwarding }}
{{- else }}
{{- range include "logcollector-exporter.definedCollectors" . | fromJsonArray }}
{{- $ports = append $ports (int (default $logForwarding .port)) }}
{{- end }}
{{- range .Values.config.groups }}
{{- if .preferenceListFile }}
{{- $ports = append $ports $logForwarding }}
{{- end }}
{{- end }}
{{- if or .Values.panorama .Values.config.panorama }}
{{- $ports = append $ports $logForwarding }}
{{- end }}
{{- end }}
{{- toJson (uniq $ports) }}
{{- end }}

{{/* sidecar: the exporter container, as an item of a pod's `containers` list. */}}
{{- define "logcollector-exporter.container" -}}
- name: {{ include "logcollector-exporter.name" . }}
  image: {{ include "logcollector-exporter.image" . }}
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  args:
    - --config=/etc/logcollector-exporter/collectors.yaml
    - --urls={{ include "logcollector-exporter.scheme" . }}://+:{{ .Values.port }}
    {{- if include "logcollector-exporter.webConfigEnabled" . }}
    - --web.config.file=/etc/logcollector-exporter/web/web-config.yml
    {{- if .Values.webConfig.basicAuth.existingSecret }}
    - --web.config.file=/etc/logcollector-exporter/web/basic-auth-users.yml
    {{- end }}
    {{- end }}
    {{- range .Values.extraArgs }}
    - {{ . | quote }}
    {{- end }}
  {{- with .Values.extraEnv }}
  env:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  ports:
    - name: {{ include "logcollector-exporter.portName" . }}
      containerPort: {{ .Values.port }}
      protocol: TCP
  {{- if .Values.livenessProbe.enabled }}
  livenessProbe:
    httpGet:
      path: /-/healthy
      port: {{ include "logcollector-exporter.portName" . }}
      scheme: {{ include "logcollector-exporter.scheme" . | upper }}
    {{- toYaml (omit .Values.livenessProbe "enabled") | nindent 4 }}
  {{- end }}
  {{- if .Values.readinessProbe.enabled }}
  readinessProbe:
    httpGet:
      path: /-/ready
      port: {{ include "logcollector-exporter.portName" . }}
      scheme: {{ include "logcollector-exporter.scheme" . | upper }}
    {{- toYaml (omit .Values.readinessProbe "enabled") | nindent 4 }}
  {{- end }}
  resources:
    {{- toYaml .Values.resources | nindent 4 }}
  securityContext:
    {{- toYaml .Values.securityContext | nindent 4 }}
  volumeMounts:
    - name: {{ include "logcollector-exporter.name" . }}-config
      mountPath: /etc/logcollector-exporter
      readOnly: true
    {{- range $index, $source := .Values.panorama }}
    - name: {{ include "logcollector-exporter.name" $ }}-panorama-{{ $index }}-key
      mountPath: {{ include "logcollector-exporter.panoramaMount" $index }}/key
      readOnly: true
    {{- if or $source.caConfigMap $source.caSecret }}
    - name: {{ include "logcollector-exporter.name" $ }}-panorama-{{ $index }}-ca
      mountPath: {{ include "logcollector-exporter.panoramaMount" $index }}/ca
      readOnly: true
    {{- end }}
    {{- end }}
    {{- with .Values.extraVolumeMounts }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
{{- end }}

{{/*
sidecar: the volumes of the configuration, as items of a pod's `volumes` list: the ConfigMap, and each live Panorama
source's API key Secret and CA. Whole-volume mounts (not subPath), so that an update (a rotated key) reaches the
running exporter. With saved Panorama configurations or webConfig, the ConfigMap's is a projected volume that adds
the configurations' Secret beside collectors.yaml, and web/: the rendered web-config.yml, the certificate and key
(and the clients' CA) of the TLS Secret, the basic-auth users' Secret; the kubelet updates them all at once when one
changes (cert-manager renewing the certificate). Every volume holding a Secret has mode 0440 (secretFileMode): the
pod needs the fsGroup of podSecurityContext.
*/}}
{{- define "logcollector-exporter.volume" -}}
- name: {{ include "logcollector-exporter.name" . }}-config
  {{- if or .Values.panoramaConfigs (include "logcollector-exporter.webConfigEnabled" .) }}
  projected:
    defaultMode: {{ include "logcollector-exporter.secretFileMode" . }}
    sources:
      - configMap:
          name: {{ include "logcollector-exporter.configMapName" . }}
      {{- if .Values.panoramaConfigs }}
      - secret:
          name: {{ include "logcollector-exporter.panoramaConfigsSecretName" . }}
      {{- end }}
      {{- if include "logcollector-exporter.webConfigEnabled" . }}
      - configMap:
          name: {{ include "logcollector-exporter.webConfigMapName" . }}
          items:
            - {key: web-config.yml, path: web/web-config.yml}
      {{- with .Values.webConfig.tls }}
      {{- if .enabled }}
      - secret:
          name: {{ .secretName }}
          items:
            - {key: tls.crt, path: web/tls.crt}
            - {key: tls.key, path: web/tls.key}
      {{- if include "logcollector-exporter.verifiesClientCertificates" $ }}
      - secret:
          name: {{ default .secretName .clientCASecretName }}
          items:
            - {key: {{ .clientCAKey }}, path: web/client-ca.crt}
      {{- end }}
      {{- end }}
      {{- end }}
      {{- with .Values.webConfig.basicAuth }}
      {{- if .existingSecret }}
      - secret:
          name: {{ .existingSecret }}
          items:
            - {key: {{ .key }}, path: web/basic-auth-users.yml}
      {{- end }}
      {{- end }}
      {{- end }}
  {{- else }}
  configMap:
    name: {{ include "logcollector-exporter.configMapName" . }}
  {{- end }}
{{- range $index, $source := .Values.panorama }}
- name: {{ include "logcollector-exporter.name" $ }}-panorama-{{ $index }}-key
  secret:
    secretName: {{ required (printf "panorama[%d].existingSecret: the name of the Secret that holds the XML API key" (int $index)) $source.existingSecret }}
    defaultMode: {{ include "logcollector-exporter.secretFileMode" $ }}
    items:
      - key: {{ default "api-key" $source.secretKey }}
        path: {{ default "api-key" $source.secretKey }}
{{- if $source.caConfigMap }}
- name: {{ include "logcollector-exporter.name" $ }}-panorama-{{ $index }}-ca
  configMap:
    name: {{ $source.caConfigMap }}
    items:
      - key: {{ default "ca.crt" $source.caKey }}
        path: {{ default "ca.crt" $source.caKey }}
{{- else if $source.caSecret }}
- name: {{ include "logcollector-exporter.name" $ }}-panorama-{{ $index }}-ca
  secret:
    secretName: {{ $source.caSecret }}
    defaultMode: {{ include "logcollector-exporter.secretFileMode" $ }}
    items:
      - key: {{ default "ca.crt" $source.caKey }}
        path: {{ default "ca.crt" $source.caKey }}
{{- end }}
{{- end }}
{{- end }}

{{/* Sets the job the rules look for (prometheusRule.job) whatever the release is called. */}}
{{- define "logcollector-exporter.jobRelabeling" -}}
- targetLabel: job
  replacement: {{ .Values.prometheusRule.job }}
{{- end }}

{{/*
sidecar: the NetworkPolicy ingress rule of the exporter, as an item of a policy's `ingress` list: its port, from
networkPolicy.ingressFrom. Nothing when that is empty.
*/}}
{{- define "logcollector-exporter.networkPolicyIngress" -}}
{{- with .Values.networkPolicy.ingressFrom }}
- ports:
    - port: {{ include "logcollector-exporter.portName" $ }}
      protocol: TCP
  from:
    {{- toYaml . | nindent 4 }}
{{- end }}
{{- end }}

{{/*
sidecar: the NetworkPolicy egress rules of the exporter, as items of a policy's `egress` list. Each collector given by
IP address, to that address on its port (collectorReach); networkPolicy.collectorPeers on the collectors' ports
(collectorPorts); each live Panorama source to its IP address or networkPolicy.panoramaPeers on its port; DNS to
networkPolicy.dnsPeers. Never a rule without `to` (which would be any address): what has no peers is left out.
*/}}
{{- define "logcollector-exporter.networkPolicyEgress" -}}
{{- $reach := include "logcollector-exporter.collectorReach" . | fromJson }}
{{- $ports := list }}
{{- $cidrs := dict }}
{{- range $reach.pinned }}
{{- $port := toString (int .port) }}
{{- if not (hasKey $cidrs $port) }}
{{- $ports = append $ports $port }}
{{- $_ := set $cidrs $port list }}
{{- end }}
{{- $_ := set $cidrs $port (append (get $cidrs $port) .cidr) }}
{{- end }}
{{- range $ports }}
# The collectors given by address: a TCP handshake to each, nothing else.
- ports:
    - port: {{ . }}
      protocol: TCP
  to:
    {{- range get $cidrs . }}
    - ipBlock:
        cidr: {{ . }}
    {{- end }}
{{- end }}
{{- with .Values.networkPolicy.collectorPeers }}
# networkPolicy.collectorPeers: the collectors the chart cannot pin to an address.
- ports:
    {{- range include "logcollector-exporter.collectorPorts" $ | fromJsonArray }}
    - port: {{ int . }}
      protocol: TCP
    {{- end }}
  to:
    {{- toYaml . | nindent 4 }}
{{- end }}
{{- range include "logcollector-exporter.panoramaEndpoints" . | fromJsonArray }}
{{- $to := $.Values.networkPolicy.panoramaPeers }}
{{- if .cidr }}
{{- $to = list (dict "ipBlock" (dict "cidr" .cidr)) }}
{{- end }}
{{- if $to }}
# Panorama's XML API (HTTPS), for a live panorama source.
- ports:
    - port: {{ int .port }}
      protocol: TCP
  to:
    {{- toYaml $to | nindent 4 }}
{{- end }}
{{- end }}
{{- with .Values.networkPolicy.dnsPeers }}
# DNS, for what is named by host name.
- ports:
    - port: 53
      protocol: UDP
    - port: 53
      protocol: TCP
  to:
    {{- toYaml . | nindent 4 }}
{{- end }}
{{- end }}
