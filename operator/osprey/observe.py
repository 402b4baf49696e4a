"""What a pass sees of a namespace: Helm's release records and the objects releases own.

`Observer` is the seam; `ListingObserver` asks the API server, one list per kind, Helm's
storage Secrets as metadata only; `ChangedBodiesObserver` (what loops list with) lists Secrets and
ConfigMaps as metadata too and reads a body only when its resourceVersion changed, so that a
no-op pass does not read the releases' rendered config again. `HelmRecords` reads the payload
of a release's newest revision (one GET) only when its resourceVersion is new to its decoder.
Loops observe through the watch cache (watchcache.py), which falls back to
`ChangedBodiesObserver` until it is synced.
`FreshRecords` keeps Helm's record of a release as our own operation left it, read back from
the API server (and again while the cache has not caught up), so that a pass never acts on an
observation older than that operation's outcome.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, Protocol

from osprey.kube import Kube, resource
from osprey.narrowing import WATCH_SELECTOR
from osprey.releases import (
    HELM_STORAGE_SELECTOR,
    DeployedRelease,
    ReleaseDecoder,
    release_from_storage,
)
from osprey.waiting import Ref, pods_by_workload, selector_of, selector_query

Object = Mapping[str, Any]
Live = dict[tuple[str, str], Object]

# Kinds a pass needs besides Helm's storage Secrets (Secrets here are the releases' own).
OBSERVED_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "Service", "ConfigMap",
                  "Secret", "PersistentVolumeClaim")
# Secrets and ConfigMaps a pass needs carry the watch label (narrowing.py): a namespace's
# other ones, however many and large, are never sent.
LISTED_BY = {"Secret": f"owner!=helm,{WATCH_SELECTOR}", "ConfigMap": WATCH_SELECTOR}
# Listed whole by `ChangedBodiesObserver`: their bodies are small and their status moves.
LISTED_KINDS = tuple(k for k in OBSERVED_KINDS if k not in ("Secret", "ConfigMap"))
# Pods that say why a workload waits: not those that ran to completion.
NOT_SUCCEEDED = "status.phase!=Succeeded"


class Observer(Protocol):
    async def observe(self, namespace: str) -> tuple[list[Object], Live]:
        """(Helm's storage Secrets, live objects by (kind, name)) of a namespace; the Secrets
        may be metadata only (`HelmRecords` reads the payloads it needs)."""
        ...


class ListingObserver:
    """Straight from the API server: one list call per kind, Helm's Secrets' metadata only."""

    def __init__(self, kube: Kube):
        self._kube = kube

    async def observe(self, namespace: str) -> tuple[list[Object], Live]:
        kube = self._kube
        storage, *lists = await asyncio.gather(
            kube.list_metadata(resource("Secret"), namespace, labels=HELM_STORAGE_SELECTOR),
            *(
                kube.list(resource(kind), namespace, labels=LISTED_BY.get(kind))
                for kind in OBSERVED_KINDS
            ),
        )
        live: Live = {}
        for kind, objects in zip(OBSERVED_KINDS, lists, strict=True):
            live.update({(kind, o["metadata"]["name"]): o for o in objects})
        return storage, live


class ChangedBodiesObserver:
    """As `ListingObserver`, but Secrets and ConfigMaps (those with the watch label) are
    listed as metadata only, as Helm's storage Secrets are, and a body is read (one GET) only when its resourceVersion is
    not the one this observer holds: the releases' rendered config, which grows with the
    charts, is read once per change instead of once per pass. Bodies of objects no longer
    listed are dropped, so what is held is at most one namespace's Secrets and ConfigMaps."""

    def __init__(self, kube: Kube):
        self._kube = kube
        self._bodies: dict[tuple[str, str], Object] = {}  # (kind, name) -> body at its version

    async def observe(self, namespace: str) -> tuple[list[Object], Live]:
        kube = self._kube
        storage, secrets, configmaps, *lists = await asyncio.gather(
            kube.list_metadata(resource("Secret"), namespace, labels=HELM_STORAGE_SELECTOR),
            kube.list_metadata(resource("Secret"), namespace, labels=LISTED_BY["Secret"]),
            kube.list_metadata(resource("ConfigMap"), namespace, labels=LISTED_BY["ConfigMap"]),
            *(kube.list(resource(kind), namespace) for kind in LISTED_KINDS),
        )
        listed = {("Secret", s["metadata"]["name"]): s for s in secrets}
        listed.update({("ConfigMap", c["metadata"]["name"]): c for c in configmaps})
        self._bodies = {key: body for key, body in self._bodies.items() if key in listed
                        and _rv(body) == _rv(listed[key])}
        changed = [key for key in listed if key not in self._bodies]
        read = await asyncio.gather(*(
            kube.get(resource(kind), namespace, name) for kind, name in changed))
        for key, body in zip(changed, read, strict=True):
            if body is not None:  # None: deleted since the list, so not live
                self._bodies[key] = body
        live: Live = dict(self._bodies)
        for kind, objects in zip(LISTED_KINDS, lists, strict=True):
            live.update({(kind, o["metadata"]["name"]): o for o in objects})
        return storage, live

    def forget(self) -> None:
        """Drop the bodies held (another observer answers now); the next pass reads them."""
        self._bodies = {}


async def pods_of(kube: Kube, namespace: str, workloads: Mapping[Ref, Object],
                  cached: list[Object] | None = None) -> dict[Ref, list[Object]]:
    """The pods of each workload, asked only for workloads that are not ready (none: no
    request). One workload: listed by its selector, so only its pods are sent. Several: one
    list of the namespace's pods, matched here by each selector: one request instead of one
    per workload, and a control plane's namespace holds tens of pods. Pods that succeeded
    are left out by the API server: they say nothing of a wait, and OpenStack-Helm leaves
    every completed Job's pod behind, the most numerous pods of a converged namespace."""
    if not workloads:
        return {}
    if cached is not None:  # the watch cache's pods (`WatchCache.pods`): no request
        return pods_by_workload(workloads, [p for p in cached if _phase(p) != "Succeeded"])
    labels = None
    if len(workloads) == 1:
        labels = selector_query(selector_of(next(iter(workloads.values()))) or {})
    pods = await kube.list(resource("Pod"), namespace, labels=labels, fields=NOT_SUCCEEDED)
    return pods_by_workload(workloads, pods)


def _phase(pod: Object) -> str | None:
    return (pod.get("status") or {}).get("phase")


class HelmRecords:
    """Helm's releases of one namespace from storage Secrets listed as metadata: the payload
    of a release's newest revision is read (one GET) only when that revision's
    resourceVersion is new to the decoder; Secrets listed whole are decoded as they are."""

    def __init__(self, kube: Kube, namespace: str, decoder: ReleaseDecoder | None = None):
        self._kube = kube
        self._namespace = namespace
        self.decoder = decoder or ReleaseDecoder()

    async def latest(self, secrets: list[Object]) -> dict[str, DeployedRelease]:
        fetched: dict[str, Object] = {}
        gone: set[str] = set()
        while True:
            listed = [s for s in secrets if s["metadata"]["name"] not in gone]
            missing = self.decoder.missing(listed, fetched)
            if not missing:
                return self.decoder.latest(listed, fetched)
            read = await asyncio.gather(*(
                self._kube.get(resource("Secret"), self._namespace, name) for name in missing
            ))
            for name, secret in zip(missing, read, strict=True):
                if secret is None:  # deleted since the list: the revision before is newest
                    gone.add(name)
                else:
                    fetched[name] = secret


class FreshRecords:
    """Helm storage Secrets read back from the API server after our own helm operations.

    They stand in for the cache's records of that release until the cache holds the same
    versions, however long that takes: a cache lags by milliseconds normally, but an API
    server under load was seen sending watch events 40 s late (bench: two shards, 50 control
    planes), and a record dropped after a fixed time let a pass install a release again.
    While the cache is `behind`, the pass reads the release's records again (`Operations.
    refresh`): what changed since (another revision, an uninstall) is seen from the API
    server then, not from the cache.
    """

    def __init__(self) -> None:
        self._records: dict[str, list[Object]] = {}

    def put(self, release: str, secrets: list[Object]) -> None:
        self._records[release] = secrets

    def whole(self, release: str, listed: Object) -> Object | None:
        """The revision `listed` names, as read back whole at the same resourceVersion."""
        return next((s for s in self._records.get(release, ())
                     if s.get("data") and _version(s) == _version(listed)), None)

    def chart_version(self, release: str) -> str | None:
        """The chart version of the newest revision read back (the version helm resolved)."""
        secrets = self._records.get(release, [])
        if not secrets:
            return None
        newest = max(secrets, key=lambda s: int((s["metadata"].get("labels") or {})
                                                .get("version", 0)))
        try:
            record = release_from_storage(newest.get("data") or {})
        except (ValueError, OSError):  # not a record helm wrote: the pin names the version
            return None
        return str(record.get("chart", {}).get("metadata", {}).get("version") or "") or None

    def behind(self, cached: list[Object]) -> list[str]:
        """Releases whose records the cache does not hold as read back (the same versions,
        no more and no fewer)."""
        return sorted(r for r, secrets in self._records.items()
                      if not _caught_up(r, secrets, cached))

    def merge(self, cached: list[Object]) -> list[Object]:
        """The cached storage Secrets, with each read-back release's records in place of the
        cache's until the cache holds the same versions; then the record is dropped (what
        was read back whole stands in for its listed metadata once)."""
        if not self._records:
            return cached
        merged = list(cached)
        for release, secrets in list(self._records.items()):
            if _caught_up(release, secrets, cached):
                whole = {_version(s): s for s in secrets if s.get("data")}
                merged = [whole.get(_version(s), s) for s in merged]
                del self._records[release]
                continue
            merged = [s for s in merged if _release_of(s) != release] + secrets
        return merged


def _caught_up(release: str, read_back: list[Object], cached: list[Object]) -> bool:
    """Whether the cache holds the release's records at the versions read back, no more and
    no fewer."""
    return ({_version(s) for s in cached if _release_of(s) == release}
            == {_version(s) for s in read_back})


def _version(secret: Object) -> tuple[str, str | None]:
    return secret["metadata"]["name"], secret["metadata"].get("resourceVersion")


def _rv(obj: Object) -> str | None:
    return obj["metadata"].get("resourceVersion")


def _release_of(secret: Object) -> str | None:
    return (secret["metadata"].get("labels") or {}).get("name")
