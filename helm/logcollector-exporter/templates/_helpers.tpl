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

{{/* The ConfigMap's data: collectors.yaml rendered from .Values.config, and the preference list files. */}}
{{- define "logcollector-exporter.configData" -}}
collectors.yaml: |
{{- toYaml .Values.config | nindent 2 }}
{{- range $file, $content := .Values.preferenceLists }}
{{ $file }}: |
{{- $content | nindent 2 }}
{{- end }}
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
collector without one, a preference list file (it has none), or an existingConfigMap the chart cannot read.
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
    {{- with .Values.extraVolumeMounts }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
{{- end }}

{{/*
sidecar: the volume of the configuration, as an item of a pod's `volumes` list. A whole-ConfigMap mount (not
subPath), so that an update reaches the running exporter.
*/}}
{{- define "logcollector-exporter.volume" -}}
- name: {{ include "logcollector-exporter.name" . }}-config
  configMap:
    name: {{ include "logcollector-exporter.configMapName" . }}
{{- end }}

{{/* Sets job="logcollector-exporter" whatever the release is called: LogCollectorExporterDown looks for that job. */}}
{{- define "logcollector-exporter.jobRelabeling" -}}
- targetLabel: job
  replacement: logcollector-exporter
{{- end }}
