"""What Helm recorded in the cluster: releases decoded from Helm's own storage Secrets.

Helm keeps every revision of a release in a Secret `sh.helm.release.v1.<name>.v<revision>`
(labels `owner=helm`, `name`, `status`, `version`), whose `release` key holds
base64(gzip(JSON)). Reading those Secrets directly lets a pass learn every release's state,
values and manifest with no helm subprocess, which is what makes a no-op pass cost zero helm
calls; listing their metadata alone, and reading a payload only when a revision's
resourceVersion is new, keeps a pass from reading megabytes that have not changed.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property
from typing import Any

import yaml

from osprey import jsondecode
from osprey.sharing import shared

HELM_STORAGE_SELECTOR = "owner=helm"
PENDING_STATUSES = frozenset({"pending-install", "pending-upgrade", "pending-rollback"})
# Osprey's mark on the releases it installs (`helm --labels`, kept on the storage Secrets).
OWNER_LABEL = "osprey.dev/control-plane"


def _canonical(value: Any) -> Any:
    """Helm stores values through YAML and Go's JSON: 1.0 comes back as 1. Integral floats are
    hashed as integers, or such a value would look changed on every pass."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Mapping):
        return {k: _canonical(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_canonical(v) for v in value]
    return value


def values_hash(chart: str, values: Mapping[str, Any]) -> str:
    """A stable digest of a release's chart and values. The version is not part of it: Helm
    resolves a pinned line to whichever patch is newest, so versions are matched against
    the pin (`osprey.versions.VersionPin.admits`), not hashed."""
    canonical = json.dumps(
        {"chart": chart, "values": _canonical(values)},
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class ObjectRef:
    """One Kubernetes object a release renders."""

    api_version: str
    kind: str
    name: str

    @classmethod
    def of(cls, obj: Mapping[str, Any]) -> ObjectRef:
        return cls(obj.get("apiVersion", ""), obj.get("kind", ""), obj["metadata"]["name"])


@dataclass(frozen=True)
class DeployedRelease:
    """The newest revision of a Helm release, as stored in the cluster."""

    name: str
    namespace: str
    revision: int
    status: str  # deployed | failed | pending-install | pending-upgrade | ...
    chart: str
    version: str  # as helm resolved and recorded it, build metadata included
    values: Mapping[str, Any]
    manifest: tuple[Mapping[str, Any], ...] = field(default=(), repr=False)
    hooks: tuple[Mapping[str, Any], ...] = field(default=(), repr=False)
    last_deployed: str = ""
    description: str = ""
    deployed_revision: int | None = None  # newest revision whose status is deployed/superseded
    labels: Mapping[str, str] = field(default_factory=dict)  # of the newest storage Secret
    stored_at: str = ""  # creationTimestamp of the newest storage Secret
    first_stored_at: str = ""  # creationTimestamp of the oldest revision Helm still keeps

    @cached_property
    def values_hash(self) -> str:
        return values_hash(self.chart, self.values)

    @property
    def pending(self) -> bool:
        return self.status in PENDING_STATUSES

    @property
    def owner(self) -> str | None:
        """The control plane that installed it (OWNER_LABEL), None for a release without."""
        return self.labels.get(OWNER_LABEL)

    @property
    def started(self) -> datetime | None:
        """When the newest revision's operation began (Helm's info.last_deployed, else when
        its record was stored); None if neither is known."""
        for stamp in (self.last_deployed, self.stored_at):
            try:
                return datetime.fromisoformat(stamp)
            except ValueError:
                continue
        return None

    @property
    def objects(self) -> tuple[Mapping[str, Any], ...]:
        """The release's manifest objects and hook objects."""
        return self.manifest + self.hooks


def decode_release_payload(payload: str) -> dict[str, Any]:
    """Decode the `release` key of a Helm storage Secret (already base64-decoded once by
    the API's Secret encoding, so this is Helm's own base64 of gzip of JSON)."""
    raw = base64.b64decode(payload)
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    return jsondecode.loads(raw)


# libyaml when present: a release of OpenStack-Helm is 100-300 KiB of YAML, a second of CPU
# for the pure-Python loader and a tenth of that for libyaml.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_manifest(text: str) -> tuple[dict[str, Any], ...]:
    """The objects of a rendered manifest (YAML documents that are mappings)."""
    return tuple(
        shared(doc) for doc in yaml.load_all(text or "", Loader=_YAML_LOADER)
        if isinstance(doc, dict)
    )


def _hook_objects(hooks: Iterable[Mapping[str, Any]]) -> tuple[Mapping[str, Any], ...]:
    objects: list[Mapping[str, Any]] = []
    for hook in hooks or ():
        objects.extend(load_manifest(hook.get("manifest", "")))
    return tuple(objects)


def release_from_storage(secret_data: Mapping[str, str]) -> dict[str, Any]:
    """The decoded release JSON of one Helm storage Secret's `data`."""
    encoded = secret_data.get("release")
    if not encoded:
        raise ValueError("Helm storage Secret has no 'release' key")
    return decode_release_payload(base64.b64decode(encoded).decode())


# Decoded releases kept per namespace. A pass needs one per release (its newest revision), and
# entries no pass listed are dropped at once; the bound caps a namespace of unusual size.
DECODED_RELEASES_KEPT = 64


def _revision(secret: Mapping[str, Any]) -> int:
    return int(secret["metadata"]["labels"]["version"])


def newest_revisions(secrets: Iterable[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    """Helm's storage Secrets by release name, oldest revision first."""
    by_name: dict[str, list[Mapping[str, Any]]] = {}
    for secret in secrets:
        labels = secret["metadata"].get("labels") or {}
        if labels.get("owner") == "helm" and "name" in labels and "version" in labels:
            by_name.setdefault(labels["name"], []).append(secret)
    for revisions in by_name.values():
        revisions.sort(key=_revision)
    return by_name


def _key(release: str, secret: Mapping[str, Any]) -> tuple[str, int, str]:
    return release, _revision(secret), secret["metadata"].get("resourceVersion", "")


class ReleaseDecoder:
    """Decodes Helm storage Secrets into releases, once per (release, revision,
    resourceVersion).

    Only the newest revision of each release is decoded; which one that is, and which older
    revision was deployed, comes from the Secrets' labels, so a pass can list the Secrets'
    metadata alone and read the payload of a newest revision only when it is new (`missing`).
    """

    def __init__(self, kept: int = DECODED_RELEASES_KEPT) -> None:
        self._kept = kept
        self._cache: OrderedDict[tuple[str, int, str], DeployedRelease] = OrderedDict()
        self._dressed: dict[tuple[str, int, str], tuple[dict[str, Any], DeployedRelease]] = {}
        # (release, revision) -> (digest of its manifest texts, manifest, hooks)
        self._parsed: dict[tuple[str, int], tuple[bytes, tuple[Mapping[str, Any], ...],
                                                  tuple[Mapping[str, Any], ...]]] = {}

    def missing(self, secrets: Iterable[Mapping[str, Any]],
                fetched: Mapping[str, Mapping[str, Any]] | None = None) -> list[str]:
        """Names of the newest revisions' Secrets whose payload must be read: not decoded at
        their resourceVersion yet, and listed without data (metadata only)."""
        fetched = fetched or {}
        return [
            newest["metadata"]["name"]
            for release, revisions in newest_revisions(secrets).items()
            if (newest := revisions[-1])["metadata"]["name"] not in fetched
            and _key(release, newest) not in self._cache
            and self._rewritten(release, newest) is None
            and not (newest.get("data") or {}).get("release")
        ]

    def _rewritten(self, release: str, secret: Mapping[str, Any]) -> tuple[str, int, str] | None:
        """The key this pending revision was decoded under at an earlier resourceVersion.

        While a revision's hooks run, helm rewrites its record after each hook (the fixture
        nova chart's upgrade: 7 versions; at OpenStack-Helm's sizes each is a GET of up to
        273 KiB and its decoding) with the same chart, values and manifest; only the hooks'
        run times change, which no pass reads (a revision is pending until its last version,
        so the status is the same)."""
        if not secret["metadata"]["labels"].get("status", "").startswith("pending-"):
            return None
        revision = _revision(secret)
        return next((k for k in self._cache if k[0] == release and k[1] == revision), None)

    def latest(self, secrets: Iterable[Mapping[str, Any]],
               fetched: Mapping[str, Mapping[str, Any]] | None = None
               ) -> dict[str, DeployedRelease]:
        """The newest revision of every release; `fetched` holds whole Secrets read for
        `missing` (by Secret name), which stand in for their listed metadata."""
        fetched = fetched or {}
        live: set[tuple[str, int, str]] = set()
        result: dict[str, DeployedRelease] = {}
        for name, listed in newest_revisions(secrets).items():
            revisions = [fetched.get(s["metadata"]["name"], s) for s in listed]
            newest = revisions[-1]
            deployed = [
                _revision(s) for s in revisions
                if s["metadata"]["labels"].get("status") in ("deployed", "superseded")
            ]
            key = _key(name, newest)
            live.add(key)
            if key in self._cache:
                self._cache.move_to_end(key)
            elif (earlier := self._rewritten(name, newest)) is not None:
                self._cache[key] = self._cache.pop(earlier)
            else:
                self._cache[key] = self._decode(name, key[1], newest.get("data") or {})
            dressing = {
                "deployed_revision": max(deployed) if deployed else None,
                "labels": dict(newest["metadata"].get("labels") or {}),
                "stored_at": newest["metadata"].get("creationTimestamp", ""),
                "first_stored_at": revisions[0]["metadata"].get("creationTimestamp", ""),
            }
            dressed = self._dressed.get(key)
            if dressed is None or dressed[0] != dressing:
                # the same object while nothing changed: what it caches (its values hash)
                # is computed once, not on every pass
                dressed = self._dressed[key] = (dressing, replace(self._cache[key], **dressing))
            result[name] = dressed[1]
        for stale in [k for k in self._cache if k not in live]:
            del self._cache[stale]
        while len(self._cache) > self._kept:
            self._cache.popitem(last=False)
        for gone in [k for k in self._dressed if k not in self._cache]:
            del self._dressed[gone]
        revisions_kept = {k[:2] for k in self._cache}
        for gone in [k for k in self._parsed if k not in revisions_kept]:
            del self._parsed[gone]
        return result

    def _decode(self, release: str, revision: int, data: Mapping[str, Any]) -> DeployedRelease:
        """A revision's record, its manifest parsed only if it is new: while its hooks run,
        helm rewrites the record of the revision several times (status, hook runs) with the
        same manifest, and a pass decodes each version it sees (YAML is most of the CPU a
        converge costs the operator at OpenStack-Helm's sizes)."""
        rel = release_from_storage(data)
        texts = [rel.get("manifest") or "", *((h.get("manifest") or "")
                                              for h in rel.get("hooks") or ())]
        digest = hashlib.blake2b("\0".join(texts).encode(), digest_size=16).digest()
        parsed = self._parsed.get((release, revision))
        if parsed is None or parsed[0] != digest:
            parsed = (digest, load_manifest(texts[0]), _hook_objects(rel.get("hooks") or ()))
            self._parsed[(release, revision)] = parsed
        return _to_release(rel, parsed[1], parsed[2])

    def __len__(self) -> int:
        return len(self._cache)


def _to_release(rel: Mapping[str, Any], manifest: tuple[Mapping[str, Any], ...],
                hooks: tuple[Mapping[str, Any], ...]) -> DeployedRelease:
    info = rel.get("info", {})
    metadata = rel.get("chart", {}).get("metadata", {})
    return DeployedRelease(
        name=rel["name"],
        namespace=rel.get("namespace", ""),
        revision=int(rel.get("version", 0)),
        status=info.get("status", "unknown"),
        chart=metadata.get("name", ""),
        version=metadata.get("version", ""),
        values=rel.get("config") or {},
        manifest=manifest,
        hooks=hooks,
        last_deployed=info.get("last_deployed", ""),
        description=info.get("description", ""),
    )
