"""Status documents of Deployments, StatefulSets and DaemonSets, ready or rolling out, with
the fields kstatus checks (observedGeneration, replica counts, conditions, revisions)."""

from __future__ import annotations

from typing import Any

from .timeutil import now_rfc3339


def _cond(kind: str, status: str, reason: str, message: str) -> dict[str, Any]:
    stamp = now_rfc3339()
    return {
        "type": kind,
        "status": status,
        "reason": reason,
        "message": message,
        "lastUpdateTime": stamp,
        "lastTransitionTime": stamp,
    }


def _replicas(obj: dict[str, Any]) -> int:
    return (obj.get("spec") or {}).get("replicas", 1)


def deployment_status(obj: dict[str, Any], ready: bool) -> dict[str, Any]:
    name, replicas = obj["metadata"]["name"], _replicas(obj)
    status: dict[str, Any] = {
        "observedGeneration": obj["metadata"].get("generation", 1),
        "replicas": replicas,
        "updatedReplicas": replicas,
    }
    if ready:
        if replicas:
            status.update(readyReplicas=replicas, availableReplicas=replicas)
        status["conditions"] = [
            _cond(
                "Available",
                "True",
                "MinimumReplicasAvailable",
                "Deployment has minimum availability.",
            ),
            _cond(
                "Progressing",
                "True",
                "NewReplicaSetAvailable",
                f'ReplicaSet "{name}" has successfully progressed.',
            ),
        ]
    else:
        status["unavailableReplicas"] = replicas
        status["conditions"] = [
            _cond(
                "Available",
                "False",
                "MinimumReplicasUnavailable",
                "Deployment does not have minimum availability.",
            ),
            _cond(
                "Progressing", "True", "ReplicaSetUpdated", f'ReplicaSet "{name}" is progressing.'
            ),
        ]
    return status


def statefulset_status(obj: dict[str, Any], ready: bool, revision: str) -> dict[str, Any]:
    replicas = _replicas(obj)
    previous = (obj.get("status") or {}).get("currentRevision", revision)
    status: dict[str, Any] = {
        "observedGeneration": obj["metadata"].get("generation", 1),
        "replicas": replicas,
        "collisionCount": 0,
        "updateRevision": revision,
    }
    if ready:
        status.update(currentRevision=revision, currentReplicas=replicas, updatedReplicas=replicas)
        if replicas:
            status.update(readyReplicas=replicas, availableReplicas=replicas)
    else:
        status.update(
            currentRevision=previous,
            currentReplicas=replicas if previous == revision else 0,
            updatedReplicas=0 if previous != revision else replicas,
        )
    return status


def daemonset_status(obj: dict[str, Any], ready: bool, nodes: int) -> dict[str, Any]:
    status: dict[str, Any] = {
        "observedGeneration": obj["metadata"].get("generation", 1),
        "desiredNumberScheduled": nodes,
        "currentNumberScheduled": nodes,
        "numberMisscheduled": 0,
        "updatedNumberScheduled": nodes,
        "numberReady": nodes if ready else 0,
    }
    if ready:
        status["numberAvailable"] = nodes
    elif nodes:
        status["numberUnavailable"] = nodes
    return status
