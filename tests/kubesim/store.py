"""Object storage with one monotonic resourceVersion, a bounded watch history and compaction.

All writes go through `put`/`remove`, which stamp the next resourceVersion and fan the event
out to watchers (asyncio queues on the server loop) and to in-process listeners
(controllers, garbage collector). A single re-entrant lock makes every API operation atomic.

A stored object is never mutated, only replaced: `get`/`list` hand out copies, while `peek`,
`items` and events hand out the stored objects themselves, for readers that do not mutate.
"""

from __future__ import annotations

import asyncio
import copy
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

StoreKey = tuple[str, str]  # (group, plural)
ObjKey = tuple[str, str]  # (namespace or "", name)


@dataclass(frozen=True)
class Event:
    rv: int
    type: str  # ADDED | MODIFIED | DELETED
    key: StoreKey
    obj: dict[str, Any]
    old: dict[str, Any] | None = None

    @property
    def namespace(self) -> str:
        return self.obj["metadata"].get("namespace", "")


class Gone(Exception):
    """The requested resourceVersion fell out of the watch history (compacted)."""

    def __init__(self, requested: int, oldest: int) -> None:
        super().__init__(f"too old resource version: {requested} ({oldest + 1})")


@dataclass(eq=False)
class Watcher:
    key: StoreKey
    namespace: str | None
    loop: asyncio.AbstractEventLoop
    queue: asyncio.Queue[Event | None] = field(default_factory=asyncio.Queue)
    closed: bool = False
    label: str = ""
    # Events handed to the loop but not yet consumed; guarded by the store lock on the
    # producing side so that a bookmark never overtakes an undelivered event.
    pending: int = 0

    def deliver(self, event: Event | None) -> None:
        if not self.closed:
            self.pending += 1
            self.loop.call_soon_threadsafe(self.queue.put_nowait, event)

    def wants(self, event: Event) -> bool:
        return event.key == self.key and self.namespace in (None, event.namespace)


class Store:
    def __init__(self, history_size: int = 50_000) -> None:
        self.lock = threading.RLock()
        self._rv = 0
        self._objects: dict[StoreKey, dict[ObjKey, dict[str, Any]]] = {}
        self._uids: dict[str, tuple[StoreKey, ObjKey]] = {}
        self._history: deque[Event] = deque()
        self._history_size = history_size
        self._oldest = 0  # history holds every event with rv > _oldest
        self._watchers: set[Watcher] = set()
        self.listeners: list[Callable[[Event], None]] = []

    @property
    def resource_version(self) -> int:
        with self.lock:
            return self._rv

    def get(self, key: StoreKey, namespace: str, name: str) -> dict[str, Any] | None:
        with self.lock:
            obj = self._objects.get(key, {}).get((namespace, name))
            return copy.deepcopy(obj) if obj is not None else None

    def list(self, key: StoreKey, namespace: str | None = None) -> tuple[list[dict[str, Any]], int]:
        with self.lock:
            items = [
                copy.deepcopy(o)
                for (ns, _), o in sorted(self._objects.get(key, {}).items())
                if namespace is None or ns == namespace
            ]
            return items, self._rv

    def peek(self, key: StoreKey, namespace: str, name: str) -> dict[str, Any] | None:
        """The stored object itself (read-only), or None."""
        with self.lock:
            return self._objects.get(key, {}).get((namespace, name))

    def items(self, key: StoreKey, namespace: str | None = None) -> list[dict[str, Any]]:
        """The stored objects themselves (read-only), in the order `list` gives."""
        with self.lock:
            return [
                o
                for (ns, _), o in sorted(self._objects.get(key, {}).items())
                if namespace is None or ns == namespace
            ]

    def has_uid(self, uid: str) -> bool:
        with self.lock:
            return uid in self._uids

    def locate(self, uid: str) -> tuple[StoreKey, ObjKey] | None:
        """Where the object with this uid is stored."""
        with self.lock:
            return self._uids.get(uid)

    def kinds(self) -> list[StoreKey]:
        with self.lock:
            return list(self._objects)

    def by_uid(self, uid: str) -> tuple[StoreKey, dict[str, Any]] | None:
        with self.lock:
            where = self._uids.get(uid)
            if where is None:
                return None
            return where[0], copy.deepcopy(self._objects[where[0]][where[1]])

    def put(self, key: StoreKey, obj: dict[str, Any]) -> dict[str, Any]:
        """Create or replace; stamps and returns (a copy of) the stored object with its new
        resourceVersion. The store keeps `obj` itself: the caller hands it over."""
        with self.lock:
            meta = obj["metadata"]
            okey = (meta.get("namespace", ""), meta["name"])
            bucket = self._objects.setdefault(key, {})
            old = bucket.get(okey)
            self._rv += 1
            meta["resourceVersion"] = str(self._rv)
            stored = obj
            bucket[okey] = stored
            self._uids[meta["uid"]] = (key, okey)
            self._record(Event(self._rv, "MODIFIED" if old else "ADDED", key, stored, old))
            return copy.deepcopy(stored)

    def remove(self, key: StoreKey, namespace: str, name: str) -> dict[str, Any] | None:
        with self.lock:
            old = self._objects.get(key, {}).pop((namespace, name), None)
            if old is None:
                return None
            self._uids.pop(old["metadata"]["uid"], None)
            self._rv += 1
            gone = {**old, "metadata": {**old["metadata"], "resourceVersion": str(self._rv)}}
            self._record(Event(self._rv, "DELETED", key, gone, old))
            return copy.deepcopy(gone)

    def _record(self, event: Event) -> None:
        self._history.append(event)
        while len(self._history) > self._history_size:
            self._oldest = self._history.popleft().rv
        for watcher in list(self._watchers):
            if watcher.wants(event):
                watcher.deliver(event)
        for listener in self.listeners:
            listener(event)

    def compact(self) -> int:
        """Forget the whole watch history, like etcd compaction; returns the compacted rv."""
        with self.lock:
            self._history.clear()
            self._oldest = self._rv
            return self._rv

    def watch(
        self,
        key: StoreKey,
        namespace: str | None,
        since: int | None,
        loop: asyncio.AbstractEventLoop,
    ) -> tuple[list[Event], Watcher, int]:
        """Subscribe; returns the events to replay first (synthetic ADDED when `since` is None)
        and the resourceVersion the replay is consistent with."""
        with self.lock:
            if since is None:
                items, _ = self.list(key, namespace)
                replay = [
                    Event(int(o["metadata"]["resourceVersion"]), "ADDED", key, o) for o in items
                ]
            else:
                if since < self._oldest:
                    raise Gone(since, self._oldest)
                replay = [
                    e
                    for e in self._history
                    if e.rv > since and e.key == key and namespace in (None, e.namespace)
                ]
            watcher = Watcher(key, namespace, loop)
            self._watchers.add(watcher)
            return replay, watcher, self._rv

    def quiet_rv(self, watcher: Watcher) -> int | None:
        """The current resourceVersion if the watcher has consumed everything up to it."""
        with self.lock:
            return self._rv if watcher.pending <= 0 and watcher.queue.empty() else None

    def unwatch(self, watcher: Watcher) -> None:
        with self.lock:
            watcher.closed = True
            self._watchers.discard(watcher)

    def watchers(self) -> list[Watcher]:
        with self.lock:
            return list(self._watchers)
