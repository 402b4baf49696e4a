"""Parsing a request path into (resource type, namespace, name, subresource)."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import ApiError, not_implemented
from .resources import Registry, ResourceType

# Subresources kube-apiserver has and the simulator does not: answered 501, never faked.
UNIMPLEMENTED_SUBRESOURCES = {
    "log",
    "exec",
    "attach",
    "portforward",
    "proxy",
    "eviction",
    "binding",
    "finalize",
    "ephemeralcontainers",
    "resize",
    "token",
    "approval",
}


@dataclass(frozen=True)
class Target:
    rtype: ResourceType
    namespace: str | None  # None: all namespaces (collection) or cluster-scoped
    name: str | None
    subresource: str
    watch_path: bool = False


def _not_found_path(path: str) -> ApiError:
    return ApiError(
        404,
        "NotFound",
        "the server could not find the requested resource",
        {
            "causes": [
                {"reason": "UnexpectedServerResponse", "message": f"404 page not found: {path}"}
            ]
        },
    )


def parse(registry: Registry, path: str) -> Target:
    parts = [p for p in path.split("/") if p]
    if parts[:2] == ["api", "v1"]:
        group, version, rest = "", "v1", parts[2:]
    elif parts and parts[0] == "apis" and len(parts) >= 3:
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        raise _not_found_path(path)
    watch_path = bool(rest) and rest[0] == "watch"
    if watch_path:
        rest = rest[1:]
    if not rest:
        raise _not_found_path(path)
    namespace: str | None = None
    if rest[0] == "namespaces" and len(rest) >= 3:
        candidate = registry.get(group, version, rest[2])
        if candidate is not None and candidate.namespaced:
            namespace, rest = rest[1], rest[2:]
        elif group != "" or rest[2] not in ("status", "finalize"):
            raise _not_found_path(path)
    rtype = registry.get(group, version, rest[0])
    if rtype is None or len(rest) > 3:
        raise _not_found_path(path)
    if rtype.namespaced and namespace is None and len(rest) > 1:
        raise _not_found_path(path)
    name = rest[1] if len(rest) > 1 else None
    sub = rest[2] if len(rest) > 2 else ""
    if sub and sub not in rtype.subresources:
        if sub in UNIMPLEMENTED_SUBRESOURCES:
            raise not_implemented(f"the {rtype.plural}/{sub} subresource")
        raise _not_found_path(path)
    return Target(rtype, namespace, name, sub, watch_path)
