"""Surgical healing: put back what a release owns, from Helm's own record of the release.

A `helm upgrade` of an OpenStack-Helm chart re-runs all its db-init/db-sync/keystone hook Jobs,
so a deleted Deployment or a failed Job is restored here instead: the object is re-applied
from the release's stored manifest, carrying the labels and annotations Helm itself puts on
the objects it manages, so that the next helm upgrade owns it as before.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from osprey.drift import Drift, Key, judge
from osprey.health import ReleaseHealth
from osprey.kube import Kube, KubeError, Resource, resource
from osprey.narrowing import STAMP, STAMPED_KINDS
from osprey.releases import DeployedRelease
from osprey.waiting import job_failure

log = logging.getLogger(__name__)

# Helm's field manager: objects we restore stay owned by the same manager as Helm's own
# applies, so the next `helm upgrade` meets no field ownership conflicts.
HELM_FIELD_MANAGER = "helm"


@dataclass(frozen=True)
class Repair:
    ref: str  # Kind/name
    reason: str  # metric label: missing_object | failed_job


def helm_owned(obj: Mapping[str, Any], release: DeployedRelease) -> dict[str, Any]:
    """The manifest object as Helm applies it: namespaced, with Helm's ownership marks, and
    without the nulls rendered manifests carry (`annotations: null`), which the API server
    drops."""
    owned = _without_nulls(obj)
    meta = owned.setdefault("metadata", {})
    meta["namespace"] = release.namespace
    meta["labels"] = {**(meta.get("labels") or {}), "app.kubernetes.io/managed-by": "Helm"}
    if owned.get("kind") in STAMPED_KINDS:  # listed and watched by this label (narrowing.py)
        meta["labels"].update(STAMP)
    meta["annotations"] = {
        **(meta.get("annotations") or {}),
        "meta.helm.sh/release-name": release.name,
        "meta.helm.sh/release-namespace": release.namespace,
    }
    return owned


def _without_nulls(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def _find(release: DeployedRelease, kind: str, name: str) -> Mapping[str, Any] | None:
    for obj in release.objects:
        if obj.get("kind") == kind and obj.get("metadata", {}).get("name") == name:
            return obj
    return None


async def restore(
    kube: Kube,
    release: DeployedRelease,
    health: ReleaseHealth,
    drift: tuple[Drift, ...],
    settled: Mapping[Key, str] | None = None,
) -> tuple[list[Repair], dict[Key, str]]:
    """Re-run failed Jobs and put back missing or modified objects of one release.

    What the pass saw may come from the watch cache, which lags behind the API server's
    storage (most under load, and most right after a helm operation, whose record the pass
    read back from the API server): each object is read again (one GET) and repaired only if
    it is still broken, judged as the pass judged it (`settled`: the versions our earlier
    repairs left). Returns what was repaired, and the resourceVersion each re-applied object
    was left at (so that a field the API server itself rewrites is not "repaired" forever).
    """
    repairs: list[Repair] = []
    left_at: dict[Key, str] = {}
    for state in health.failed:
        obj = _find(release, state.kind, state.name)
        if obj is not None and await _still_failed(kube, release.namespace, state.name):
            await _replace_job(kube, release, obj)
            repairs.append(Repair(state.ref, "failed_job"))
    for item in drift:
        if item.patch is not None:
            await kube.merge_patch(resource(item.kind), release.namespace, item.name, item.patch)
            repairs.append(Repair(item.ref, "expanded_claim"))
            continue
        obj = _find(release, item.kind, item.name)
        if obj is None or any(r.ref == item.ref for r in repairs):
            continue
        live = await kube.get(resource(item.kind), release.namespace, item.name)
        now = judge(obj, live, item.ignored, (settled or {}).get((item.kind, item.name)))
        if now is None:  # the pass saw an older version: this one is as rendered
            continue
        reason = "missing_object" if now.missing else "modified_object"
        if item.kind == "Job" and not now.missing:
            # A Job's pod template is immutable: a modified Job is replaced, not patched.
            await _replace_job(kube, release, obj)
        else:
            applied = await kube.apply(helm_owned(obj, release), release.namespace,
                                       manager=HELM_FIELD_MANAGER)
            left_at[(item.kind, item.name)] = applied["metadata"].get("resourceVersion", "")
        repairs.append(Repair(item.ref, reason))
    for repair in repairs:
        log.info("restored %s of release %s/%s (%s)", repair.ref, release.namespace,
                 release.name, repair.reason)
    return repairs, left_at


async def _still_failed(kube: Kube, namespace: str, name: str) -> bool:
    job = await kube.get(resource("Job"), namespace, name)
    return job is not None and not job["metadata"].get("deletionTimestamp") and bool(
        job_failure(job))


async def _replace_job(kube: Kube, release: DeployedRelease, obj: Mapping[str, Any]) -> None:
    name = obj["metadata"]["name"]
    await kube.delete(resource("Job"), release.namespace, name, propagation="Foreground")
    await wait_gone(kube, resource("Job"), release.namespace, name, timeout=5.0)
    await kube.create(resource("Job"), release.namespace, helm_owned(obj, release))


async def wait_gone(
    kube: Kube, res: Resource, namespace: str, name: str, *, timeout: float
) -> None:
    """Until a deleted object is gone (a Foreground deletion waits for its pods); a 409 when
    it outlives `timeout`, so the caller backs off and tries again."""
    deadline = time.monotonic() + timeout
    interval = 0.05
    while await kube.get(res, namespace, name) is not None:
        if time.monotonic() > deadline:
            raise KubeError(409, "Conflict", f"{res.kind} {namespace}/{name} is still being "
                            f"deleted after {timeout:.0f}s")
        await asyncio.sleep(interval)
        interval = min(1.0, interval * 2)
