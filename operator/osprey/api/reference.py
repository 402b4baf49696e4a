"""docs/reference.md, generated from the CRD schema (itself generated from the models)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from osprey.api.crd import openapi_schema
from osprey.api.formats import PATTERN_MEANINGS


def _type(node: dict[str, Any]) -> str:
    if node.get("x-kubernetes-preserve-unknown-fields"):
        return "object (free-form)"
    kind = node.get("type", "any")
    if kind == "array":
        return f"[]{_type(node.get('items', {}))}"
    if kind == "object" and "additionalProperties" in node:
        return f"map[string]{_type(node['additionalProperties'])}"
    return kind


def _constraints(node: dict[str, Any]) -> str:
    parts = []
    if "enum" in node:
        parts.append("one of " + ", ".join(f"`{v}`" for v in node["enum"]))
    for key, word in (("minimum", ">="), ("maximum", "<="), ("minLength", "length >="),
                      ("maxLength", "length <="), ("maxProperties", "entries <=")):
        if key in node:
            parts.append(f"{word} {node[key]}")
    if node.get("pattern") in PATTERN_MEANINGS:
        parts.append(PATTERN_MEANINGS[node["pattern"]])
    elif "pattern" in node:
        parts.append(f"pattern `{node['pattern']}`")
    return "; ".join(parts)


def _rows(node: dict[str, Any], path: str) -> Iterator[tuple[str, str, str, str]]:
    for name, child in (node.get("properties") or {}).items():
        here = f"{path}.{name}"
        default = json.dumps(child["default"]) if "default" in child else ""
        description = " ".join(child.get("description", "").split())
        extra = _constraints(child)
        yield here, _type(child), default, description + (f" ({extra})" if extra else "")
        yield from _rows(child, here)
        if child.get("type") == "array":
            yield from _rows(child.get("items", {}), f"{here}[]")


def reference_markdown() -> str:
    schema = openapi_schema()
    lines = [
        "# OpenStackControlPlane reference",
        "",
        "`osprey.dev/v1alpha1`, namespaced, short names `oscp` and `osctlplane`. Generated from",
        "the pydantic models by `make docs`; do not edit by hand.",
        "",
        "`spec` is required: `spec: {}` asks for every default, and a resource without a spec",
        "is refused rather than defaulted. The rules below name the field they concern;",
        "`metadata.name` is limited because the name becomes a label value.",
        "",
    ]
    for top in ("spec", "status"):
        lines += [f"## {top}", "", "| field | type | default | description |",
                  "|---|---|---|---|"]
        for path, kind, default, description in _rows(schema["properties"][top], top):
            cell = description.replace("|", "\\|")
            lines.append(f"| `{path}` | {kind} | {f'`{default}`' if default else ''} | {cell} |")
        lines.append("")
    rules = [r for r in _validations(schema)]
    if rules:
        lines += ["## Rules (CEL, enforced at admission and by the operator)", ""]
        lines += [f"- `{path}`: {message}" for path, message in rules]
        lines.append("")
    return "\n".join(lines)


def _validations(node: dict[str, Any], path: str = "") -> Iterator[tuple[str, str]]:
    for rule in node.get("x-kubernetes-validations") or ():
        field = f"{path}{rule.get('fieldPath', '')}".lstrip(".")
        yield field or ".", rule.get("message", rule["rule"])
    for name, child in (node.get("properties") or {}).items():
        yield from _validations(child, f"{path}.{name}" if path else name)
