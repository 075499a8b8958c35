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
{{- toYaml $config }}
{{- end }}

{{/* The ConfigMap's data: collectors.yaml rendered from .Values.config and .Values.panorama, the preference list files and the saved Panorama configurations. */}}
{{- define "logcollector-exporter.configData" -}}
collectors.yaml: |
{{- include "logcollector-exporter.config" . | nindent 2 }}
{{- range $file, $content := .Values.preferenceLists }}
{{ $file }}: |
{{- $content | nindent 2 }}
{{- end }}
{{- range $file, $content := .Values.panoramaConfigs }}
{{ $file }}: |
{{- $content | nindent 2 }}
{{- end }}
{{- end }}

{{/*
Where the live Panorama sources are, for the NetworkPolicy: each URL's port (443 when it has none) and, when its host
is an IP address, that address. A JSON list of {port, cidr}; cidr is "" for a host name (any address, on that port).
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
{{- $cidr := "" }}
{{- if regexMatch "^[0-9.]+$" $url.hostname }}
{{- $cidr = printf "%s/32" $url.hostname }}
{{- else if contains ":" $url.hostname }}
{{- $cidr = printf "%s/128" $url.hostname }}
{{- end }}
{{- $endpoints = append $endpoints (dict "port" $port "cidr" $cidr) }}
{{- end }}
{{- toJson (uniq $endpoints) }}
{{- end }}

{{/*
sidecar: the value of a pod annotation that changes whenever the rendered configuration does, so a change rolls the
pods (the exporter would also reload it by itself). With existingConfigMap, the chart cannot see the content.
*/}}
{{- define "logcollector-exporter.configChecksum" -}}
{{- if .Values.existingConfigMap }}
{{- .Values.existingConfigMap | sha256sum }}
{{- else }}
{{- include "logcollector-exporter.configData" . | sha256sum }}
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
    - --urls=http://+:{{ .Values.port }}
    {{- range .Values.extraArgs }}
    - {{ . | quote }}
    {{- end }}
  {{- with .Values.extraEnv }}
  env:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  ports:
    - name: {{ .Values.portName }}
      containerPort: {{ .Values.port }}
      protocol: TCP
  {{- if .Values.livenessProbe.enabled }}
  livenessProbe:
    httpGet:
      path: /-/healthy
      port: {{ .Values.portName }}
    {{- toYaml (omit .Values.livenessProbe "enabled") | nindent 4 }}
  {{- end }}
  {{- if .Values.readinessProbe.enabled }}
  readinessProbe:
    httpGet:
      path: /-/ready
      port: {{ .Values.portName }}
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
running exporter.
*/}}
{{- define "logcollector-exporter.volume" -}}
- name: {{ include "logcollector-exporter.name" . }}-config
  configMap:
    name: {{ include "logcollector-exporter.configMapName" . }}
{{- range $index, $source := .Values.panorama }}
- name: {{ include "logcollector-exporter.name" $ }}-panorama-{{ $index }}-key
  secret:
    secretName: {{ required (printf "panorama[%d].existingSecret: the name of the Secret that holds the XML API key" (int $index)) $source.existingSecret }}
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
    items:
      - key: {{ default "ca.crt" $source.caKey }}
        path: {{ default "ca.crt" $source.caKey }}
{{- end }}
{{- end }}
{{- end }}

{{/* Sets job="logcollector-exporter" whatever the release is called: LogCollectorExporterDown looks for that job. */}}
{{- define "logcollector-exporter.jobRelabeling" -}}
- targetLabel: job
  replacement: logcollector-exporter
{{- end }}
