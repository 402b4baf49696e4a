"""Which control plane a namespace and its releases belong to. Pure.

Release names are the chart names (OpenStack-Helm's cross-chart endpoint defaults rely on
it), so two control planes in one namespace would install, upgrade and roll back the same
releases. One control plane holds a namespace; the releases it installs carry its name in
Helm's record (`helm --labels`, OWNER_LABEL on the storage Secrets), and a release that does
not carry it is never upgraded, rolled back or uninstalled.

Releases installed by an Osprey from before the label are adopted by the control plane that
holds the namespace when they were installed after its credentials Secret was created (the
first thing an Osprey pass does) and their values hold those credentials wherever their chart
renders them. Anything else is left alone and reported.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from osprey.recovery import CredentialPaths, value_at
from osprey.releases import OWNER_LABEL, DeployedRelease

LABEL_VALUE_MAX = 63


def owner_value(control_plane: str) -> str:
    """OWNER_LABEL's value for a control plane: its name, or, for a name longer than a label
    value may be, a prefix and a digest of it."""
    if len(control_plane) <= LABEL_VALUE_MAX:
        return control_plane
    digest = hashlib.sha256(control_plane.encode()).hexdigest()[:10]
    return f"{control_plane[:LABEL_VALUE_MAX - 11]}-{digest}"


@dataclass(frozen=True)
class ControlPlaneRef:
    """An OpenStackControlPlane of the namespace: its name and metadata.creationTimestamp."""

    name: str
    created: str

    @classmethod
    def of(cls, body: Mapping[str, Any]) -> ControlPlaneRef:
        meta = body["metadata"]
        return cls(meta["name"], meta.get("creationTimestamp") or "")


def namespace_holder(
    me: ControlPlaneRef, control_planes: Iterable[ControlPlaneRef], owners: Iterable[str]
) -> str | None:
    """The control plane that holds the namespace if it is not `me`, else None.

    The oldest control plane of the namespace holds it (creation time, then name). A younger
    one holds it only if no other is older, and then not while releases of another owner are
    there and none of its own: those belong to a control plane deleted without its finalizer
    running, or to one of another namespace's Osprey.
    """
    mine = (me.created, me.name)
    older = sorted((c.created, c.name) for c in control_planes if (c.created, c.name) < mine)
    if older:
        return older[0][1]
    owners = set(owners)
    if owner_value(me.name) in owners:
        return None
    names = {owner_value(c.name): c.name for c in control_planes}
    others = sorted(owners)
    return names.get(others[0], others[0]) if others else None


def split(
    deployed: Mapping[str, DeployedRelease], control_plane: str
) -> tuple[dict[str, DeployedRelease], dict[str, DeployedRelease], dict[str, str]]:
    """(ours, without an owner, owner of each release of another control plane)."""
    mine = owner_value(control_plane)
    ours = {n: r for n, r in deployed.items() if r.owner == mine}
    unlabelled = {n: r for n, r in deployed.items() if r.owner is None}
    others = {n: r.owner for n, r in deployed.items() if r.owner not in (None, mine)}
    return ours, unlabelled, others


def carries_marks(
    values: Mapping[str, Any], paths: CredentialPaths, credentials: Mapping[str, str]
) -> bool:
    """Whether stored values were rendered with these credentials: the credentials the chart
    renders that the values hold are all equal, and they hold at least one (a chart that
    renders none has nothing to check; one rendered before a peer service was enabled lacks
    that peer's password, and is still ours)."""
    held = [
        (value, credentials.get(key))
        for key, key_paths in paths.items()
        for path in key_paths
        if (value := value_at(values, path)) is not None
    ]
    return all(value == ours for value, ours in held) and (bool(held) or not paths)


def adoptable(
    unlabelled: Mapping[str, DeployedRelease],
    paths: Mapping[str, CredentialPaths],
    credentials: Mapping[str, str],
    credentials_since: str,
    planned: Mapping[str, str],
) -> list[str]:
    """Releases without an owner that an earlier Osprey installed for this control plane:
    stored no earlier than its credentials Secret (`credentials_since`, RFC 3339) and
    carrying its credentials; for a chart that renders none (memcached), carrying exactly the
    values the plan renders (`planned`: the plan's hash per release). A hand-installed
    memcached stores only the values its user gave, so it is never taken for ours, however
    close in time to the Secret it was installed (timestamps have one-second resolution)."""
    def ours(name: str, release: DeployedRelease) -> bool:
        if paths.get(name):
            return carries_marks(release.values, paths[name], credentials)
        return release.values_hash == planned.get(name)

    return [
        n for n, r in unlabelled.items()
        if r.first_stored_at and _instant(r.first_stored_at) >= _instant(credentials_since)
        and ours(n, r)
    ]


def _instant(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp)


def not_ours(release: str, owner: str | None, control_plane: str) -> str:
    """Why a release is left alone, for its service's status."""
    if owner is not None:
        return (f"release {release} exists and is not managed by this control plane: "
                f"it belongs to control plane {owner} ({OWNER_LABEL}={owner})")
    return (f"release {release} exists and is not managed by this control plane: it has no "
            f"{OWNER_LABEL} label (installed by hand or by another tool); uninstall it, or "
            f"label its Helm records (owner=helm,name={release}) "
            f"{OWNER_LABEL}={owner_value(control_plane)} to hand it over")
