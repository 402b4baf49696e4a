"""A minimal, honest OpenAPI v3: operations and their parameters, no type schemas.

kubectl and helm read `/openapi/v3` to learn whether the server validates fields itself
(the `fieldValidation` parameter of PATCH); they then leave validation to the server. The
documents list every served operation with the parameters the simulator honours, and
`components.schemas` stays empty because the simulator has no schemas of built-in types
(clients fall back to their compiled-in types for strategic merge patches).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from .resources import Registry, ResourceType

_WRITE_PARAMS = ["dryRun", "fieldManager", "fieldValidation"]


def _params(names: list[str]) -> list[dict[str, Any]]:
    return [
        {"name": n, "in": "query", "schema": {"type": "string", "uniqueItems": True}} for n in names
    ]


def _prefix(group: str, version: str) -> str:
    return f"api/{version}" if not group else f"apis/{group}/{version}"


def _operations(t: ResourceType) -> dict[str, Any]:
    gvk = {"group": t.group, "version": t.version, "kind": t.kind}
    base = "/" + _prefix(t.group, t.version)
    collection = (
        f"{base}/namespaces/{{namespace}}/{t.plural}" if t.namespaced else f"{base}/{t.plural}"
    )
    item = collection + "/{name}"

    def op(action: str, params: list[str]) -> dict[str, Any]:
        return {
            "operationId": f"{action}{t.kind}",
            "x-kubernetes-action": action,
            "x-kubernetes-group-version-kind": gvk,
            "parameters": _params(params),
            "responses": {"200": {"description": "OK"}},
        }

    paths = {
        collection: {
            "get": op(
                "list",
                [
                    "labelSelector",
                    "fieldSelector",
                    "limit",
                    "continue",
                    "resourceVersion",
                    "watch",
                    "timeoutSeconds",
                ],
            ),
            "post": op("post", _WRITE_PARAMS),
            "delete": op("deletecollection", ["labelSelector", "fieldSelector"]),
        },
        item: {
            "get": op("get", []),
            "put": op("put", _WRITE_PARAMS),
            "patch": op("patch", _WRITE_PARAMS + ["force"]),
            "delete": op("delete", ["dryRun", "propagationPolicy", "gracePeriodSeconds"]),
        },
    }
    for sub in sorted(t.subresources):
        paths[f"{item}/{sub}"] = {
            "get": op("get", []),
            "put": op("put", _WRITE_PARAMS),
            "patch": op("patch", _WRITE_PARAMS + ["force"]),
        }
    return paths


def root(registry: Registry) -> dict[str, Any]:
    paths = {}
    for group, versions in registry.groups().items():
        for version in versions:
            doc = group_version(registry, group, version)
            digest = (
                hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:16].upper()
            )
            prefix = _prefix(group, version)
            paths[prefix] = {"serverRelativeURL": f"/openapi/v3/{prefix}?hash={digest}"}
    return {"paths": paths}


def group_version(registry: Registry, group: str, version: str) -> dict[str, Any] | None:
    types = [t for t in registry.all() if (t.group, t.version) == (group, version)]
    if not types:
        return None
    paths: dict[str, Any] = {}
    for t in types:
        paths.update(_operations(t))
    return {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes (kubesim)", "version": "v1.37.0"},
        "paths": paths,
        "components": {"schemas": {}},
    }
