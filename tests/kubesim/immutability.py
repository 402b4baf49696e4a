"""Fields the apiserver refuses to change after creation, with its 422 wording."""

from __future__ import annotations

import json
from typing import Any

from .errors import invalid
from .resources import ResourceType

# Paths that never change once set, per kind.
_IMMUTABLE: dict[tuple[str, str], tuple[str, ...]] = {
    ("batch", "jobs"): ("spec.template", "spec.selector", "spec.completionMode"),
    ("apps", "deployments"): ("spec.selector",),
    ("apps", "daemonsets"): ("spec.selector",),
    ("apps", "replicasets"): ("spec.selector",),
    ("", "services"): ("spec.clusterIP",),
    ("", "persistentvolumeclaims"): (
        "spec.accessModes",
        "spec.storageClassName",
        "spec.volumeMode",
        "spec.selector",
        "spec.dataSource",
    ),
}
_STATEFULSET_MUTABLE = {
    "replicas",
    "ordinals",
    "template",
    "updateStrategy",
    "persistentVolumeClaimRetentionPolicy",
    "minReadySeconds",
    "revisionHistoryLimit",
}


def _at(obj: dict[str, Any], path: str) -> Any:
    node: Any = obj
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _short(value: Any) -> str:
    text = json.dumps(value, separators=(",", ":"), sort_keys=True)
    return text if len(text) <= 120 else text[:117] + "..."


def check(rtype: ResourceType, old: dict[str, Any], new: dict[str, Any]) -> None:
    key, name = (rtype.group, rtype.plural), new["metadata"]["name"]
    causes = []
    for path in _IMMUTABLE.get(key, ()):
        before, after = _at(old, path), _at(new, path)
        if before is not None and before != after:
            causes.append(
                {
                    "reason": "FieldValueInvalid",
                    "field": path,
                    "message": f"Invalid value: {_short(after)}: field is immutable",
                }
            )
    if key == ("apps", "statefulsets"):
        before = {k: v for k, v in (old.get("spec") or {}).items() if k not in _STATEFULSET_MUTABLE}
        after = {k: v for k, v in (new.get("spec") or {}).items() if k not in _STATEFULSET_MUTABLE}
        if before != after:
            causes.append(
                {
                    "reason": "FieldValueForbidden",
                    "field": "spec",
                    "message": (
                        "Forbidden: updates to statefulset spec for fields other than 'replicas', "
                        "'ordinals', 'template', 'updateStrategy', "
                        "'persistentVolumeClaimRetentionPolicy' "
                        "and 'minReadySeconds' are forbidden"
                    ),
                }
            )
    if key in {("", "configmaps"), ("", "secrets")} and old.get("immutable"):
        for field in ("data", "binaryData", "immutable"):
            if old.get(field) != new.get(field):
                causes.append(
                    {
                        "reason": "FieldValueForbidden",
                        "field": field,
                        "message": "Forbidden: field is immutable when `immutable` is set",
                    }
                )
    if causes:
        raise invalid(rtype.kind, rtype.group, name, causes)
