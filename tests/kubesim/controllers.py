"""Simulated controllers: workloads turn ready, Jobs finish, PVCs bind, after set delays.

Each controller writes status the way its kube-controller-manager counterpart does (the
fields kstatus, Helm and the operator read), and only when it changes. A new generation
makes a workload not ready again for `workload_delay` seconds. Controllers can be paused
as a whole or switched off one by one.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import logging
import time
from contextvars import Context
from typing import Any

from .api import Api
from .errors import ApiError
from .faults import Faults
from .store import Event, StoreKey
from .timeutil import now_rfc3339
from .workload_status import daemonset_status, deployment_status, statefulset_status

log = logging.getLogger(__name__)
MANAGER = "kube-controller-manager"
KEYS: dict[StoreKey, str] = {
    ("apps", "deployments"): "deployments",
    ("apps", "statefulsets"): "statefulsets",
    ("apps", "daemonsets"): "daemonsets",
    ("batch", "jobs"): "jobs",
    ("", "persistentvolumeclaims"): "pvcs",
}


class Controllers:
    def __init__(
        self,
        api: Api,
        faults: Faults,
        loop: asyncio.AbstractEventLoop,
        workload_delay: float,
        job_delay: float,
    ) -> None:
        self.api = api
        self.faults = faults
        self.loop = loop
        self.workload_delay = workload_delay
        self.job_delay = job_delay
        self.enabled = {name: True for name in KEYS.values()}
        self.paused = False
        # (key, ns, name) -> (uid, generation, first seen at): the clock of a rollout.
        self._seen: dict[tuple[StoreKey, str, str], tuple[str, int, float]] = {}
        api.store.listeners.append(self._on_event)

    # ---- control -------------------------------------------------------------------------
    def pause(self) -> None:
        self.paused = True

    def resume(self) -> None:
        self.paused = False
        self.loop.call_soon_threadsafe(self.resync, context=Context())

    def enable(self, name: str, on: bool = True) -> None:
        if name not in self.enabled:
            raise KeyError(f"no simulated controller {name!r}; known: {sorted(self.enabled)}")
        self.enabled[name] = on
        if on:
            self.loop.call_soon_threadsafe(self.resync, context=Context())

    def resync(self) -> None:
        for key in KEYS:
            items, _ = self.api.store.list(key)
            for obj in items:
                self._reconcile(key, obj["metadata"]["namespace"], obj["metadata"]["name"])

    # ---- plumbing ------------------------------------------------------------------------
    def _on_event(self, event: Event) -> None:
        if event.key in KEYS and event.type != "DELETED":
            meta = event.obj["metadata"]
            # A fresh context: controller writes are not part of the request that woke them.
            self.loop.call_soon_threadsafe(
                self._reconcile, event.key, meta["namespace"], meta["name"], context=Context()
            )
        elif event.type == "DELETED":
            meta = event.obj["metadata"]
            self._seen.pop((event.key, meta.get("namespace", ""), meta["name"]), None)

    def _reconcile(self, key: StoreKey, ns: str, name: str) -> None:
        if self.paused or not self.enabled[KEYS[key]]:
            return
        obj = self.api.store.get(key, ns, name)
        if obj is None or obj["metadata"].get("deletionTimestamp"):
            return
        try:
            getattr(self, "_" + KEYS[key])(key, obj)
        except ApiError as exc:
            if exc.code in (404, 409):
                self.loop.call_later(0.01, self._reconcile, key, ns, name, context=Context())
            else:
                log.warning(
                    "simulated %s controller failed on %s/%s: %s", KEYS[key], ns, name, exc.message
                )

    def _clock(self, key: StoreKey, obj: dict[str, Any], delay: float) -> bool:
        """True once this generation has been rolling out for `delay`; else re-check then."""
        meta = obj["metadata"]
        ident = (key, meta["namespace"], meta["name"])
        generation = meta.get("generation", 1)
        seen = self._seen.get(ident)
        if seen is None or seen[0] != meta["uid"] or seen[1] != generation:
            seen = (meta["uid"], generation, time.monotonic())
            self._seen[ident] = seen
        remaining = delay - (time.monotonic() - seen[2])
        if remaining > 0:
            self.loop.call_later(
                remaining + 0.001,
                self._reconcile,
                key,
                meta["namespace"],
                meta["name"],
                context=Context(),
            )
            return False
        return True

    def _write_status(self, key: StoreKey, obj: dict[str, Any], status: dict[str, Any]) -> None:
        current = obj.get("status") or {}
        status = _keep_transition_times(current, status)
        if status == current:
            return
        rtype = self._rtype(key)
        new = copy.deepcopy(obj)
        new["status"] = status
        self.api.update(
            rtype,
            obj["metadata"]["namespace"],
            obj["metadata"]["name"],
            new,
            manager=MANAGER,
            subresource="status",
        )

    def _rtype(self, key: StoreKey) -> Any:
        versions = self.api.registry.versions_of(*key)
        return versions[0]

    # ---- workloads -----------------------------------------------------------------------
    def _deployments(self, key: StoreKey, obj: dict[str, Any]) -> None:
        ready = self._clock(key, obj, self.workload_delay)
        self._write_status(key, obj, deployment_status(obj, ready))

    def _statefulsets(self, key: StoreKey, obj: dict[str, Any]) -> None:
        self._claims_for(obj)
        ready = self._clock(key, obj, self.workload_delay)
        self._write_status(key, obj, statefulset_status(obj, ready, _revision(obj)))

    def _daemonsets(self, key: StoreKey, obj: dict[str, Any]) -> None:
        ready = self._clock(key, obj, self.workload_delay)
        self._write_status(key, obj, daemonset_status(obj, ready, self._scheduled_nodes(obj)))

    def _scheduled_nodes(self, obj: dict[str, Any]) -> int:
        selector = (((obj.get("spec") or {}).get("template") or {}).get("spec") or {}).get(
            "nodeSelector"
        ) or {}
        nodes, _ = self.api.store.list(("", "nodes"))
        return sum(
            1
            for n in nodes
            if all((n["metadata"].get("labels") or {}).get(k) == v for k, v in selector.items())
        )

    def _claims_for(self, sts: dict[str, Any]) -> None:
        """PVCs `<template>-<sts>-<ordinal>`, as the StatefulSet controller creates them."""
        spec = sts.get("spec") or {}
        meta = sts["metadata"]
        pvc_type = self.api.registry.get("", "v1", "persistentvolumeclaims")
        assert pvc_type is not None
        policy = (spec.get("persistentVolumeClaimRetentionPolicy") or {}).get(
            "whenDeleted", "Retain"
        )
        selector_labels = (spec.get("selector") or {}).get("matchLabels") or {}
        for ordinal in range(spec.get("replicas", 1)):
            for template in spec.get("volumeClaimTemplates") or []:
                name = f"{template['metadata']['name']}-{meta['name']}-{ordinal}"
                if self.api.store.get(pvc_type.store_key, meta["namespace"], name) is not None:
                    continue
                labels = {**(template["metadata"].get("labels") or {}), **selector_labels}
                claim: dict[str, Any] = {
                    "apiVersion": "v1",
                    "kind": "PersistentVolumeClaim",
                    "metadata": {"name": name, "namespace": meta["namespace"], "labels": labels},
                    "spec": copy.deepcopy(template.get("spec") or {}),
                }
                if policy == "Delete":
                    claim["metadata"]["ownerReferences"] = [
                        {
                            "apiVersion": "apps/v1",
                            "kind": "StatefulSet",
                            "name": meta["name"],
                            "uid": meta["uid"],
                            "controller": True,
                            "blockOwnerDeletion": True,
                        }
                    ]
                self.api.create(pvc_type, meta["namespace"], claim, manager=MANAGER)

    # ---- jobs ----------------------------------------------------------------------------
    def _jobs(self, key: StoreKey, obj: dict[str, Any]) -> None:
        status = copy.deepcopy(obj.get("status") or {})
        spec = obj.get("spec") or {}
        if any(
            c.get("type") in ("Complete", "Failed") and c.get("status") == "True"
            for c in status.get("conditions") or []
        ) or spec.get("suspend"):
            return
        status.setdefault("startTime", now_rfc3339())
        if not self._clock(key, obj, self.job_delay):
            status.update({"active": spec.get("parallelism", 1), "ready": 0, "terminating": 0})
            self._write_status(key, obj, status)
            return
        stamp = now_rfc3339()
        status.pop("active", None)
        status.update({"ready": 0, "terminating": 0})
        if self.faults.job_should_fail(obj["metadata"]["name"]):
            message = "Job has reached the specified backoff limit"
            status["failed"] = spec.get("backoffLimit", 6) + 1
            status["conditions"] = [
                _condition("FailureTarget", "BackoffLimitExceeded", message, stamp),
                _condition("Failed", "BackoffLimitExceeded", message, stamp),
            ]
        else:
            status["succeeded"] = spec.get("completions", 1)
            status["completionTime"] = stamp
            status["conditions"] = [
                _condition(
                    "SuccessCriteriaMet",
                    "CompletionsReached",
                    "Reached expected number of succeeded pods",
                    stamp,
                ),
                _condition(
                    "Complete",
                    "CompletionsReached",
                    "Reached expected number of succeeded pods",
                    stamp,
                ),
            ]
        self._write_status(key, obj, status)

    # ---- claims --------------------------------------------------------------------------
    def _pvcs(self, key: StoreKey, obj: dict[str, Any]) -> None:
        if (obj.get("status") or {}).get("phase") == "Bound":
            return
        rtype = self._rtype(key)
        meta = obj["metadata"]
        spec = obj.get("spec") or {}
        if not spec.get("volumeName"):
            new = copy.deepcopy(obj)
            new["spec"]["volumeName"] = f"pvc-{meta['uid']}"
            obj = self.api.update(rtype, meta["namespace"], meta["name"], new, manager=MANAGER)
        storage = ((spec.get("resources") or {}).get("requests") or {}).get("storage")
        status = {"phase": "Bound", "accessModes": spec.get("accessModes") or ["ReadWriteOnce"]}
        if storage:
            status["capacity"] = {"storage": storage}
        self._write_status(key, obj, status)


def _condition(kind: str, reason: str, message: str, stamp: str) -> dict[str, Any]:
    return {
        "type": kind,
        "status": "True",
        "reason": reason,
        "message": message,
        "lastProbeTime": stamp,
        "lastTransitionTime": stamp,
    }


def _revision(obj: dict[str, Any]) -> str:
    template = json.dumps((obj.get("spec") or {}).get("template"), sort_keys=True)
    return f"{obj['metadata']['name']}-{hashlib.sha256(template.encode()).hexdigest()[:10]}"


def _keep_transition_times(current: dict[str, Any], status: dict[str, Any]) -> dict[str, Any]:
    """A condition keeps lastTransitionTime while its status holds, and its other timestamps
    while nothing about it changes, so that unchanged status compares equal."""
    before = {c.get("type"): c for c in current.get("conditions") or []}
    for cond in status.get("conditions") or []:
        old = before.get(cond["type"])
        if old is None:
            continue
        if old.get("status") == cond.get("status") and "lastTransitionTime" in old:
            cond["lastTransitionTime"] = old["lastTransitionTime"]
        if all(old.get(k) == cond.get(k) for k in ("status", "reason", "message")):
            for stamp in ("lastUpdateTime", "lastProbeTime"):
                if stamp in old:
                    cond[stamp] = old[stamp]
    return status
