"""Objects an upgrade cannot change in place, decided from the manifest it will apply. Pure.

Kubernetes refuses changes to a Job's pod template and to a StatefulSet's spec beyond a few
fields (its volumeClaimTemplates above all), and Helm never deletes an object to re-create
it: the upgrade fails. OpenStack-Helm renders plain (non-hook) Jobs such as nova-bootstrap
whose template changes with the images of every OpenStack release, so such upgrades are
expected. Before helm runs, the manifest the upgrade will apply is compared with the one the
release holds (what Helm itself diffs) and, for objects the release did not render before,
with the live object; each object whose immutable part changes is replaced on purpose: a Job
with its pods (Foreground), a StatefulSet orphaning its pods and claims (the new one adopts
them: no data and no running pod is lost).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from osprey.drift import differences
from osprey.releases import DeployedRelease

Key = tuple[str, str]  # (kind, name)

# Fields of a Job's spec the API server refuses to change (ValidateJobSpecUpdate).
_JOB_IMMUTABLE = ("template", "selector", "completions", "completionMode", "podFailurePolicy",
                  "backoffLimitPerIndex", "managedBy")
# Fields of a StatefulSet's spec it lets change (ValidateStatefulSetUpdate); the rest may not.
_STATEFULSET_MUTABLE = frozenset({"replicas", "ordinals", "template", "updateStrategy",
                                  "minReadySeconds", "persistentVolumeClaimRetentionPolicy"})
PROPAGATION = {"Job": "Foreground", "StatefulSet": "Orphan"}


@dataclass(frozen=True)
class Replacement:
    """An object to delete before the upgrade, so that the upgrade creates it anew."""

    kind: str
    name: str
    fields: tuple[str, ...]  # the immutable fields that change, e.g. spec.template

    @property
    def propagation(self) -> str:
        return PROPAGATION[self.kind]

    @property
    def ref(self) -> str:
        return f"{self.kind}/{self.name}"


def immutable_part(obj: Mapping[str, Any]) -> dict[str, Any]:
    """The part of an object's spec that can only change by re-creating the object, with
    the nulls and empty values the API server would not keep."""
    spec = obj.get("spec") or {}
    if obj.get("kind") == "Job":
        part = {k: spec[k] for k in _JOB_IMMUTABLE if k in spec}
    elif obj.get("kind") == "StatefulSet":
        part = {k: v for k, v in spec.items() if k not in _STATEFULSET_MUTABLE}
    else:
        return {}
    return _kept(part)


def _kept(value: Any) -> Any:
    if isinstance(value, Mapping):
        kept = {k: _kept(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v not in (None, {}, [])}
    if isinstance(value, list):
        return [_kept(v) for v in value]
    return value


def _by_key(objects: Iterable[Mapping[str, Any]]) -> dict[Key, Mapping[str, Any]]:
    """Jobs and StatefulSets by (kind, name), hooks left out (Helm re-creates those)."""
    return {
        (o["kind"], o["metadata"]["name"]): o
        for o in objects
        if o.get("kind") in PROPAGATION
        and (o.get("metadata") or {}).get("name")
        and "helm.sh/hook" not in ((o.get("metadata") or {}).get("annotations") or {})
    }


def candidates(objects: Iterable[Mapping[str, Any]]) -> list[Key]:
    """The non-hook Jobs and StatefulSets among `objects`: what an upgrade may have to
    replace."""
    return list(_by_key(objects))


def has_candidates(release: DeployedRelease) -> bool:
    """Whether the release renders anything an upgrade may have to replace (else its
    upgrades need no rendering first)."""
    return bool(_by_key(release.manifest))


def replacements(
    rendered: Iterable[Mapping[str, Any]],
    deployed: DeployedRelease | None,
    live: Mapping[Key, Mapping[str, Any]],
) -> list[Replacement]:
    """Jobs and StatefulSets of the `rendered` manifest whose immutable fields the upgrade
    would change on a live object.

    Against a release whose newest revision is deployed, the comparison is with that
    revision's manifest, as Helm's own diff (the live object may show normalised values). A
    failed or pending revision may hold a manifest that never reached the cluster (an upgrade
    that failed on this very Job), so then, as for objects the release did not render, the
    live object decides."""
    trusted = deployed is not None and deployed.status == "deployed"
    before = _by_key(deployed.manifest) if trusted else {}
    found = []
    for key, new in _by_key(rendered).items():
        have = live.get(key)
        if have is None:
            continue
        want = immutable_part(new)
        if key in before:
            old = immutable_part(before[key])
            changed = sorted(f"spec.{k}" for k in set(want) | set(old) if want.get(k) != old.get(k))
        else:
            changed = sorted({f"spec.{path.split('.')[0].split('[')[0]}"
                              for path in differences(want, immutable_part(have))})
        if changed:
            found.append(Replacement(key[0], key[1], tuple(changed)))
    return found
