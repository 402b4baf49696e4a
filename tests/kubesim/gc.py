"""Garbage collection and termination: owner references (background, foreground, orphan),
namespace deletion, and CRD cleanup. Runs on the server loop after each burst of writes.
"""

from __future__ import annotations

import asyncio
import logging
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


class GarbageCollector:
    def __init__(self, api: Api, loop: asyncio.AbstractEventLoop) -> None:
        self.api = api
        self.loop = loop
        self.enabled = True
        self._scheduled = False
        api.store.listeners.append(self._on_event)

    def _on_event(self, event: Event) -> None:
        if event.key == CRD_KEY and event.type == "DELETED":
            crds.unregister(self.api.registry, event.obj)
        if not self._scheduled:
            self._scheduled = True
            self.loop.call_soon_threadsafe(self._run)

    def _run(self) -> None:
        self._scheduled = False
        if self.enabled:
            try:
                self.sweep()
            except ApiError as exc:
                log.warning("garbage collection pass failed: %s", exc.message)

    def _rtype(self, key: StoreKey) -> ResourceType | None:
        versions = self.api.registry.versions_of(*key)
        preferred = [t for t in versions if t.version == t.storage_version]
        return (preferred or versions or [None])[0]

    def _all(self) -> list[tuple[StoreKey, dict[str, Any]]]:
        out = []
        for key in self.api.store.kinds():
            items, _ = self.api.store.list(key)
            out.extend((key, o) for o in items)
        return out

    def sweep(self) -> None:
        with self.api.store.lock:
            objects = self._all()
            uids = {o["metadata"]["uid"] for _, o in objects}
            dependents: dict[str, list[tuple[StoreKey, dict[str, Any]]]] = {}
            for key, obj in objects:
                for ref in obj["metadata"].get("ownerReferences") or []:
                    dependents.setdefault(ref.get("uid", ""), []).append((key, obj))
            for key, obj in objects:
                meta = obj["metadata"]
                if meta.get("deletionTimestamp"):
                    self._finalize(key, obj, dependents.get(meta["uid"], []))
                elif meta.get("ownerReferences") and not any(
                        r.get("uid") in uids for r in meta["ownerReferences"]):
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
        new = _copy(obj)
        new["metadata"]["finalizers"] = [f for f in new["metadata"]["finalizers"] if f != finalizer]
        self._write(key, obj, new)

    def _finalize(self, key: StoreKey, obj: dict[str, Any],
                  deps: list[tuple[StoreKey, dict[str, Any]]]) -> None:
        meta = obj["metadata"]
        finalizers = meta.get("finalizers") or []
        if ORPHAN in finalizers:
            for dep_key, dep in deps:
                new = _copy(dep)
                new["metadata"]["ownerReferences"] = [
                    r for r in dep["metadata"]["ownerReferences"] if r.get("uid") != meta["uid"]]
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
        elif key == ("", "namespaces"):
            self._terminate_namespace(obj)
        elif key == CRD_KEY and crds.CLEANUP_FINALIZER in finalizers:
            spec = obj["spec"]
            cr_key = (spec["group"], spec["names"]["plural"])
            items, _ = self.api.store.list(cr_key)
            for item in items:
                if not item["metadata"].get("deletionTimestamp"):
                    self._delete(cr_key, item, "Background")
            if not items:
                self._drop_finalizer(key, obj, crds.CLEANUP_FINALIZER)

    def _terminate_namespace(self, namespace: dict[str, Any]) -> None:
        name = namespace["metadata"]["name"]
        remaining = 0
        for key in self.api.store.kinds():
            if key == ("", "namespaces"):
                continue
            items, _ = self.api.store.list(key, name)
            remaining += len(items)
            for item in items:
                if not item["metadata"].get("deletionTimestamp"):
                    self._delete(key, item, "Background")
        if remaining:
            return
        if (namespace.get("spec") or {}).get("finalizers"):
            new = _copy(namespace)
            new["spec"]["finalizers"] = []
            self.api.store.put(("", "namespaces"), new)
        finish_namespace(self.api, name)


def _copy(obj: dict[str, Any]) -> dict[str, Any]:
    import copy
    return copy.deepcopy(obj)
