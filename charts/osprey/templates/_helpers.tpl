{{/* The name of every object of the release: the release name, with "osprey" when it lacks it. */}}
{{- define "osprey.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "osprey.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "osprey.labels" -}}
{{ include "osprey.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/component: operator
app.kubernetes.io/part-of: osprey
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "osprey.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "osprey.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "osprey.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{/* A shard's Deployment: the release's full name alone when there is one shard. */}}
{{- define "osprey.shardName" -}}
{{- $root := index . 0 -}}
{{- if gt (int $root.Values.shards) 1 -}}
{{- printf "%s-shard-%d" (include "osprey.fullname" $root) (index . 1) | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- include "osprey.fullname" $root -}}
{{- end -}}
{{- end -}}

{{/* The shard label of a shard's pods (none with one shard: selectors stay as they were). */}}
{{- define "osprey.shardLabels" -}}
{{- $root := index . 0 -}}
{{- if gt (int $root.Values.shards) 1 -}}
osprey.dev/shard: {{ index . 1 | quote }}
{{- end -}}
{{- end -}}
