"""What passes see, kept up to date by watches instead of listed at every pass.

One informer per watched selection (and per served namespace when the operator is told its
namespaces, else cluster-wide): list, then watch from the list's resourceVersion, with the
same label selectors a listing pass uses (observe.py). Helm's release records are held as
metadata only (a PartialObjectMetadata watch); `HelmRecords` still reads a payload with one
GET per new resourceVersion. Every event updates the store first and then wakes the loops of
its namespace (when the object is one they care for): a pass woken by an event always sees it,
and an event during a pass sets the wake flag the pass cleared at its start, so one more pass
follows.

When a watch expires (410 Gone) the informer lists again and the list replaces its store:
objects deleted meanwhile disappear and their namespaces are woken. Any other failure backs
off and lists again. Until its first list, or while a watch has been broken longer than a
short grace, the cache is not synced and `CachedObserver` lists instead
(`ChangedBodiesObserver`): an empty cache must never read as "no releases".

One more informer keeps every control plane of the cluster for the node pool check (every
shard's: pools must be disjoint across them); a deletion or a new spec wakes every loop, as
the nodes it held may be free now. Kopf keeps the resource's own handlers and daemons.

Watches hold a thread each (kube.py's client is synchronous), in an executor of the cache's
own, and a connection each, from a client of their own. The cache runs while this replica
leads (service.py), as Kopf does.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from osprey.kube import Kube, KubeError, WatchStream, resource
from osprey.observe import LISTED_BY, LISTED_KINDS, ChangedBodiesObserver, Live, Object
from osprey.releases import HELM_STORAGE_SELECTOR
from osprey.watchstore import Change, KindStore

log = logging.getLogger(__name__)

WATCH_SECONDS = 300  # each watch request ends server-side after this; then it watches again
RETRY_BASE_SECONDS, RETRY_MAX_SECONDS = 1.0, 30.0  # after a failed list or watch, doubling


@dataclass(frozen=True)
class Watched:
    """One selection of one kind that passes read."""

    kind: str
    labels: str | None = None
    metadata_only: bool = False


HELM_RECORDS = Watched("Secret", HELM_STORAGE_SELECTOR, metadata_only=True)
CONTROL_PLANES = Watched("OpenStackControlPlane")
# Why a workload waits is read from its pods (waiting.py): kept, but a pod's change wakes no
# loop (its workload's status does, when it matters).
PODS = Watched("Pod")
WATCHED = (
    HELM_RECORDS,
    Watched("Secret", LISTED_BY["Secret"]),
    Watched("ConfigMap", LISTED_BY["ConfigMap"]),
    *(Watched(kind) for kind in LISTED_KINDS),
)


class Informer:
    """One selection's store, kept by list-then-watch; `run` until cancelled."""

    def __init__(self, kube: Kube, watched: Watched, namespace: str | None,
                 serves: Callable[[str | None], bool], wake: Callable[[str], None],
                 seconds: int = WATCH_SECONDS,
                 wakes: Callable[[Change], bool] = lambda change: change.wakes):
        self._kube = kube
        self._wakes = wakes
        self.watched = watched
        self.namespace = namespace  # None: every namespace
        self.store = KindStore(serves, kind=watched.kind)
        self._wake = wake
        self._seconds = seconds
        self._lock = threading.Lock()
        self._stream: WatchStream | None = None
        self._stopped = False
        self.lists = 0  # lists made: the first, and one after each expiry or failure

    @property
    def where(self) -> str:
        selection = f" ({self.watched.labels})" if self.watched.labels else ""
        return f"{self.watched.kind}{selection} in {self.namespace or 'every namespace'}"

    def covers(self, namespace: str) -> bool:
        return self.namespace is None or self.namespace == namespace

    async def run(self, watch_kube: Kube, executor: ThreadPoolExecutor) -> None:
        loop = asyncio.get_running_loop()
        failures = 0
        self._stopped = False
        try:
            while True:
                try:
                    items, version = await self._kube.list_versioned(
                        resource(self.watched.kind), self.namespace,
                        labels=self.watched.labels, metadata_only=self.watched.metadata_only)
                    self.lists += 1
                    self._changed(self.store.replace(items))
                    failures = 0
                    while True:  # a watch the server ended in time: watch on from where it was
                        version = await loop.run_in_executor(
                            executor, self._follow, watch_kube, version, loop)
                except Exception as exc:  # noqa: BLE001 - the cache must outlive any failure
                    self.store.broken(time.monotonic())
                    if isinstance(exc, KubeError) and exc.status == 410:  # expired: list again
                        log.debug("watch of %s expired: listing again", self.where)
                        continue
                    failures += 1
                    delay = min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2 ** (failures - 1))
                    what = exc.describe() if isinstance(exc, KubeError) else repr(exc)
                    log.warning("watch of %s failed, listing again in %gs: %s", self.where,
                                delay, what)
                    await asyncio.sleep(delay)
        finally:
            self.stop()
            self.store.clear()

    def _follow(self, kube: Kube, version: str, loop: asyncio.AbstractEventLoop) -> str:
        """In a watch thread: hand each event to the loop, in order; returns where it ended."""
        stream = kube.open_watch(resource(self.watched.kind), self.namespace, version,
                                 labels=self.watched.labels,
                                 metadata_only=self.watched.metadata_only,
                                 seconds=self._seconds)
        with self._lock:
            if self._stopped:
                stream.close()
                return version
            self._stream = stream
        try:
            for type_, obj in stream:
                version = (obj.get("metadata") or {}).get("resourceVersion") or version
                if type_ != "BOOKMARK":
                    loop.call_soon_threadsafe(self._apply, type_, obj)
        finally:
            with self._lock:
                self._stream = None
        return version

    def _apply(self, type_: str, obj: Object) -> None:
        change = self.store.apply(type_, obj)
        if change is not None:
            self._changed([change])

    def _changed(self, changes: Iterable[Change]) -> None:
        """The store holds the changes already: now their namespaces' loops may look."""
        for namespace in sorted({c.namespace for c in changes if self._wakes(c)}):
            self._wake(namespace)

    def stop(self) -> None:
        """End the watch under way (from any thread); the thread reading it returns."""
        with self._lock:
            self._stopped = True
            if self._stream is not None:
                self._stream.close()


def moves_node_pools(change: Change) -> bool:
    """A control plane gone, going, or with a new spec: nodes it held may be free for others.
    A new one takes nothing from older ones; status writes (every pass's) change nothing and
    would wake every loop after every pass."""
    before, after = change.before, change.after
    if before is None or after is None:
        return after is None
    return any((before.get("metadata") or {}).get(key) != (after.get("metadata") or {}).get(key)
               for key in ("generation", "deletionTimestamp"))


class WatchCache:
    """Every informer a pass needs, for the namespaces this operator serves."""

    def __init__(self, kube: Kube, namespaces: tuple[str, ...] | None,
                 serves: Callable[[str | None], bool], wake: Callable[[str], None],
                 seconds: int = WATCH_SECONDS, wake_all: Callable[[], None] = lambda: None):
        """`namespaces`: those to watch, each on its own; None: every namespace at once.
        `wake_all`: a control plane was deleted, or its spec changed (node pools)."""
        self._kube = kube
        self.informers = [Informer(kube, watched, namespace, serves, wake, seconds)
                          for namespace in (namespaces if namespaces is not None else (None,))
                          for watched in WATCHED]
        # Every control plane of the cluster, every shard's: their node pools are disjoint.
        self.control_planes = Informer(kube, CONTROL_PLANES, None, lambda _: True,
                                       lambda _: wake_all(), seconds, wakes=moves_node_pools)
        self.pod_informers = [Informer(kube, PODS, namespace, serves, wake, seconds,
                                       wakes=lambda _: False)
                              for namespace in (namespaces if namespaces is not None else (None,))]

    async def run(self) -> None:
        """Keep every store up to date until cancelled; then forget them (not synced)."""
        informers = [*self.informers, self.control_planes, *self.pod_informers]
        watch_kube = self._kube.for_watches(len(informers))
        executor = ThreadPoolExecutor(len(informers), thread_name_prefix="osprey-watch")
        try:
            await asyncio.gather(*(i.run(watch_kube, executor) for i in informers))
        finally:
            for informer in informers:
                informer.stop()
            executor.shutdown(wait=False)

    def every_control_plane(self) -> list[Object] | None:
        """The cluster's control planes, None while that informer is not synced."""
        store = self.control_planes.store
        if not store.synced(time.monotonic()):
            return None
        return [o for ns in store.namespaces() for o in store.namespace(ns).values()]

    def pods(self, namespace: str) -> list[Object] | None:
        """The namespace's pods, None while their informer is not synced."""
        now = time.monotonic()
        for informer in self.pod_informers:
            if informer.covers(namespace) and informer.store.synced(now):
                return list(informer.store.namespace(namespace).values())
        return None

    def synced(self, namespace: str) -> bool:
        """Every selection of the namespace listed and watched (one not watched: never)."""
        now = time.monotonic()
        covering = [i for i in self.informers if i.covers(namespace)]
        return len(covering) == len(WATCHED) and all(i.store.synced(now) for i in covering)

    def view(self, namespace: str) -> tuple[list[Object], Live]:
        """(Helm's records as metadata, live objects by (kind, name)) of a namespace."""
        storage: list[Object] = []
        live: Live = {}
        for informer in self.informers:
            if not informer.covers(namespace):
                continue
            objects = informer.store.namespace(namespace)
            if informer.watched == HELM_RECORDS:
                storage.extend(objects.values())
            else:
                kind = informer.watched.kind
                live.update({(kind, name): obj for name, obj in objects.items()})
        return storage, live


class CachedObserver:
    """From the watch cache when it is synced for the namespace, else by listing; the bodies
    the listing holds are dropped while the cache answers (they would be held twice)."""

    def __init__(self, cache: WatchCache, listing: ChangedBodiesObserver):
        self._cache = cache
        self._listing = listing
        self.listed = 0  # passes that listed (the cache was not synced)

    async def observe(self, namespace: str) -> tuple[list[Object], Live]:
        if self._cache.synced(namespace):
            self._listing.forget()
            return self._cache.view(namespace)
        self.listed += 1
        return await self._listing.observe(namespace)
