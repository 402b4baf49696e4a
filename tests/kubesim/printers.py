"""Columns of the built-in kinds, as kube-apiserver's printers (pkg/printers/internalversion)
define them: the server sends every column; kubectl shows priority-0 ones and adds the
others with `-o wide`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    cell: Callable[[dict[str, Any]], Any]
    priority: int = 0
    description: str = ""
    format: str = ""


def _get(obj: Any, *path: str, default: Any = None) -> Any:
    for part in path:
        obj = obj.get(part) if isinstance(obj, dict) else None
    return default if obj is None else obj


def _parse(stamp: str) -> datetime | None:
    for layout in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S.%fZ"):
        try:
            return datetime.strptime(stamp, layout).replace(tzinfo=UTC)
        except (TypeError, ValueError):
            continue
    return None


def human_duration(seconds: float) -> str:
    """k8s.io/apimachinery/pkg/util/duration.HumanDuration."""
    s = int(seconds)
    if s < -1:
        return "<invalid>"
    if s < 0:
        return "0s"
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        return f"{minutes}m{s % 60}s" if s % 60 else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = s // 3600
    if hours < 8:
        return f"{hours}h{minutes % 60}m" if minutes % 60 else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        return f"{hours // 24}d{hours % 24}h" if hours % 24 else f"{hours // 24}d"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    years, days = hours // 24 // 365, hours // 24 % 365
    if hours < 24 * 365 * 8:
        return f"{years}y{days}d" if days else f"{years}y"
    return f"{years}y"


def since(stamp: Any) -> str:
    when = _parse(stamp) if isinstance(stamp, str) else None
    if when is None:
        return "<unknown>"
    return human_duration((datetime.now(UTC) - when).total_seconds())


def age(obj: dict[str, Any]) -> str:
    return since(obj["metadata"].get("creationTimestamp"))


def _labels(labels: dict[str, str] | None) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted((labels or {}).items())) or "<none>"


def selector_text(selector: dict[str, Any] | None) -> str:
    """metav1.FormatLabelSelector."""
    if not selector:
        return "<none>"
    parts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
        if op == "Exists":
            parts.append(key)
        elif op == "DoesNotExist":
            parts.append(f"!{key}")
        else:
            parts.append(f"{key} {op.lower()} ({','.join(values)})")
    return ",".join(parts) or "<none>"


def _template_spec(obj: dict[str, Any]) -> dict[str, Any]:
    return _get(obj, "spec", "template", "spec", default={})


def _containers(obj: dict[str, Any]) -> str:
    return ",".join(c.get("name", "") for c in _template_spec(obj).get("containers") or [])


def _images(obj: dict[str, Any]) -> str:
    return ",".join(c.get("image", "") for c in _template_spec(obj).get("containers") or [])


def _wide(selector: bool = True) -> list[Column]:
    cols = [
        Column("Containers", "string", _containers, 1, "Names of each container in the template."),
        Column(
            "Images", "string", _images, 1, "Images referenced by each container in the template."
        ),
    ]
    if selector:
        cols.append(
            Column(
                "Selector",
                "string",
                lambda o: selector_text(_get(o, "spec", "selector")),
                1,
                "Label selector of the pods.",
            )
        )
    return cols


# ---- pods -------------------------------------------------------------------------------
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
    statuses = _get(pod, "status", "containerStatuses", default=[])
    total = len(_get(pod, "spec", "containers", default=[]))
    return f"{sum(1 for c in statuses if c.get('ready'))}/{total}"


def _restarts(pod: dict[str, Any]) -> int:
    return sum(
        c.get("restartCount", 0) for c in _get(pod, "status", "containerStatuses", default=[])
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
        lambda o: _get(o, "status", "podIP", default="<none>"),
        1,
        "IP address allocated to the pod.",
    ),
    Column(
        "Node",
        "string",
        lambda o: _get(o, "spec", "nodeName", default="<none>"),
        1,
        "Name of the Node the Pod is running on.",
    ),
    Column(
        "Nominated Node",
        "string",
        lambda o: _get(o, "status", "nominatedNodeName", default="<none>"),
        1,
        "Node the Pod is nominated to run on.",
    ),
    Column(
        "Readiness Gates",
        "string",
        lambda o: (
            str(len(_get(o, "spec", "readinessGates", default=[]))) + " gates"
            if _get(o, "spec", "readinessGates")
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
        lambda e: _get(e, "involvedObject", "fieldPath", default=""),
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
def _job_status(job: dict[str, Any]) -> str:
    conditions = {
        c.get("type")
        for c in _get(job, "status", "conditions", default=[])
        if c.get("status") == "True"
    }
    if "Complete" in conditions:
        return "Complete"
    if "Failed" in conditions:
        return "Failed"
    if job["metadata"].get("deletionTimestamp"):
        return "Terminating"
    for kind in ("Suspended", "FailureTarget", "SuccessCriteriaMet"):
        if kind in conditions:
            return kind
    return "Running"


def _job_completions(job: dict[str, Any]) -> str:
    succeeded = _get(job, "status", "succeeded", default=0)
    completions = _get(job, "spec", "completions")
    if completions is not None:
        return f"{succeeded}/{completions}"
    parallelism = _get(job, "spec", "parallelism", default=1)
    return f"{succeeded}/1 of {parallelism}" if parallelism > 1 else f"{succeeded}/1"


def _job_duration(job: dict[str, Any]) -> str:
    start = _parse(_get(job, "status", "startTime", default=""))
    if start is None:
        return ""
    end = _parse(_get(job, "status", "completionTime", default="")) or datetime.now(UTC)
    return human_duration((end - start).total_seconds())


def _node_status(node: dict[str, Any]) -> str:
    ready = next(
        (
            c.get("status")
            for c in _get(node, "status", "conditions", default=[])
            if c.get("type") == "Ready"
        ),
        None,
    )
    text = {"True": "Ready", "False": "NotReady"}.get(ready or "", "Unknown")
    return text + (",SchedulingDisabled" if _get(node, "spec", "unschedulable") else "")


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
            for a in _get(node, "status", "addresses", default=[])
            if a.get("type") == kind
        ),
        "<none>",
    )


def _ports(svc: dict[str, Any]) -> str:
    out = []
    for port in _get(svc, "spec", "ports", default=[]):
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


BUILTIN: dict[tuple[str, str], list[Column]] = {
    ("", "pods"): POD_COLUMNS,
    ("", "events"): EVENT_COLUMNS,
    ("apps", "deployments"): [
        Column(
            "Ready",
            "string",
            lambda o: (
                f"{_get(o, 'status', 'readyReplicas', default=0)}/"
                f"{_get(o, 'spec', 'replicas', default=0)}"
            ),
        ),
        Column("Up-to-date", "integer", lambda o: _get(o, "status", "updatedReplicas", default=0)),
        Column("Available", "integer", lambda o: _get(o, "status", "availableReplicas", default=0)),
        Column("Age", "string", age),
        *_wide(),
    ],
    ("apps", "replicasets"): [
        Column("Desired", "integer", lambda o: _get(o, "spec", "replicas", default=0)),
        Column("Current", "integer", lambda o: _get(o, "status", "replicas", default=0)),
        Column("Ready", "integer", lambda o: _get(o, "status", "readyReplicas", default=0)),
        Column("Age", "string", age),
        *_wide(),
    ],
    ("apps", "statefulsets"): [
        Column(
            "Ready",
            "string",
            lambda o: (
                f"{_get(o, 'status', 'readyReplicas', default=0)}/"
                f"{_get(o, 'spec', 'replicas', default=0)}"
            ),
        ),
        Column("Age", "string", age),
        *_wide(selector=False),
    ],
    ("apps", "daemonsets"): [
        Column(
            "Desired", "integer", lambda o: _get(o, "status", "desiredNumberScheduled", default=0)
        ),
        Column(
            "Current", "integer", lambda o: _get(o, "status", "currentNumberScheduled", default=0)
        ),
        Column("Ready", "integer", lambda o: _get(o, "status", "numberReady", default=0)),
        Column(
            "Up-to-date",
            "integer",
            lambda o: _get(o, "status", "updatedNumberScheduled", default=0),
        ),
        Column("Available", "integer", lambda o: _get(o, "status", "numberAvailable", default=0)),
        Column("Node Selector", "string", lambda o: _labels(_template_spec(o).get("nodeSelector"))),
        Column("Age", "string", age),
        *_wide(),
    ],
    ("batch", "jobs"): [
        Column("Status", "string", _job_status),
        Column("Completions", "string", _job_completions),
        Column("Duration", "string", _job_duration),
        Column("Age", "string", age),
        *_wide(),
    ],
    ("batch", "cronjobs"): [
        Column("Schedule", "string", lambda o: _get(o, "spec", "schedule", default="")),
        Column("Timezone", "string", lambda o: _get(o, "spec", "timeZone", default="<none>")),
        Column("Suspend", "boolean", lambda o: bool(_get(o, "spec", "suspend", default=False))),
        Column("Active", "integer", lambda o: len(_get(o, "status", "active", default=[]))),
        Column(
            "Last Schedule",
            "string",
            lambda o: (
                since(_get(o, "status", "lastScheduleTime"))
                if _get(o, "status", "lastScheduleTime")
                else "<none>"
            ),
        ),
        Column("Age", "string", age),
    ],
    ("", "services"): [
        Column("Type", "string", lambda o: _get(o, "spec", "type", default="ClusterIP")),
        Column("Cluster-IP", "string", lambda o: _get(o, "spec", "clusterIP", default="<none>")),
        Column(
            "External-IP",
            "string",
            lambda o: ",".join(_get(o, "spec", "externalIPs", default=[])) or "<none>",
        ),
        Column("Port(s)", "string", _ports),
        Column("Age", "string", age),
        Column("Selector", "string", lambda o: _labels(_get(o, "spec", "selector")), 1),
    ],
    ("", "nodes"): [
        Column("Status", "string", _node_status),
        Column("Roles", "string", _node_roles),
        Column("Age", "string", age),
        Column(
            "Version",
            "string",
            lambda o: _get(o, "status", "nodeInfo", "kubeletVersion", default=""),
        ),
        Column("Internal-IP", "string", _node_address("InternalIP"), 1),
        Column("External-IP", "string", _node_address("ExternalIP"), 1),
        Column(
            "OS-Image",
            "string",
            lambda o: _get(o, "status", "nodeInfo", "osImage", default="<unknown>"),
            1,
        ),
        Column(
            "Kernel-Version",
            "string",
            lambda o: _get(o, "status", "nodeInfo", "kernelVersion", default="<unknown>"),
            1,
        ),
        Column(
            "Container-Runtime",
            "string",
            lambda o: _get(o, "status", "nodeInfo", "containerRuntimeVersion", default="<unknown>"),
            1,
        ),
    ],
    ("", "namespaces"): [
        Column("Status", "string", lambda o: _get(o, "status", "phase", default="")),
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
        Column("Status", "string", lambda o: _get(o, "status", "phase", default="")),
        Column("Volume", "string", lambda o: _get(o, "spec", "volumeName", default="")),
        Column(
            "Capacity", "string", lambda o: _get(o, "status", "capacity", "storage", default="")
        ),
        Column(
            "Access Modes",
            "string",
            lambda o: ",".join(
                _ACCESS.get(m, m) for m in _get(o, "status", "accessModes", default=[])
            ),
        ),
        Column(
            "StorageClass",
            "string",
            lambda o: _get(o, "spec", "storageClassName", default="<unset>"),
        ),
        Column(
            "VolumeAttributesClass",
            "string",
            lambda o: _get(o, "spec", "volumeAttributesClassName", default="<unset>"),
        ),
        Column("Age", "string", age),
        Column("VolumeMode", "string", lambda o: _get(o, "spec", "volumeMode", default=""), 1),
    ],
}
