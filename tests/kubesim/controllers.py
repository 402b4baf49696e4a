"""Simulated controllers: kube-controller-manager's workload controllers, kube-scheduler and
the kubelets, event driven.

Every store event marks the objects it concerns dirty (a Pod marks its owner, a Node every
DaemonSet and every unscheduled Pod); dirty objects are reconciled once per turn of the
server loop, so a burst of writes costs one reconcile per object. Timers are armed only for
pods waiting to start. Controllers can be paused as a whole or switched off one by one;
resuming resyncs everything.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from collections.abc import Callable
from contextvars import Context
from typing import Any

from .api import Api
from .certmanager import WATCHED as CERT_MANAGER_KINDS
from .certmanager import CertManager
from .claims import ClaimBinder
from .cluster_index import NAMESPACES, NODES, PODS, REPLICASETS, ClusterIndex, controller_ref
from .daemonsets import DaemonSets
from .deployments import Deployments, ReplicaSets
from .errors import ApiError
from .events import EventRecorder
from .faults import Faults
from .jobs import Jobs
from .kubelet import Kubelet, PodGarbageCollector
from .resources import ResourceType
from .rootca import ROOT_CA_CONFIGMAP, RootCAPublisher
from .scheduler import Scheduler
from .statefulsets import StatefulSets
from .store import Event, ObjKey, StoreKey

log = logging.getLogger(__name__)
MANAGER = "kube-controller-manager"
# Workload kinds and the controller that reconciles each; Pods wake their owner's.
WORKLOADS: dict[StoreKey, str] = {
    ("apps", "deployments"): "deployments",
    REPLICASETS: "replicasets",
    ("apps", "statefulsets"): "statefulsets",
    ("apps", "daemonsets"): "daemonsets",
    ("batch", "jobs"): "jobs",
}
OWNER_KINDS = {
    "ReplicaSet": "replicasets",
    "StatefulSet": "statefulsets",
    "DaemonSet": "daemonsets",
    "Job": "jobs",
    "Deployment": "deployments",
}
CLAIMS: StoreKey = ("", "persistentvolumeclaims")
CONFIGMAPS: StoreKey = ("", "configmaps")


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
        self.index = ClusterIndex()
        self.events = EventRecorder(api)
        self.paused = False
        self._handlers: dict[str, Callable[[str, str], None]] = {
            "deployments": Deployments(self).reconcile,
            "replicasets": ReplicaSets(self).reconcile,
            "statefulsets": StatefulSets(self).reconcile,
            "daemonsets": DaemonSets(self).reconcile,
            "jobs": Jobs(self).reconcile,
            "scheduler": Scheduler(self).reconcile,
            "kubelet": (kubelet := Kubelet(self)).reconcile,
            "podgc": PodGarbageCollector(self).reconcile,
            "pvcs": ClaimBinder(self).reconcile,
            "root-ca-cert-publisher": RootCAPublisher(self).reconcile,
            "cert-manager-ingress-shim": (certs := CertManager(self)).reconcile_ingress,
            "cert-manager-issuers": certs.reconcile_issuer,
            "cert-manager-certificates": certs.reconcile_certificate,
        }
        self.cert_manager = certs
        self.kubelet = kubelet
        self.enabled = {name: True for name in self._handlers}
        self._dirty: dict[str, set[ObjKey]] = {name: set() for name in self._handlers}
        self._scheduled = False
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
        """Mark everything dirty, as informers' resync does."""
        with self.api.store.lock:
            for key, name in WORKLOADS.items():
                for obj in self.api.store.items(key):
                    self.enqueue(name, _ident(obj))
            for obj in self.api.store.items(CLAIMS):
                self.enqueue("pvcs", _ident(obj))
            for ident in list(self.index.unscheduled):
                self.enqueue("scheduler", ident)
            for pod in list(self.index.objects[PODS].values()):
                self.enqueue("kubelet", _ident(pod))
            for ns in list(self.index.namespaces):
                self.enqueue("root-ca-cert-publisher", (ns, ""))
            self.cert_manager.resync()

    # ---- the queue -----------------------------------------------------------------------
    def enqueue(self, name: str, ident: ObjKey) -> None:
        self._dirty[name].add(ident)
        if not self._scheduled:
            self._scheduled = True
            # A fresh context: controller writes are not part of the request that woke them.
            self.loop.call_soon_threadsafe(self._drain, context=Context())

    def enqueue_later(self, delay: float, name: str, ident: ObjKey) -> None:
        self.loop.call_later(delay, self.enqueue, name, ident, context=Context())

    def _drain(self) -> None:
        with self.api.store.lock:
            self._scheduled = False
            batch = {name: idents for name, idents in self._dirty.items() if idents}
            self._dirty = {name: set() for name in self._handlers}
        if self.paused:
            return
        for name, idents in batch.items():
            if not self.enabled[name]:
                continue
            for ns, obj_name in sorted(idents):
                try:
                    self._handlers[name](ns, obj_name)
                except ApiError as exc:
                    if exc.reason == "AlreadyExists":
                        # Someone else's object in the way: retried, but not in a tight loop.
                        self.enqueue_later(1.0, name, (ns, obj_name))
                    elif exc.code in (404, 409):
                        self.enqueue_later(0.01, name, (ns, obj_name))
                    elif exc.code == 403:
                        log.debug("simulated %s controller: %s", name, exc.message)
                    else:
                        log.warning(
                            "simulated %s controller failed on %s/%s: %s",
                            name,
                            ns,
                            obj_name,
                            exc.message,
                        )
                except Exception:  # a simulator bug: loud, and the other objects still run
                    log.exception("simulated %s controller crashed on %s/%s", name, ns, obj_name)

    # ---- store events --------------------------------------------------------------------
    def _on_event(self, event: Event) -> None:
        self.index.observe(event)
        key, obj = event.key, event.obj
        ident = _ident(obj)
        if key in WORKLOADS:
            if event.type != "DELETED":
                self.enqueue(WORKLOADS[key], ident)
            if key == REPLICASETS:
                self._wake_owner(event)
        elif key == PODS:
            self._on_pod(event, ident)
        elif key == NODES:
            for ds in self.api.store.items(("apps", "daemonsets")):
                self.enqueue("daemonsets", _ident(ds))
            self._retry_unscheduled()
            if event.type == "DELETED":
                self.enqueue("podgc", ("", obj["metadata"]["name"]))
        elif key == CLAIMS and event.type != "DELETED":
            self.enqueue("pvcs", ident)
        elif key == NAMESPACES and event.type != "DELETED":
            self.enqueue("root-ca-cert-publisher", (obj["metadata"]["name"], ""))
        elif key == CONFIGMAPS and obj["metadata"]["name"] == ROOT_CA_CONFIGMAP:
            self.enqueue("root-ca-cert-publisher", (ident[0], ""))
        if key in CERT_MANAGER_KINDS:
            self.cert_manager.on_event(key, event.type, obj)

    def _wake_owner(self, event: Event) -> None:
        for version in (event.obj, event.old):
            ref = controller_ref(version)
            if ref is not None and ref.get("kind") in OWNER_KINDS:
                self.enqueue(OWNER_KINDS[ref["kind"]], (event.namespace, ref["name"]))

    def _on_pod(self, event: Event, ident: ObjKey) -> None:
        self._wake_owner(event)
        obj, old = event.obj, event.old
        node = (obj.get("spec") or {}).get("nodeName")
        was_bound = bool(((old or {}).get("spec") or {}).get("nodeName"))
        if event.type == "DELETED":
            self.kubelet.forget(obj)
            if was_bound:
                self._retry_unscheduled()
            return
        if ident in self.index.unscheduled:
            self.enqueue("scheduler", ident)
        elif node:
            self.enqueue("kubelet", ident)
            if not was_bound:
                self._retry_unscheduled()

    def _retry_unscheduled(self) -> None:
        for ident in self.index.unscheduled:
            self.enqueue("scheduler", ident)

    # ---- writes shared by the controllers ------------------------------------------------
    def rtype(self, key: StoreKey) -> ResourceType:
        versions = self.api.registry.versions_of(*key)
        return versions[0]

    def create(self, key: StoreKey, ns: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.api.create(self.rtype(key), ns, body, manager=MANAGER)

    def update(
        self, key: StoreKey, obj: dict[str, Any], *, manager: str = MANAGER, subresource: str = ""
    ) -> dict[str, Any]:
        """Write `obj` (read earlier: its resourceVersion guards against lost updates)."""
        meta = obj["metadata"]
        return self.api.update(
            self.rtype(key),
            meta.get("namespace", ""),
            meta["name"],
            obj,
            manager=manager,
            subresource=subresource,
        )

    def delete(self, key: StoreKey, obj: dict[str, Any]) -> None:
        from .deletion import delete

        meta = obj["metadata"]
        delete(
            self.api,
            self.rtype(key),
            meta.get("namespace", ""),
            meta["name"],
            {"preconditions": {"uid": meta["uid"]}},
            policy="Background",
        )

    def write_status(
        self, key: StoreKey, obj: dict[str, Any], status: dict[str, Any], *, manager: str = MANAGER
    ) -> None:
        """Write status only when it differs (conditions keep their timestamps)."""
        current = obj.get("status") or {}
        status = keep_transition_times(current, status)
        if status == current:
            return
        # Shallow: api.update copies the body it is given.
        self.update(key, {**obj, "status": status}, manager=manager, subresource="status")

    def adopt(
        self, key: StoreKey, owner: dict[str, Any], accept: Callable[[dict[str, Any]], bool]
    ) -> None:
        """Take over orphans the owner's selector matches (after an orphaning delete)."""
        from .pods import owner_reference
        from .scheduling import selector_matches

        selector = (owner.get("spec") or {}).get("selector")
        for orphan in self.index.orphans_in(owner["metadata"]["namespace"], key):
            meta = orphan["metadata"]
            if meta.get("deletionTimestamp") or not selector_matches(selector, meta.get("labels")):
                continue
            if not accept(orphan):
                continue
            new = copy.deepcopy(orphan)
            refs = new["metadata"].setdefault("ownerReferences", [])
            refs.append(owner_reference(owner))
            self.update(key, new)


def _ident(obj: dict[str, Any]) -> ObjKey:
    return (obj["metadata"].get("namespace", ""), obj["metadata"]["name"])


def keep_transition_times(current: dict[str, Any], status: dict[str, Any]) -> dict[str, Any]:
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
