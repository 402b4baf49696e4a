"""What the simulated controllers look up often, kept from the store's events: Pods and
ReplicaSets by owner, orphans by namespace, unscheduled Pods, Nodes, Namespaces.

Entries are the stored objects themselves (the store replaces, never mutates, what it
holds), so keeping the index costs no copies; readers must not mutate them.
"""

from __future__ import annotations

from typing import Any

from .store import Event, ObjKey, StoreKey

PODS: StoreKey = ("", "pods")
REPLICASETS: StoreKey = ("apps", "replicasets")
NODES: StoreKey = ("", "nodes")
NAMESPACES: StoreKey = ("", "namespaces")
OWNED = (PODS, REPLICASETS)
Child = tuple[StoreKey, ObjKey]


def controller_ref(obj: dict[str, Any] | None) -> dict[str, Any] | None:
    for ref in ((obj or {}).get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("controller"):
            return ref
    return None


def is_terminal(pod: dict[str, Any]) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")


def is_ready(pod: dict[str, Any]) -> bool:
    return any(
        c.get("type") == "Ready" and c.get("status") == "True"
        for c in (pod.get("status") or {}).get("conditions") or []
    )


def _discard(sets: dict[str, set[Child]], key: str, child: Child) -> None:
    members = sets.get(key)
    if members is not None:
        members.discard(child)
        if not members:
            del sets[key]


def _key(obj: dict[str, Any]) -> ObjKey:
    return (obj["metadata"].get("namespace", ""), obj["metadata"]["name"])


class ClusterIndex:
    def __init__(self) -> None:
        self.objects: dict[StoreKey, dict[ObjKey, dict[str, Any]]] = {k: {} for k in OWNED}
        self.children: dict[str, set[Child]] = {}
        self.orphans: dict[str, set[Child]] = {}
        self.unscheduled: set[ObjKey] = set()
        self.nodes: dict[str, dict[str, Any]] = {}
        self.namespaces: dict[str, dict[str, Any]] = {}

    # ---- reads --------------------------------------------------------------------------
    def pod(self, ns: str, name: str) -> dict[str, Any] | None:
        return self.objects[PODS].get((ns, name))

    def owned(self, uid: str, key: StoreKey) -> list[dict[str, Any]]:
        """Children of a controller, oldest first."""
        found = [
            obj
            for k, ident in self.children.get(uid, ())
            if k == key and (obj := self.objects[k].get(ident)) is not None
        ]
        return sorted(
            found, key=lambda o: (o["metadata"].get("creationTimestamp", ""), o["metadata"]["name"])
        )

    def orphans_in(self, ns: str, key: StoreKey) -> list[dict[str, Any]]:
        return [
            obj
            for k, ident in sorted(self.orphans.get(ns, ()))
            if k == key and (obj := self.objects[k].get(ident)) is not None
        ]

    def bound_pods(self) -> list[dict[str, Any]]:
        return [
            p
            for p in self.objects[PODS].values()
            if (p.get("spec") or {}).get("nodeName") and not is_terminal(p)
        ]

    def namespace_labels(self, ns: str) -> dict[str, str] | None:
        obj = self.namespaces.get(ns)
        return None if obj is None else obj["metadata"].get("labels") or {}

    def terminating(self, ns: str) -> bool:
        obj = self.namespaces.get(ns)
        return obj is None or bool(obj["metadata"].get("deletionTimestamp"))

    # ---- intake (a store listener, under the store lock) ---------------------------------
    def observe(self, event: Event) -> None:
        if event.key in OWNED:
            self._owned(event)
        elif event.key == NODES:
            name = event.obj["metadata"]["name"]
            if event.type == "DELETED":
                self.nodes.pop(name, None)
            else:
                self.nodes[name] = event.obj
        elif event.key == NAMESPACES:
            name = event.obj["metadata"]["name"]
            if event.type == "DELETED":
                self.namespaces.pop(name, None)
            else:
                self.namespaces[name] = event.obj

    def _owned(self, event: Event) -> None:
        key, obj, old = event.key, event.obj, event.old
        ident = _key(obj)
        child = (key, ident)
        ns = ident[0]
        before, after = controller_ref(old), controller_ref(obj)
        if before is not None:
            _discard(self.children, before.get("uid", ""), child)
        else:
            _discard(self.orphans, ns, child)
        if key == PODS:
            self.unscheduled.discard(ident)
        if event.type == "DELETED":
            self.objects[key].pop(ident, None)
            return
        self.objects[key][ident] = obj
        if after is not None:
            self.children.setdefault(after.get("uid", ""), set()).add(child)
        else:
            self.orphans.setdefault(ns, set()).add(child)
        if key == PODS and not (obj.get("spec") or {}).get("nodeName") and not is_terminal(obj):
            self.unscheduled.add(ident)
