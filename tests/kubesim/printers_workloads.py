"""Columns of the workload kinds (Deployments, ReplicaSets, StatefulSets, DaemonSets, Jobs,
CronJobs), as kube-apiserver's printers (pkg/printers/internalversion) define them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .printing import (
    Column,
    age,
    field,
    human_duration,
    labels_text,
    parse_time,
    since,
    template_spec,
    wide_columns,
)


def _job_status(job: dict[str, Any]) -> str:
    conditions = {
        c.get("type")
        for c in field(job, "status", "conditions", default=[])
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
    succeeded = field(job, "status", "succeeded", default=0)
    completions = field(job, "spec", "completions")
    if completions is not None:
        return f"{succeeded}/{completions}"
    parallelism = field(job, "spec", "parallelism", default=1)
    return f"{succeeded}/1 of {parallelism}" if parallelism > 1 else f"{succeeded}/1"


def _job_duration(job: dict[str, Any]) -> str:
    start = parse_time(field(job, "status", "startTime", default=""))
    if start is None:
        return ""
    end = parse_time(field(job, "status", "completionTime", default="")) or datetime.now(UTC)
    return human_duration((end - start).total_seconds())


WORKLOADS: dict[tuple[str, str], list[Column]] = {
    ("apps", "deployments"): [
        Column(
            "Ready",
            "string",
            lambda o: (
                f"{field(o, 'status', 'readyReplicas', default=0)}/"
                f"{field(o, 'spec', 'replicas', default=0)}"
            ),
        ),
        Column("Up-to-date", "integer", lambda o: field(o, "status", "updatedReplicas", default=0)),
        Column(
            "Available", "integer", lambda o: field(o, "status", "availableReplicas", default=0)
        ),
        Column("Age", "string", age),
        *wide_columns(),
    ],
    ("apps", "replicasets"): [
        Column("Desired", "integer", lambda o: field(o, "spec", "replicas", default=0)),
        Column("Current", "integer", lambda o: field(o, "status", "replicas", default=0)),
        Column("Ready", "integer", lambda o: field(o, "status", "readyReplicas", default=0)),
        Column("Age", "string", age),
        *wide_columns(),
    ],
    ("apps", "statefulsets"): [
        Column(
            "Ready",
            "string",
            lambda o: (
                f"{field(o, 'status', 'readyReplicas', default=0)}/"
                f"{field(o, 'spec', 'replicas', default=0)}"
            ),
        ),
        Column("Age", "string", age),
        *wide_columns(selector=False),
    ],
    ("apps", "daemonsets"): [
        Column(
            "Desired", "integer", lambda o: field(o, "status", "desiredNumberScheduled", default=0)
        ),
        Column(
            "Current", "integer", lambda o: field(o, "status", "currentNumberScheduled", default=0)
        ),
        Column("Ready", "integer", lambda o: field(o, "status", "numberReady", default=0)),
        Column(
            "Up-to-date",
            "integer",
            lambda o: field(o, "status", "updatedNumberScheduled", default=0),
        ),
        Column("Available", "integer", lambda o: field(o, "status", "numberAvailable", default=0)),
        Column(
            "Node Selector", "string", lambda o: labels_text(template_spec(o).get("nodeSelector"))
        ),
        Column("Age", "string", age),
        *wide_columns(),
    ],
    ("batch", "jobs"): [
        Column("Status", "string", _job_status),
        Column("Completions", "string", _job_completions),
        Column("Duration", "string", _job_duration),
        Column("Age", "string", age),
        *wide_columns(),
    ],
    ("batch", "cronjobs"): [
        Column("Schedule", "string", lambda o: field(o, "spec", "schedule", default="")),
        Column("Timezone", "string", lambda o: field(o, "spec", "timeZone", default="<none>")),
        Column("Suspend", "boolean", lambda o: bool(field(o, "spec", "suspend", default=False))),
        Column("Active", "integer", lambda o: len(field(o, "status", "active", default=[]))),
        Column(
            "Last Schedule",
            "string",
            lambda o: (
                since(field(o, "status", "lastScheduleTime"))
                if field(o, "status", "lastScheduleTime")
                else "<none>"
            ),
        ),
        Column("Age", "string", age),
    ],
}
