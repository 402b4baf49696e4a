"""The scale subresource (autoscaling/v1 Scale) of workloads and of CRDs that declare it."""

from __future__ import annotations

import copy
from typing import Any

from .errors import bad_request
from .resources import ResourceType

_BUILTIN_PATHS = (".spec.replicas", ".status.replicas", None)


def _paths(rtype: ResourceType) -> tuple[str, str, str | None]:
    if rtype.crd is None:
        return _BUILTIN_PATHS
    from .crds import version_of

    scale = (version_of(rtype).get("subresources") or {}).get("scale") or {}
    return (
        scale.get("specReplicasPath", ".spec.replicas"),
        scale.get("statusReplicasPath", ".status.replicas"),
        scale.get("labelSelectorPath"),
    )


def _get(obj: dict[str, Any], path: str) -> Any:
    node: Any = obj
    for part in path.strip(".").split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _selector_string(selector: Any) -> str:
    if isinstance(selector, str):
        return selector
    if isinstance(selector, dict):
        return ",".join(f"{k}={v}" for k, v in (selector.get("matchLabels") or {}).items())
    return ""


def to_scale(rtype: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
    spec_path, status_path, selector_path = _paths(rtype)
    meta = obj["metadata"]
    status: dict[str, Any] = {"replicas": _get(obj, status_path) or 0}
    selector = (
        _get(obj, selector_path) if selector_path else (obj.get("spec") or {}).get("selector")
    )
    if selector:
        status["selector"] = _selector_string(selector)
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            k: meta[k]
            for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
            if k in meta
        },
        "spec": {"replicas": _get(obj, spec_path) or 0},
        "status": status,
    }


def with_replicas(
    rtype: ResourceType, obj: dict[str, Any], scale: dict[str, Any]
) -> dict[str, Any]:
    replicas = (scale.get("spec") or {}).get("replicas")
    if not isinstance(replicas, int) or replicas < 0:
        raise bad_request(f"Scale.spec.replicas must be a non-negative integer, got {replicas!r}")
    new = copy.deepcopy(obj)
    node = new
    parts = _paths(rtype)[0].strip(".").split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
    node[parts[-1]] = replicas
    rv = (scale.get("metadata") or {}).get("resourceVersion")
    if rv:
        new["metadata"]["resourceVersion"] = rv
    return new
