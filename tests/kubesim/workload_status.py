"""Status documents of the workload kinds, computed from their Pods (and a Deployment's from
its ReplicaSets) the way kube-controller-manager computes them. Pure.

Pods are available as soon as they are Ready (minReadySeconds is not simulated).
"""

from __future__ import annotations

import math
from typing import Any

from .cluster_index import is_ready, is_terminal
from .timeutil import now_rfc3339

Pods = list[dict[str, Any]]


def cond(kind: str, status: str, reason: str, message: str) -> dict[str, Any]:
    stamp = now_rfc3339()
    return {
        "type": kind,
        "status": status,
        "reason": reason,
        "message": message,
        "lastUpdateTime": stamp,
        "lastTransitionTime": stamp,
    }


def active(pods: Pods) -> Pods:
    """Pods that count: neither finished nor being deleted."""
    return [p for p in pods if not is_terminal(p) and not p["metadata"].get("deletionTimestamp")]


def scaled(value: Any, total: int, round_up: bool) -> int:
    """An IntOrString (`2` or `"25%"`) against a total, as intstr.GetScaledValueFromIntOrPercent."""
    if isinstance(value, str) and value.endswith("%"):
        share = int(value[:-1]) * total / 100
        return math.ceil(share) if round_up else math.floor(share)
    return int(value or 0)


def surge_and_unavailable(deployment: dict[str, Any]) -> tuple[int, int]:
    spec = deployment.get("spec") or {}
    replicas = spec.get("replicas", 1)
    strategy = spec.get("strategy") or {}
    if strategy.get("type") == "Recreate":
        return 0, replicas
    rolling = strategy.get("rollingUpdate") or {}
    surge = scaled(rolling.get("maxSurge", "25%"), replicas, True)
    unavailable = scaled(rolling.get("maxUnavailable", "25%"), replicas, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, min(unavailable, replicas)


def replicaset_status(rs: dict[str, Any], pods: Pods) -> dict[str, Any]:
    live = active(pods)
    ready = sum(1 for p in live if is_ready(p))
    template_labels = (((rs.get("spec") or {}).get("template") or {}).get("metadata") or {}).get(
        "labels"
    ) or {}
    labelled = sum(
        1
        for p in live
        if all((p["metadata"].get("labels") or {}).get(k) == v for k, v in template_labels.items())
    )
    status: dict[str, Any] = {
        "observedGeneration": rs["metadata"].get("generation", 1),
        "replicas": len(live),
        "fullyLabeledReplicas": labelled,
    }
    if ready:
        status.update(readyReplicas=ready, availableReplicas=ready)
    return status


def omit_zero(status: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """Go's `omitempty`: these counters are absent while 0."""
    for field in fields:
        if not status.get(field):
            status.pop(field, None)
    return status


def _spec_replicas(rs: dict[str, Any]) -> int:
    return (rs.get("spec") or {}).get("replicas", 0)


def _status(rs: dict[str, Any], field: str) -> int:
    return (rs.get("status") or {}).get(field, 0)


def deployment_status(
    deployment: dict[str, Any], new_rs: dict[str, Any] | None, all_rs: list[dict[str, Any]]
) -> dict[str, Any]:
    spec = deployment.get("spec") or {}
    replicas = spec.get("replicas", 1)
    available = sum(_status(rs, "availableReplicas") for rs in all_rs)
    updated = _status(new_rs, "replicas") if new_rs else 0
    total = sum(_status(rs, "replicas") for rs in all_rs)
    status: dict[str, Any] = {
        "observedGeneration": deployment["metadata"].get("generation", 1),
        "replicas": total,
        "updatedReplicas": updated,
        "readyReplicas": sum(_status(rs, "readyReplicas") for rs in all_rs),
        "availableReplicas": available,
        "unavailableReplicas": max(sum(_spec_replicas(rs) for rs in all_rs) - available, 0),
    }
    omit_zero(
        status,
        (
            "replicas",
            "updatedReplicas",
            "readyReplicas",
            "availableReplicas",
            "unavailableReplicas",
        ),
    )
    collisions = (deployment.get("status") or {}).get("collisionCount")
    if collisions:
        status["collisionCount"] = collisions
    _, max_unavailable = surge_and_unavailable(deployment)
    if available >= replicas - max_unavailable:
        available_cond = cond(
            "Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability."
        )
    else:
        available_cond = cond(
            "Available",
            "False",
            "MinimumReplicasUnavailable",
            "Deployment does not have minimum availability.",
        )
    rs_name = new_rs["metadata"]["name"] if new_rs else deployment["metadata"]["name"]
    complete = updated == replicas and total == replicas and available == replicas
    if complete:
        progressing = cond(
            "Progressing",
            "True",
            "NewReplicaSetAvailable",
            f'ReplicaSet "{rs_name}" has successfully progressed.',
        )
    else:
        progressing = cond(
            "Progressing", "True", "ReplicaSetUpdated", f'ReplicaSet "{rs_name}" is progressing.'
        )
    status["conditions"] = [available_cond, progressing]
    return status


def statefulset_status(
    sts: dict[str, Any], pods: Pods, update_revision: str, current_revision: str
) -> dict[str, Any]:
    live = active(pods)
    ready = sum(1 for p in live if is_ready(p))

    def at(revision: str) -> int:
        return sum(
            1
            for p in live
            if (p["metadata"].get("labels") or {}).get("controller-revision-hash") == revision
        )

    status: dict[str, Any] = {
        "observedGeneration": sts["metadata"].get("generation", 1),
        "replicas": len(live),
        "currentReplicas": at(current_revision),
        "updatedReplicas": at(update_revision),
        "currentRevision": current_revision,
        "updateRevision": update_revision,
        "collisionCount": 0,
        "availableReplicas": ready,
        "readyReplicas": ready,
    }
    return omit_zero(status, ("currentReplicas", "updatedReplicas", "readyReplicas"))


def daemonset_status(
    ds: dict[str, Any],
    desired: int,
    scheduled: int,
    misscheduled: int,
    ready: int,
    updated: int,
) -> dict[str, Any]:
    status: dict[str, Any] = {
        "observedGeneration": ds["metadata"].get("generation", 1),
        "desiredNumberScheduled": desired,
        "currentNumberScheduled": scheduled,
        "numberMisscheduled": misscheduled,
        "numberReady": ready,
        "updatedNumberScheduled": updated,
    }
    if ready:
        status["numberAvailable"] = ready
    if desired - ready > 0:
        status["numberUnavailable"] = desired - ready
    return status
