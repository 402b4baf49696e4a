"""Garbage collection and termination: owner references (background, foreground, orphan),
namespace deletion, and CRD cleanup.

Event-driven like kube-controller-manager's collector: an index of dependents by owner uid
is kept from the store's events, and only the objects an event concerns are re-examined,
after each burst of writes, on the server loop.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from contextvars import Context
from typing import Any

from . import crds
from .api import Api
from .deletion import FOREGROUND, ORPHAN, delete, finish_namespace
from .errors import ApiError
from .resources import ResourceType
from .store import Event, StoreKey

log = logging.getLogger(__name__)
MANAGER = "generic-garbage-collector"
CRD_KEY = ("apiextensions.k8s.io", "customresourcedefinitions")
NS_KEY = ("", "namespaces")
Ident = tuple[StoreKey, str, str]  # (store key, namespace, name)


def _owner_uids(obj: dict[str, Any] | None) -> set[str]:
    refs = ((obj or {}).get("metadata") or {}).get("ownerReferences") or []
    return {r.get("uid", "") for r in refs}


class GarbageCollector:
    def __init__(self, api: Api, loop: asyncio.AbstractEventLoop) -> None:
        self.api = api
        self.loop = loop
        self.enabled = True
        self._dependents: dict[str, set[Ident]] = {}
        self._pending: set[Ident] = set()
        self._scheduled = False
        api.store.listeners.append(self._on_event)

    # ---- event intake (runs under the store lock, on any thread) ------------------------
    def _on_event(self, event: Event) -> None:
        meta = event.obj["metadata"]
        ident = (event.key, meta.get("namespace", ""), meta["name"])
        before = _owner_uids(event.old)
        after = set() if event.type == "DELETED" else _owner_uids(event.obj)
        for uid in before - after:
            self._dependents.get(uid, set()).discard(ident)
        for uid in after:
            self._dependents.setdefault(uid, set()).add(ident)
        if event.type == "DELETED":
            self._pending |= self._dependents.pop(meta["uid"], set())
            for uid in before:
                where = self.api.store.locate(uid)
                if where is not None:
                    self._pending.add((where[0], *where[1]))
            if meta.get("namespace"):
                self._pending.add((NS_KEY, "", meta["namespace"]))
            if event.key == CRD_KEY:
                crds.unregister(self.api.registry, event.obj)
            elif (
                self.api.registry.versions_of(*event.key)
                and self.api.registry.versions_of(*event.key)[0].is_custom
            ):
                self._pending.add((CRD_KEY, "", f"{event.key[1]}.{event.key[0]}"))
        else:
            self._pending.add(ident)
        if not self._scheduled:
            self._scheduled = True
            self.loop.call_soon_threadsafe(self._run, context=Context())

    @staticmethod
    def _ident(key: StoreKey, obj: dict[str, Any]) -> Ident:
        return (key, obj["metadata"].get("namespace", ""), obj["metadata"]["name"])

    def _run(self) -> None:
        with self.api.store.lock:
            self._scheduled = False
            if not self.enabled:
                return
            pending, self._pending = self._pending, set()
        for ident in sorted(pending):
            try:
                self._process(ident)
            except ApiError as exc:
                log.warning("garbage collection of %s failed: %s", ident, exc.message)

    def pause(self) -> None:
        """Stop collecting; events keep being indexed and are handled on resume."""
        self.enabled = False

    def resume(self) -> None:
        self.enabled = True
        self.loop.call_soon_threadsafe(self._run, context=Context())

    # ---- decisions ----------------------------------------------------------------------
    def _rtype(self, key: StoreKey) -> ResourceType | None:
        versions = self.api.registry.versions_of(*key)
        preferred = [t for t in versions if t.version == t.storage_version]
        return (preferred or versions or [None])[0]

    def _process(self, ident: Ident) -> None:
        key, ns, name = ident
        with self.api.store.lock:
            obj = self.api.store.peek(key, ns, name)
            if obj is None:
                return
            meta = obj["metadata"]
            if meta.get("deletionTimestamp"):
                deps = [
                    (d[0], o)
                    for d in sorted(self._dependents.get(meta["uid"], set()))
                    if (o := self.api.store.peek(*d)) is not None
                ]
                self._finalize(key, obj, deps)
            elif meta.get("ownerReferences") and not any(
                self.api.store.has_uid(uid) for uid in _owner_uids(obj)
            ):
                self._delete(key, obj, "Background")

    def _delete(self, key: StoreKey, obj: dict[str, Any], policy: str) -> None:
        rtype = self._rtype(key)
        if rtype is None:
            return
        meta = obj["metadata"]
        try:
            delete(self.api, rtype, meta.get("namespace", ""), meta["name"], {}, policy=policy)
        except ApiError as exc:
            if exc.code != 404:
                raise

    def _write(self, key: StoreKey, old: dict[str, Any], new: dict[str, Any]) -> None:
        rtype = self._rtype(key)
        if rtype is not None:
            self.api._commit(rtype, old, new, manager=MANAGER)

    def _drop_finalizer(self, key: StoreKey, obj: dict[str, Any], finalizer: str) -> None:
        new = copy.deepcopy(obj)
        new["metadata"]["finalizers"] = [f for f in new["metadata"]["finalizers"] if f != finalizer]
        self._write(key, obj, new)

    def _finalize(
        self, key: StoreKey, obj: dict[str, Any], deps: list[tuple[StoreKey, dict[str, Any]]]
    ) -> None:
        meta = obj["metadata"]
        finalizers = meta.get("finalizers") or []
        if ORPHAN in finalizers:
            for dep_key, dep in deps:
                new = copy.deepcopy(dep)
                new["metadata"]["ownerReferences"] = [
                    r for r in dep["metadata"]["ownerReferences"] if r.get("uid") != meta["uid"]
                ]
                if not new["metadata"]["ownerReferences"]:
                    del new["metadata"]["ownerReferences"]
                self._write(dep_key, dep, new)
            self._drop_finalizer(key, obj, ORPHAN)
        elif FOREGROUND in finalizers:
            for dep_key, dep in deps:
                if not dep["metadata"].get("deletionTimestamp"):
                    self._delete(dep_key, dep, "Foreground")
            if not deps:
                self._drop_finalizer(key, obj, FOREGROUND)
        elif key == NS_KEY:
            self._terminate_namespace(obj)
        elif key == CRD_KEY and crds.CLEANUP_FINALIZER in finalizers:
            spec = obj["spec"]
            cr_key = (spec["group"], spec["names"]["plural"])
            items = self.api.store.items(cr_key)
            for item in items:
                if not item["metadata"].get("deletionTimestamp"):
                    self._delete(cr_key, item, "Background")
            if not items:
                self._drop_finalizer(key, obj, crds.CLEANUP_FINALIZER)

    def _terminate_namespace(self, namespace: dict[str, Any]) -> None:
        name = namespace["metadata"]["name"]
        remaining = 0
        for key in self.api.store.kinds():
            if key == NS_KEY:
                continue
            items = self.api.store.items(key, name)
            remaining += len(items)
            for item in items:
                if not item["metadata"].get("deletionTimestamp"):
                    self._delete(key, item, "Background")
        if remaining:
            return
        if (namespace.get("spec") or {}).get("finalizers"):
            new = copy.deepcopy(namespace)
            new["spec"]["finalizers"] = []
            self.api.store.put(NS_KEY, new)
        finish_namespace(self.api, name)
