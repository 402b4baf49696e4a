"""Defaulting of pod specs, as kube-apiserver's scheme defaulters do it (k8s.io/kubernetes
pkg/apis/core/v1/defaults.go and the generated defaulters) for every pod template of the
workload kinds and for Pods, plus what admission adds to a Pod (service account, priority,
default tolerations, QoS class).

Templates and Pods differ: SetDefaults_Pod (enableServiceLinks, requests from limits) and
admission apply to Pods only.
"""

from __future__ import annotations

from typing import Any

TERMINATION_MESSAGE_PATH = "/dev/termination-log"
DEFAULT_MODE = 420  # 0644, of secret, configMap, downwardAPI and projected volumes
_PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
_PROBE_DEFAULTS = {
    "timeoutSeconds": 1,
    "periodSeconds": 10,
    "successThreshold": 1,
    "failureThreshold": 3,
}
_VOLUME_SOURCES = {
    "hostPath",
    "emptyDir",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "secret",
    "nfs",
    "iscsi",
    "glusterfs",
    "persistentVolumeClaim",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "downwardAPI",
    "fc",
    "azureFile",
    "configMap",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "projected",
    "portworxVolume",
    "scaleIO",
    "storageos",
    "csi",
    "ephemeral",
    "image",
}
# DefaultTolerationSeconds admission: pods ride out a short node outage.
DEFAULT_TOLERATIONS = (
    {
        "key": "node.kubernetes.io/not-ready",
        "operator": "Exists",
        "effect": "NoExecute",
        "tolerationSeconds": 300,
    },
    {
        "key": "node.kubernetes.io/unreachable",
        "operator": "Exists",
        "effect": "NoExecute",
        "tolerationSeconds": 300,
    },
)


def image_pull_policy(image: str) -> str:
    """Always for `:latest` or an untagged image (which means latest), else IfNotPresent."""
    if "@" in image:
        return "IfNotPresent"
    last = image.rsplit("/", 1)[-1]
    tag = last.split(":", 1)[1] if ":" in last else "latest"
    return "Always" if tag == "latest" else "IfNotPresent"


def _handler(handler: Any) -> None:
    """Probe and lifecycle handlers: httpGet path and scheme."""
    if isinstance(handler, dict) and isinstance(handler.get("httpGet"), dict):
        handler["httpGet"].setdefault("path", "/")
        handler["httpGet"].setdefault("scheme", "HTTP")


def _container(container: dict[str, Any]) -> None:
    container.setdefault("imagePullPolicy", image_pull_policy(str(container.get("image", ""))))
    container.setdefault("terminationMessagePath", TERMINATION_MESSAGE_PATH)
    container.setdefault("terminationMessagePolicy", "File")
    # A struct, not a pointer, in Go: always serialized, `{}` when empty.
    container.setdefault("resources", {})
    for port in container.get("ports") or []:
        if isinstance(port, dict):
            port.setdefault("protocol", "TCP")
    for env in container.get("env") or []:
        field_ref = ((env or {}).get("valueFrom") or {}).get("fieldRef")
        if isinstance(field_ref, dict):
            field_ref.setdefault("apiVersion", "v1")
    for name in _PROBES:
        probe = container.get(name)
        if isinstance(probe, dict):
            for key, value in _PROBE_DEFAULTS.items():
                probe.setdefault(key, value)
            _handler(probe)
    for hook in (container.get("lifecycle") or {}).values():
        _handler(hook)


def _volume(volume: dict[str, Any]) -> None:
    if not _VOLUME_SOURCES & set(volume):
        volume["emptyDir"] = {}
    for source in ("secret", "configMap", "downwardAPI", "projected"):
        if isinstance(volume.get(source), dict):
            volume[source].setdefault("defaultMode", DEFAULT_MODE)
    if isinstance(volume.get("hostPath"), dict):
        volume["hostPath"].setdefault("type", "")
    for item in (volume.get("projected") or {}).get("sources") or []:
        token = (item or {}).get("serviceAccountToken")
        if isinstance(token, dict):
            token.setdefault("expirationSeconds", 3600)
    for item in (volume.get("downwardAPI") or {}).get("items") or []:
        field_ref = (item or {}).get("fieldRef")
        if isinstance(field_ref, dict):
            field_ref.setdefault("apiVersion", "v1")


def default_pod_spec(spec: dict[str, Any]) -> None:
    """SetDefaults_PodSpec and what it implies for containers and volumes; mutates `spec`."""
    spec.setdefault("dnsPolicy", "ClusterFirst")
    spec.setdefault("restartPolicy", "Always")
    spec.setdefault("securityContext", {})
    spec.setdefault("terminationGracePeriodSeconds", 30)
    spec.setdefault("schedulerName", "default-scheduler")
    for field in ("containers", "initContainers", "ephemeralContainers"):
        for container in spec.get(field) or []:
            if isinstance(container, dict):
                _container(container)
    for volume in spec.get("volumes") or []:
        if isinstance(volume, dict):
            _volume(volume)
    # The deprecated alias is kept in step by the v1 conversion, in templates too.
    if spec.get("serviceAccountName"):
        spec["serviceAccount"] = spec["serviceAccountName"]


def default_template(template: Any) -> None:
    if isinstance(template, dict) and isinstance(template.get("spec"), dict):
        default_pod_spec(template["spec"])


def _qos_class(spec: dict[str, Any]) -> str:
    requests: dict[str, Any] = {}
    limits: dict[str, Any] = {}
    guaranteed = True
    for container in [*(spec.get("containers") or []), *(spec.get("initContainers") or [])]:
        resources = container.get("resources") or {}
        want, cap = resources.get("requests") or {}, resources.get("limits") or {}
        requests.update({k: v for k, v in want.items() if k in ("cpu", "memory")})
        limits.update({k: v for k, v in cap.items() if k in ("cpu", "memory")})
        capped = all(k in cap for k in ("cpu", "memory"))
        if not capped or any(str(want.get(k, cap[k])) != str(cap[k]) for k in ("cpu", "memory")):
            guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"


def default_pod(pod: dict[str, Any], *, creating: bool) -> None:
    """A Pod's defaults: its spec's, SetDefaults_Pod's, and on creation what admission and
    the registry add (service account, priority, tolerations, QoS class, phase)."""
    spec = pod.setdefault("spec", {})
    for container in [*(spec.get("containers") or []), *(spec.get("initContainers") or [])]:
        resources = container.get("resources") if isinstance(container, dict) else None
        if isinstance(resources, dict) and resources.get("limits"):
            requests = resources.setdefault("requests", {})
            for key, value in resources["limits"].items():
                requests.setdefault(key, value)
    spec.setdefault("enableServiceLinks", True)
    if creating:
        spec.setdefault("serviceAccountName", "default")
        spec.setdefault("priority", 0)
        spec.setdefault("preemptionPolicy", "PreemptLowerPriority")
        tolerations = spec.setdefault("tolerations", [])
        for toleration in DEFAULT_TOLERATIONS:
            if not any(
                t.get("key") == toleration["key"] and t.get("effect") in (None, "", "NoExecute")
                for t in tolerations
                if isinstance(t, dict)
            ):
                tolerations.append(dict(toleration))
    default_pod_spec(spec)
    status = pod.setdefault("status", {})
    status.setdefault("phase", "Pending")
    if creating:
        status.setdefault("qosClass", _qos_class(spec))
