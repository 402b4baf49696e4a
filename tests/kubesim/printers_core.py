"""Columns of the core/v1 kinds (Pods, Events, Nodes, Services, Namespaces, ConfigMaps,
Secrets, PVCs), as kube-apiserver's printers (pkg/printers/internalversion) define them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .printing import Column, age, field, labels_text, since


def pod_status_text(pod: dict[str, Any]) -> str:
    """The STATUS column: phase, or what a container waits on or ended with."""
    status = pod.get("status") or {}
    reason = status.get("reason") or status.get("phase") or "Pending"
    running = False
    for container in reversed(status.get("containerStatuses") or []):
        state = container.get("state") or {}
        if (state.get("waiting") or {}).get("reason"):
            reason = state["waiting"]["reason"]
        elif state.get("terminated"):
            ended = state["terminated"]
            reason = ended.get("reason") or f"ExitCode:{ended.get('exitCode', 0)}"
        elif container.get("ready") and "running" in state:
            running = True
    if reason == "Completed" and running:
        reason = "Running"
    if pod["metadata"].get("deletionTimestamp"):
        reason = "Terminating"
    return reason


def _pod_ready(pod: dict[str, Any]) -> str:
    statuses = field(pod, "status", "containerStatuses", default=[])
    total = len(field(pod, "spec", "containers", default=[]))
    return f"{sum(1 for c in statuses if c.get('ready'))}/{total}"


def _restarts(pod: dict[str, Any]) -> int:
    return sum(
        c.get("restartCount", 0) for c in field(pod, "status", "containerStatuses", default=[])
    )


POD_COLUMNS = [
    Column(
        "Ready",
        "string",
        _pod_ready,
        0,
        "The aggregate readiness state of this pod for accepting traffic.",
    ),
    Column(
        "Status",
        "string",
        pod_status_text,
        0,
        "The aggregate status of the containers in this pod.",
    ),
    Column(
        "Restarts",
        "string",
        _restarts,
        0,
        "The number of times the containers in this pod have been restarted.",
    ),
    Column("Age", "string", age),
    Column(
        "IP",
        "string",
        lambda o: field(o, "status", "podIP", default="<none>"),
        1,
        "IP address allocated to the pod.",
    ),
    Column(
        "Node",
        "string",
        lambda o: field(o, "spec", "nodeName", default="<none>"),
        1,
        "Name of the Node the Pod is running on.",
    ),
    Column(
        "Nominated Node",
        "string",
        lambda o: field(o, "status", "nominatedNodeName", default="<none>"),
        1,
        "Node the Pod is nominated to run on.",
    ),
    Column(
        "Readiness Gates",
        "string",
        lambda o: (
            str(len(field(o, "spec", "readinessGates", default=[]))) + " gates"
            if field(o, "spec", "readinessGates")
            else "<none>"
        ),
        1,
        "Pod readiness gates.",
    ),
]


# ---- events -----------------------------------------------------------------------------
def _event_first(ev: dict[str, Any]) -> str:
    return since(ev.get("firstTimestamp") or ev.get("eventTime"))


def _event_last(ev: dict[str, Any]) -> str:
    if ev.get("series"):
        return since(ev["series"].get("lastObservedTime"))
    return since(ev.get("lastTimestamp") or ev.get("firstTimestamp") or ev.get("eventTime"))


def _event_object(ev: dict[str, Any]) -> str:
    involved = ev.get("involvedObject") or {}
    kind = str(involved.get("kind", "")).lower()
    return f"{kind}/{involved['name']}" if involved.get("name") else kind


def _event_source(ev: dict[str, Any]) -> str:
    source = ev.get("source") or {}
    component = source.get("component") or ev.get("reportingComponent") or ""
    instance = source.get("host") or ev.get("reportingInstance") or ""
    return f"{component}, {instance}" if instance else component


def _event_count(ev: dict[str, Any]) -> int:
    if ev.get("series"):
        return int(ev["series"].get("count", 1))
    return int(ev.get("count") or 1)


EVENT_COLUMNS = [
    Column(
        "Last Seen",
        "string",
        _event_last,
        0,
        "The time at which the most recent occurrence of this event was recorded.",
    ),
    Column(
        "Type", "string", lambda e: e.get("type", ""), 0, "Type of this event (Normal, Warning)."
    ),
    Column(
        "Reason",
        "string",
        lambda e: e.get("reason", ""),
        0,
        "Short, machine understandable string that gives the reason for the transition into "
        "the object's current status.",
    ),
    Column("Object", "string", _event_object, 0, "The object that this event is about."),
    Column(
        "Subobject",
        "string",
        lambda e: field(e, "involvedObject", "fieldPath", default=""),
        1,
        "A field of the object.",
    ),
    Column("Source", "string", _event_source, 1, "The component reporting this event."),
    Column(
        "Message",
        "string",
        lambda e: str(e.get("message", "")).strip(),
        0,
        "A human-readable description of the status of this operation.",
    ),
    Column(
        "First Seen", "string", _event_first, 1, "The time at which the event was first recorded."
    ),
    Column("Count", "string", _event_count, 1, "The number of times this event has occurred."),
    Column("Name", "string", lambda e: e["metadata"]["name"], 1, "Name of the event.", "name"),
]


# ---- the rest ---------------------------------------------------------------------------


def _node_status(node: dict[str, Any]) -> str:
    ready = next(
        (
            c.get("status")
            for c in field(node, "status", "conditions", default=[])
            if c.get("type") == "Ready"
        ),
        None,
    )
    text = {"True": "Ready", "False": "NotReady"}.get(ready or "", "Unknown")
    return text + (",SchedulingDisabled" if field(node, "spec", "unschedulable") else "")


def _node_roles(node: dict[str, Any]) -> str:
    labels = node["metadata"].get("labels") or {}
    roles = {
        k.split("/", 1)[1]
        for k in labels
        if k.startswith("node-role.kubernetes.io/") and k != "node-role.kubernetes.io/"
    }
    if labels.get("kubernetes.io/role"):
        roles.add(labels["kubernetes.io/role"])
    return ",".join(sorted(roles)) or "<none>"


def _node_address(kind: str) -> Callable[[dict[str, Any]], str]:
    return lambda node: next(
        (
            a["address"]
            for a in field(node, "status", "addresses", default=[])
            if a.get("type") == kind
        ),
        "<none>",
    )


def _ports(svc: dict[str, Any]) -> str:
    out = []
    for port in field(svc, "spec", "ports", default=[]):
        node_port = f":{port['nodePort']}" if port.get("nodePort") else ""
        out.append(f"{port.get('port')}{node_port}/{port.get('protocol', 'TCP')}")
    return ",".join(out) or "<none>"


_ACCESS = {
    "ReadWriteOnce": "RWO",
    "ReadOnlyMany": "ROX",
    "ReadWriteMany": "RWX",
    "ReadWriteOncePod": "RWOP",
}


def _count(*fields: str) -> Callable[[dict[str, Any]], int]:
    return lambda o: sum(len(o.get(f) or {}) for f in fields)


CORE: dict[tuple[str, str], list[Column]] = {
    ("", "pods"): POD_COLUMNS,
    ("", "events"): EVENT_COLUMNS,
    ("", "services"): [
        Column("Type", "string", lambda o: field(o, "spec", "type", default="ClusterIP")),
        Column("Cluster-IP", "string", lambda o: field(o, "spec", "clusterIP", default="<none>")),
        Column(
            "External-IP",
            "string",
            lambda o: ",".join(field(o, "spec", "externalIPs", default=[])) or "<none>",
        ),
        Column("Port(s)", "string", _ports),
        Column("Age", "string", age),
        Column("Selector", "string", lambda o: labels_text(field(o, "spec", "selector")), 1),
    ],
    ("", "nodes"): [
        Column("Status", "string", _node_status),
        Column("Roles", "string", _node_roles),
        Column("Age", "string", age),
        Column(
            "Version",
            "string",
            lambda o: field(o, "status", "nodeInfo", "kubeletVersion", default=""),
        ),
        Column("Internal-IP", "string", _node_address("InternalIP"), 1),
        Column("External-IP", "string", _node_address("ExternalIP"), 1),
        Column(
            "OS-Image",
            "string",
            lambda o: field(o, "status", "nodeInfo", "osImage", default="<unknown>"),
            1,
        ),
        Column(
            "Kernel-Version",
            "string",
            lambda o: field(o, "status", "nodeInfo", "kernelVersion", default="<unknown>"),
            1,
        ),
        Column(
            "Container-Runtime",
            "string",
            lambda o: field(
                o, "status", "nodeInfo", "containerRuntimeVersion", default="<unknown>"
            ),
            1,
        ),
    ],
    ("", "namespaces"): [
        Column("Status", "string", lambda o: field(o, "status", "phase", default="")),
        Column("Age", "string", age),
    ],
    ("", "configmaps"): [
        Column("Data", "integer", _count("data", "binaryData")),
        Column("Age", "string", age),
    ],
    ("", "secrets"): [
        Column("Type", "string", lambda o: o.get("type", "")),
        Column("Data", "integer", _count("data")),
        Column("Age", "string", age),
    ],
    ("", "persistentvolumeclaims"): [
        Column("Status", "string", lambda o: field(o, "status", "phase", default="")),
        Column("Volume", "string", lambda o: field(o, "spec", "volumeName", default="")),
        Column(
            "Capacity", "string", lambda o: field(o, "status", "capacity", "storage", default="")
        ),
        Column(
            "Access Modes",
            "string",
            lambda o: ",".join(
                _ACCESS.get(m, m) for m in field(o, "status", "accessModes", default=[])
            ),
        ),
        Column(
            "StorageClass",
            "string",
            lambda o: field(o, "spec", "storageClassName", default="<unset>"),
        ),
        Column(
            "VolumeAttributesClass",
            "string",
            lambda o: field(o, "spec", "volumeAttributesClassName", default="<unset>"),
        ),
        Column("Age", "string", age),
        Column("VolumeMode", "string", lambda o: field(o, "spec", "volumeMode", default=""), 1),
    ],
}
