"""Drift: objects of a release that are gone, or no longer say what the release rendered. Pure.

An object has drifted when some field the chart rendered has another value in the cluster.
Fields the chart did not render (defaults, status, what controllers add) are not drift, and
neither are fields it rendered null: OpenStack-Helm's snippets that render nothing leave
`annotations: null` or `securityContext: null`, which the API server drops or defaults.
Hook objects are not compared: Helm re-creates them on every upgrade by design. Nor are Jobs
that completed: a finished Job is history; re-running it to match its manifest would re-run
a bootstrap (an upgrade that changes a Job's template replaces it, see `immutable`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

from osprey.quantity import quantity
from osprey.releases import DeployedRelease

# The kinds a pass lists and can therefore compare; others are left to Helm.
COMPARED_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job", "Service", "ConfigMap", "Secret",
                  "PersistentVolumeClaim")
_COMPARED_TOP = ("spec", "data", "binaryData")
_COMPARED_META = ("labels", "annotations")

Key = tuple[str, str]  # (kind, name)

# Fields of type Quantity in what a pass compares: resource requirements and emptyDir limits.
_QUANTITY_PATH = re.compile(r"(resources\.(requests|limits)\.[^[]+|\.sizeLimit)$")


@dataclass(frozen=True)
class Drift:
    kind: str
    name: str
    missing: bool
    fields: tuple[str, ...] = ()
    # For objects not in the manifest (claims of StatefulSets): the merge patch that repairs it.
    patch: Mapping[str, Any] | None = None
    # The fields the comparison left to someone else (`ignore`), to judge the object again.
    ignored: tuple[str, ...] = ()

    @property
    def ref(self) -> str:
        return f"{self.kind}/{self.name}"


def _empty(value: Any) -> bool:
    return value is None or value == {} or value == []


def _zero(value: Any) -> bool:
    """A value the API server does not keep when a field is optional (`omitempty`): rendered
    `hostNetwork: false` or `value: ""` reads back as no field at all."""
    return _empty(value) or value in ("", 0, False)


def _same_scalar(want: Any, have: Any, path: str) -> bool:
    if want == have:
        return True
    if _QUANTITY_PATH.search(path):
        # The API server keeps quantities canonical: "2000m" reads back "2".
        wanted = quantity(want)
        return wanted is not None and wanted == quantity(have)
    # YAML renders 80 and "80" alike in places; the API keeps the type it was given.
    return isinstance(want, (int, float, str)) and str(want) == str(have)


def differences(want: Any, have: Any, path: str = "") -> list[str]:
    """Paths where `have` does not hold what `want` says (`want` is a subset of `have`;
    a null in `want` asks for nothing, as the API server keeps no nulls)."""
    if want is None:
        return []
    if isinstance(want, Mapping):
        if not isinstance(have, Mapping):
            return [] if _empty(want) and _empty(have) else [path or "."]
        found: list[str] = []
        for key, value in want.items():
            sub = f"{path}.{key}" if path else str(key)
            if key not in have:
                if not _zero(value):
                    found.append(sub)
                continue
            found += differences(value, have[key], sub)
        return found
    if isinstance(want, list):
        if not isinstance(have, list) or len(have) != len(want):
            return [] if _empty(want) and _empty(have) else [path]
        found = []
        for i, (w, h) in enumerate(zip(want, have, strict=True)):
            found += differences(w, h, f"{path}[{i}]")
        return found
    return [] if _same_scalar(want, have, path) else [path]


def object_drift(
    want: Mapping[str, Any], have: Mapping[str, Any] | None, ignore: Collection[str] = ()
) -> Drift:
    kind, name = want["kind"], want["metadata"]["name"]
    ignored = tuple(sorted(ignore))
    if have is None:
        return Drift(kind, name, missing=True, ignored=ignored)
    fields: list[str] = []
    for key in _COMPARED_TOP:
        if key in want:
            fields += differences(want[key], have.get(key), key)
    for key in _COMPARED_META:
        wanted = (want.get("metadata") or {}).get(key)
        if wanted:
            fields += differences(wanted, (have.get("metadata") or {}).get(key), f"metadata.{key}")
    return Drift(kind, name, missing=False, fields=tuple(f for f in fields if f not in ignore),
                 ignored=ignored)


def judge(want: Mapping[str, Any], have: Mapping[str, Any] | None, ignore: Collection[str] = (),
          settled_at: str | None = None) -> Drift | None:
    """One manifest object against one version of it: its drift, or None when it holds what
    was rendered, is at the version our last repair left (`settled_at`), or is a Job that
    completed."""
    if have is not None and (settled_at == have["metadata"].get("resourceVersion")
                             or (want["kind"] == "Job" and job_completed(have))):
        return None
    drift = object_drift(want, have, ignore)
    return drift if drift.missing or drift.fields else None


def release_drift(
    release: DeployedRelease,
    live: Mapping[Key, Mapping[str, Any]],
    *,
    ignore: Mapping[Key, Collection[str]] | None = None,
    settled: Mapping[Key, str] | None = None,
    clean: MutableMapping[Key, tuple[Any, ...]] | None = None,
) -> tuple[Drift, ...]:
    """Missing or modified objects of a release's manifest.

    `ignore` names fields owned by someone else (an HPA's replicas); `settled` maps objects
    to the resourceVersion our own last repair left them at: an object still at that version
    has been put back as far as the API server allows, and is not reported again. `clean` is
    the caller's memo of objects found as rendered (updated here): an object compared clean
    at the same release revision and resourceVersion is not walked again, as neither side
    changed; the walk over every field of every object is most of a no-op pass. Each object
    is judged by `judge`, as heal judges it again before a repair.
    """
    ignore = ignore or {}
    settled = settled or {}
    found = []
    for want in release.manifest:
        kind = want.get("kind")
        name = (want.get("metadata") or {}).get("name")
        if kind not in COMPARED_KINDS or not name:
            continue
        have, fields = live.get((kind, name)), ignore.get((kind, name), ())
        compared = _compared_at(release, have, fields)
        if clean is not None and compared is not None and clean.get((kind, name)) == compared:
            continue
        drift = judge(want, have, fields, settled.get((kind, name)))
        if drift is not None:
            found.append(drift)
        elif clean is not None and compared is not None:
            clean[(kind, name)] = compared
    for claim, size in claims_to_expand(release, _claims(release, live)):
        found.append(Drift("PersistentVolumeClaim", claim, missing=False,
                           fields=("spec.resources.requests.storage",),
                           patch={"spec": {"resources": {"requests": {"storage": size}}}}))
    return tuple(found)


def _compared_at(release: DeployedRelease, have: Mapping[str, Any] | None,
                 ignore: Collection[str]) -> tuple[Any, ...] | None:
    """What a comparison's outcome depends on: the manifest (a release's revision; a release
    installed again starts at revision 1, hence the deploy time), the live object's version
    and the fields ignored. None when the live object has no version to go by."""
    version = (have or {}).get("metadata", {}).get("resourceVersion")
    if version is None:
        return None
    return (release.name, release.revision, release.last_deployed, version, tuple(sorted(ignore)))


def job_completed(job: Mapping[str, Any]) -> bool:
    """Whether a live Job has finished successfully (condition Complete=True)."""
    return any(
        c.get("type") == "Complete" and c.get("status") == "True"
        for c in (job.get("status") or {}).get("conditions") or ()
    )


def _claims(release: DeployedRelease,
            live: Mapping[Key, Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """The namespace's PersistentVolumeClaims, looked up only for a release whose
    StatefulSets template claims."""
    if not any(o.get("kind") == "StatefulSet" and (o.get("spec") or {}).get("volumeClaimTemplates")
               for o in release.manifest):
        return {}
    return {name: obj for (kind, name), obj in live.items() if kind == "PersistentVolumeClaim"}


def claims_to_expand(
    release: DeployedRelease, claims: Mapping[str, Mapping[str, Any]]
) -> list[tuple[str, str]]:
    """(claim, size) for volumes of the release's StatefulSets smaller than their template
    asks: a StatefulSet never resizes the claims it created. Never a shrink."""
    found = []
    for sts in release.manifest:
        if sts.get("kind") != "StatefulSet":
            continue
        sts_name = sts["metadata"]["name"]
        for template in (sts.get("spec") or {}).get("volumeClaimTemplates") or ():
            want = template.get("spec", {}).get("resources", {}).get("requests", {}).get("storage")
            want_bytes = quantity(want) if want else None
            if want_bytes is None:
                continue
            prefix = f"{template['metadata']['name']}-{sts_name}-"
            for name, claim in claims.items():
                if not (name.startswith(prefix) and name[len(prefix):].isdigit()):
                    continue
                have = claim.get("spec", {}).get("resources", {}).get("requests", {}).get(
                    "storage", "0")
                have_bytes = quantity(have)
                if have_bytes is not None and have_bytes < want_bytes:
                    found.append((name, want))
    return sorted(found)
