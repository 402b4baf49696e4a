{{- /*
Least privilege for the operator and for what it installs. The operator runs helm, so it needs
every verb helm uses (get, list, watch, create, update, patch, delete) on every kind the
OpenStack-Helm charts contain, and no more. Kubernetes also refuses to let anyone create a Role
or ClusterRole granting permissions they do not hold themselves (RBAC escalation prevention), so
the read rules below mirror what the charts' own Roles grant.
*/}}

{{- define "osprey.verbs.crud" -}}
[get, list, watch, create, update, patch, delete]
{{- end -}}

{{- define "osprey.verbs.read" -}}
[get, list, watch]
{{- end -}}

{{/* Rules that only make sense cluster-wide: bound with a ClusterRoleBinding. */}}
{{- define "osprey.rules.cluster" -}}
# Kopf discovers the resources it serves from their CRDs. Osprey applies the CRDs the control
# planes share (mariadb's, charts after 2026.1.0) and never deletes one.
- apiGroups: [apiextensions.k8s.io]
  resources: [customresourcedefinitions]
  verbs: [get, list, watch, create, patch]
# Kopf follows namespaces appearing and disappearing.
- apiGroups: [""]
  resources: [namespaces]
  verbs: {{ include "osprey.verbs.read" . }}
# nova (bootstrap, cell-setup Jobs) and ovn (controller) install ClusterRoles and bindings.
- apiGroups: [rbac.authorization.k8s.io]
  resources: [clusterroles, clusterrolebindings]
  verbs: {{ include "osprey.verbs.crud" . }}
# What those ClusterRoles grant (nodes get/list; ovn-controller also patch): held here so that
# Kubernetes lets the operator create them. Watched too: node pools (spec.nodePools) are
# counted from the nodes' labels.
- apiGroups: [""]
  resources: [nodes]
  verbs: [get, list, watch, patch]
# Every control plane of the cluster, read: two control planes' node pools must not overlap.
- apiGroups: [osprey.dev]
  resources: [openstackcontrolplanes]
  verbs: {{ include "osprey.verbs.read" . }}
{{- end -}}

{{/* Rules in the namespaces the operator serves: cluster-wide, or one RoleBinding each. */}}
{{- define "osprey.rules.namespaced" -}}
# The control planes themselves; Kopf keeps its progress in status and adds a finalizer.
- apiGroups: [osprey.dev]
  resources: [openstackcontrolplanes]
  verbs: [get, list, watch, update, patch]
- apiGroups: [osprey.dev]
  resources: [openstackcontrolplanes/status]
  verbs: [get, update, patch]
- apiGroups: [osprey.dev]
  resources: [openstackcontrolplanes/finalizers]
  verbs: [update]
# Events of transitions (installed, upgraded, healed, failed).
- apiGroups: [""]
  resources: [events]
  verbs: [create, patch]
- apiGroups: [events.k8s.io]
  resources: [events]
  verbs: [create, patch]
# What the OpenStack-Helm charts install; Secrets also hold helm's release records and the
# control plane's generated credentials.
- apiGroups: [""]
  resources: [configmaps, secrets, services, serviceaccounts, persistentvolumeclaims]
  verbs: {{ include "osprey.verbs.crud" . }}
- apiGroups: [apps]
  resources: [deployments, statefulsets, daemonsets]
  verbs: {{ include "osprey.verbs.crud" . }}
- apiGroups: [batch]
  resources: [jobs, cronjobs]
  verbs: {{ include "osprey.verbs.crud" . }}
- apiGroups: [policy]
  resources: [poddisruptionbudgets]
  verbs: {{ include "osprey.verbs.crud" . }}
- apiGroups: [autoscaling]
  resources: [horizontalpodautoscalers]
  verbs: {{ include "osprey.verbs.crud" . }}
- apiGroups: [networking.k8s.io]
  resources: [networkpolicies, ingresses]
  verbs: {{ include "osprey.verbs.crud" . }}
# Whether cert-manager issued the public endpoints' certificates (spec.endpoints.tls.issuerRef).
- apiGroups: [cert-manager.io]
  resources: [certificates]
  verbs: [get, list]
# Public endpoints through the Gateway API (OpenStack-Helm's extraObjects HTTPRoutes).
- apiGroups: [gateway.networking.k8s.io]
  resources: [httproutes]
  verbs: {{ include "osprey.verbs.crud" . }}
- apiGroups: [rbac.authorization.k8s.io]
  resources: [roles, rolebindings]
  verbs: {{ include "osprey.verbs.crud" . }}
# Readiness of releases, and what the charts' dependency-check Roles read.
- apiGroups: [""]
  resources: [pods, endpoints]
  verbs: {{ include "osprey.verbs.read" . }}
- apiGroups: [discovery.k8s.io]
  resources: [endpointslices]
  verbs: {{ include "osprey.verbs.read" . }}
# helm-toolkit's dependency-check Role lists these resources under all of these groups at once;
# RBAC escalation prevention requires holding every (group, resource) pair of it.
- apiGroups: ["", extensions, batch, apps, discovery.k8s.io]
  resources: [daemonsets, jobs, pods, services, endpoints, endpointslices, secrets]
  verbs: [get, list]
{{- end -}}
