"""PersistentVolumeClaims a chart renders itself, against the claims in the cluster. Pure.

A claim's spec is immutable. One that survived its release (`helm.sh/resource-policy: keep`,
deletionPolicy Retain) and asks for another storage class than the spec now does would fail
every helm upgrade; the release is refused before helm runs, naming the field to change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from osprey import catalog
from osprey.api.spec import ControlPlaneSpec

LiveObjects = Mapping[tuple[str, str], Mapping[str, Any]]


def claim_conflicts(spec: ControlPlaneSpec, live: LiveObjects) -> dict[str, str]:
    """Release -> why helm would fail on one of its claims (the first found)."""
    conflicts: dict[str, str] = {}
    for entry in catalog.enabled_entries(spec):
        for claim in entry.claims(spec):
            existing = live.get(("PersistentVolumeClaim", claim.name))
            if claim.storage_class is None or existing is None:
                continue
            if existing["metadata"].get("deletionTimestamp"):
                continue
            have = (existing.get("spec") or {}).get("storageClassName")
            if have != claim.storage_class and entry.name not in conflicts:
                keep = f"keep {have}" if have else "unset the field"
                conflicts[entry.name] = (
                    f"{claim.field}: the existing claim {claim.name} has storage class "
                    f"{have or '(none)'}, not {claim.storage_class}, and a claim's class "
                    f"cannot change; delete the claim (its data goes with it) or {keep}"
                )
    return conflicts
