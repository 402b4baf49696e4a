"""Unknown-field detection for built-in kinds (fieldValidation Strict/Warn), from the
Kubernetes JSON schemas shipped by the `kubernetes-validate` package.

Only unknown fields are reported, as the apiserver's strict decoding does; type and
required-field checks of built-in kinds are not simulated (see README).
"""

from __future__ import annotations

import functools
import re
from typing import Any

import jsonschema
from kubernetes_validate import utils as kv
from referencing import Registry, Resource

KUBE_VERSION = "1.37.0"


@functools.cache
def _validator(api_version: str, kind: str) -> Any:
    group_version = re.sub(r"^([^./]*)(?:\.[^/]*)?/", r"\1-", api_version)
    folder = f"kubernetes-json-schema/v{kv.major_minor(KUBE_VERSION)}.0-local-strict"
    try:
        schema = kv.schema_contents(f"{folder}/{kind.lower()}-{group_version}.json", KUBE_VERSION)
    except FileNotFoundError:
        return None
    definitions = kv.schema_contents(f"{folder}/_definitions.json", KUBE_VERSION)
    registry = Resource.from_contents(definitions) @ (Resource.from_contents(schema) @ Registry())
    return jsonschema.validators.Draft202012Validator(schema, registry=registry)


def _render(path: list[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def unknown_fields(obj: dict[str, Any]) -> list[str] | None:
    """Paths like `spec.template.spec.containers[0].imagePullPolcy`; None without a schema."""
    validator = _validator(obj.get("apiVersion", ""), obj.get("kind", ""))
    if validator is None:
        return None
    found: list[str] = []
    for error in validator.iter_errors(obj):
        for leaf in [error, *(error.context or [])]:
            if leaf.validator != "additionalProperties" or not isinstance(leaf.instance, dict):
                continue
            known = set(leaf.schema.get("properties") or {})
            for key in leaf.instance:
                if key not in known:
                    path = _render([*leaf.absolute_path, key])
                    if path not in found:
                        found.append(path)
    return found
