"""Readiness of a release from its workloads. Pure: live objects in, a verdict out.

What a release owns comes from Helm's own record of it (manifest and hooks), not from label
guesses, so a workload that was deleted shows up as missing rather than silently uncounted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from osprey.releases import DeployedRelease
from osprey.waiting import job_failure

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job")
INSTALL_HOOK_EVENTS = frozenset({"pre-install", "post-install", "pre-upgrade", "post-upgrade"})

LiveObjects = Mapping[tuple[str, str], Mapping[str, Any]]
"""Live objects of the namespace by (kind, name)."""


@dataclass(frozen=True)
class WorkloadState:
    kind: str
    name: str
    ready: bool
    failed: bool = False
    missing: bool = False
    detail: str = ""
    waiting: str = ""  # why, in its pods' words (waiting.py), when it is not ready
    stuck: bool = False  # that reason will not go by itself (not just a pod starting)

    @property
    def ref(self) -> str:
        return f"{self.kind}/{self.name}"

    @property
    def described(self) -> str:
        text = f"{self.ref} {self.detail}"
        return f"{text}: {self.waiting}" if self.waiting else text


@dataclass(frozen=True)
class ReleaseHealth:
    """How far a release's workloads are from ready."""

    workloads: tuple[WorkloadState, ...] = field(default=())

    @property
    def desired(self) -> int:
        return len(self.workloads)

    @property
    def ready(self) -> int:
        return sum(w.ready for w in self.workloads)

    @property
    def is_ready(self) -> bool:
        return self.ready == self.desired

    @property
    def failed(self) -> tuple[WorkloadState, ...]:
        return tuple(w for w in self.workloads if w.failed)

    @property
    def missing(self) -> tuple[WorkloadState, ...]:
        return tuple(w for w in self.workloads if w.missing)

    def with_reasons(
        self, reasons: Mapping[tuple[str, str], tuple[str, bool]]
    ) -> ReleaseHealth:
        """The same verdict, each waiting workload with why it waits: (reason, stuck)."""
        return ReleaseHealth(tuple(
            replace(w, waiting=reasons[(w.kind, w.name)][0], stuck=reasons[(w.kind, w.name)][1])
            if not w.ready and (w.kind, w.name) in reasons else w
            for w in self.workloads))

    @property
    def message(self) -> str:
        """The first problems, naming each workload, for status messages."""
        return _listed([w for w in self.workloads if not w.ready])

    @property
    def stuck_message(self) -> str:
        """Only the workloads whose pods will not start by themselves ("" when none): what a
        running helm operation waits on in vain."""
        return _listed([w for w in self.workloads if not w.ready and w.stuck])


def _listed(waiting: list[WorkloadState]) -> str:
    parts = [w.described for w in waiting[:3]]
    if len(waiting) > 3:
        parts.append(f"and {len(waiting) - 3} more")
    return "; ".join(parts)


def _generation_observed(obj: Mapping[str, Any]) -> bool:
    status = obj.get("status") or {}
    return status.get("observedGeneration", 0) >= obj["metadata"].get("generation", 0)


def _condition(obj: Mapping[str, Any], type_: str) -> Mapping[str, Any] | None:
    for cond in (obj.get("status") or {}).get("conditions") or ():
        if cond.get("type") == type_:
            return cond
    return None


def workload_state(kind: str, name: str, obj: Mapping[str, Any] | None, *, hook: bool) -> WorkloadState:
    """The readiness of one workload; `hook` Jobs may be gone once they have succeeded."""
    if obj is None:
        if hook and kind == "Job":
            return WorkloadState(kind, name, ready=True, detail="completed and removed")
        return WorkloadState(kind, name, ready=False, missing=True, detail="is missing")
    if obj["metadata"].get("deletionTimestamp"):
        return WorkloadState(kind, name, ready=False, detail="is being deleted")
    status = obj.get("status") or {}
    if kind == "Job":
        if failure := job_failure(obj):
            return WorkloadState(kind, name, ready=False, failed=True, detail=f"failed: {failure}")
        complete = _condition(obj, "Complete")
        if complete and complete.get("status") == "True":
            return WorkloadState(kind, name, ready=True)
        return WorkloadState(kind, name, ready=False, detail="is running")
    if not _generation_observed(obj):
        return WorkloadState(kind, name, ready=False, detail="has a rollout not yet observed")
    if kind == "DaemonSet":
        desired = status.get("desiredNumberScheduled", 0)
        ready = status.get("numberReady", 0)
        updated = status.get("updatedNumberScheduled", 0)
        ok = ready >= desired and updated >= desired
        return WorkloadState(kind, name, ready=ok, detail=f"has {ready}/{desired} pods ready")
    spec = obj.get("spec") or {}
    wanted = spec.get("replicas", 1)
    if kind == "Deployment":
        return _deployment_state(name, wanted, status)
    return _statefulset_state(name, wanted, spec, status)


def _deployment_state(name: str, wanted: int, status: Mapping[str, Any]) -> WorkloadState:
    """Ready as `kubectl rollout status` sees it: every replica updated and available, and no
    pod of an older ReplicaSet left (mid-rollout the old pod is the one that serves)."""
    available = status.get("availableReplicas", 0) or 0
    updated = status.get("updatedReplicas", 0) or 0
    old = (status.get("replicas", 0) or 0) - updated
    if old > 0 and updated >= wanted:
        plural = "s" if old > 1 else ""
        return WorkloadState("Deployment", name, ready=False,
                             detail=f"has {old} old replica{plural} pending termination")
    ok = available >= wanted and updated >= wanted
    return WorkloadState("Deployment", name, ready=ok,
                         detail=f"has {available}/{wanted} replicas ready")


def _statefulset_state(
    name: str, wanted: int, spec: Mapping[str, Any], status: Mapping[str, Any]
) -> WorkloadState:
    """Ready pods, all of the update revision. kube omits `updatedReplicas` while it is 0;
    with the OnDelete strategy pods change revision only when deleted, so readiness alone."""
    ready = status.get("readyReplicas", 0) or 0
    if ready < wanted:
        return WorkloadState("StatefulSet", name, ready=False,
                             detail=f"has {ready}/{wanted} replicas ready")
    strategy = spec.get("updateStrategy") or {}
    partition = (strategy.get("rollingUpdate") or {}).get("partition", 0) or 0
    updated = status.get("updatedReplicas", 0) or 0
    rolled = (status.get("currentRevision") == status.get("updateRevision")
              or updated >= wanted - partition)
    if strategy.get("type", "RollingUpdate") == "RollingUpdate" and not rolled:
        return WorkloadState("StatefulSet", name, ready=False,
                             detail=f"has {updated}/{wanted} replicas updated")
    return WorkloadState("StatefulSet", name, ready=True,
                         detail=f"has {ready}/{wanted} replicas ready")


def _workload_refs(objects: Iterable[Mapping[str, Any]]) -> list[tuple[str, str]]:
    return [
        (o["kind"], o["metadata"]["name"])
        for o in objects
        if o.get("kind") in WORKLOAD_KINDS and o.get("metadata", {}).get("name")
    ]


def is_install_hook(obj: Mapping[str, Any]) -> bool:
    """Hooks that run on install or upgrade; test and delete hooks say nothing of readiness."""
    events = (obj.get("metadata", {}).get("annotations") or {}).get("helm.sh/hook", "")
    return any(e.strip() in INSTALL_HOOK_EVENTS for e in events.split(","))


def release_health(release: DeployedRelease, live: LiveObjects) -> ReleaseHealth:
    """Readiness of every workload a deployed release owns, hooks included."""
    states = [
        workload_state(kind, name, live.get((kind, name)), hook=False)
        for kind, name in _workload_refs(release.manifest)
    ]
    states += [
        workload_state(kind, name, live.get((kind, name)), hook=True)
        for kind, name in _workload_refs(h for h in release.hooks if is_install_hook(h))
    ]
    return ReleaseHealth(tuple(states))
