"""What the watch cache holds of one watched kind: pure data, no I/O (watchcache.py feeds it).

A `KindStore` keeps the objects of one kind (one label selection of it) by namespace and name,
of the namespaces this operator serves only. Watch events are applied one by one; a list
REPLACES everything (an object deleted while the watch was down must disappear, or healing
would never re-create it). Each change names its namespace and the object before and after, so
that the caller wakes the loops of that namespace, after the store holds the change.

Until its first list, and once its watch has been broken longer than a short grace, a store is
not synced: a pass must not take its (possibly empty) content for the cluster's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from osprey.narrowing import cared_for
from osprey.sharing import shared

Object = Mapping[str, Any]
# How long a broken watch's content may still be used while it relists: long enough for a
# reconnect, short enough that no pass acts on a stale view for long.
BROKEN_GRACE_SECONDS = 5.0


@dataclass(frozen=True)
class Change:
    """An object of `namespace` as it was (None: new) and as it is (None: deleted)."""

    namespace: str
    before: Object | None
    after: Object | None

    @property
    def wakes(self) -> bool:
        """Whether the loops of the namespace must look again: the object is one they care
        for (narrowing.cared_for), before or after the change."""
        return any(cared_for(_meta(o).get("labels") or {}, _meta(o).get("annotations") or {})
                   for o in (self.before, self.after) if o is not None)


# Kinds held without their spec: a pass reads a pod's labels and status only (waiting.py),
# and a pod's spec is most of it.
WITHOUT_SPEC = frozenset({"Pod"})


def lean(obj: Object, kind: str | None = None) -> Object:
    """The object as held: without `metadata.managedFields` (no pass reads them, and on
    objects helm applies server-side they can weigh as much as the rest of the object;
    client-go's informers drop them the same way), a pod without its spec, its large data
    shared with the release manifests that render it (`sharing.shared`)."""
    meta = _meta(obj)
    if "managedFields" in meta:
        obj = {**obj, "metadata": {k: v for k, v in meta.items() if k != "managedFields"}}
    if kind in WITHOUT_SPEC and "spec" in obj:
        obj = {k: v for k, v in obj.items() if k != "spec"}
    return shared(obj, kind)


class KindStore:
    """The objects of one watched kind, by namespace, then name."""

    def __init__(self, serves: Callable[[str | None], bool],
                 grace: float = BROKEN_GRACE_SECONDS, kind: str | None = None) -> None:
        self._serves = serves
        self._kind = kind
        self._grace = grace
        self._objects: dict[str, dict[str, Object]] = {}
        self._listed = False
        self._broken_since: float | None = None

    def apply(self, type_: str, obj: Object) -> Change | None:
        """One watch event (ADDED, MODIFIED, DELETED); None when it changes nothing here."""
        meta = _meta(obj)
        namespace, name = meta.get("namespace"), meta.get("name")
        if not namespace or not name or not self._serves(namespace):
            return None
        before = self._objects.get(namespace, {}).get(name)
        if type_ == "DELETED" or not self._kept(obj):
            if before is None:
                return None
            objects = self._objects[namespace]
            del objects[name]
            if not objects:
                del self._objects[namespace]
            return Change(namespace, before, None)
        if type_ not in ("ADDED", "MODIFIED"):
            return None
        if before is not None and _meta(before).get("resourceVersion") == meta.get(
                "resourceVersion"):
            return None
        self._objects.setdefault(namespace, {})[name] = obj = lean(obj, self._kind)
        return Change(namespace, before, obj)

    def replace(self, listed: Iterable[Object]) -> list[Change]:
        """A list's answer becomes the whole content: what it lacks is gone. Returns what
        differs from what was held; the store is synced from now on."""
        objects: dict[str, dict[str, Object]] = {}
        for obj in listed:
            meta = _meta(obj)
            if meta.get("namespace") and self._serves(meta["namespace"]) and self._kept(obj):
                objects.setdefault(meta["namespace"], {})[meta["name"]] = lean(obj, self._kind)
        changes = []
        for namespace in set(objects) | set(self._objects):
            old, new = self._objects.get(namespace, {}), objects.get(namespace, {})
            changes += [Change(namespace, o, None) for n, o in old.items() if n not in new]
            changes += [Change(namespace, old.get(n), o) for n, o in new.items()
                        if n not in old or _rv(old[n]) != _rv(o)]
        self._objects = objects
        self._listed = True
        self._broken_since = None
        return changes

    def _kept(self, obj: Object) -> bool:
        """A pod that succeeded is not held (as if deleted): it says nothing of a wait, and
        OpenStack-Helm leaves every completed Job's pod behind."""
        return not (self._kind == "Pod"
                    and (obj.get("status") or {}).get("phase") == "Succeeded")

    def broken(self, now: float) -> None:
        """The watch failed: the content ages from now on until a list replaces it."""
        if self._broken_since is None:
            self._broken_since = now

    def clear(self) -> None:
        """Forget everything (the cache stopped): not synced until listed again."""
        self._objects = {}
        self._listed = False
        self._broken_since = None

    def synced(self, now: float) -> bool:
        """Listed, and not broken for longer than the grace."""
        return self._listed and (self._broken_since is None
                                 or now - self._broken_since <= self._grace)

    def namespace(self, namespace: str) -> Mapping[str, Object]:
        """The objects of a namespace by name (shared: read them, never change them)."""
        return self._objects.get(namespace, {})

    def namespaces(self) -> list[str]:
        return list(self._objects)

    def __len__(self) -> int:
        return sum(len(objects) for objects in self._objects.values())


def _meta(obj: Object) -> Mapping[str, Any]:
    return obj.get("metadata") or {}


def _rv(obj: Object) -> str | None:
    return _meta(obj).get("resourceVersion")
