"""Server-side printing (`Accept: application/json;as=Table;g=meta.k8s.io;v=v1`), which
kubectl asks for on `get`: a CRD's additionalPrinterColumns (or Age), the built-in kinds'
columns of printers.py, Name and Age for the other built-in kinds. Every column is sent
with its priority; kubectl shows priority > 0 only with `-o wide`.
"""

from __future__ import annotations

import re
from typing import Any

from .printers import BUILTIN, Column, age, since
from .resources import ResourceType


def _get(obj: Any, *path: str, default: Any = 0) -> Any:
    for part in path:
        obj = obj.get(part) if isinstance(obj, dict) else None
    return default if obj is None else obj


_TOKEN = re.compile(
    r"\.([A-Za-z0-9_-]+)|\[(\d+|\*)\]|\[\?\(@\.([A-Za-z0-9_.-]+)\s*==\s*['\"]([^'\"]*)['\"]\)\]"
)


def jsonpath(obj: Any, expression: str) -> list[Any]:
    """The JSONPath subset printer columns use: fields, [n], [*], [?(@.k=="v")]."""
    nodes = [obj]
    expression = expression.strip().strip("{}").removeprefix("$")
    pos = 0
    while pos < len(expression):
        match = _TOKEN.match(expression, pos)
        if not match:
            return []
        pos = match.end()
        field, index, key, value = match.groups()
        out: list[Any] = []
        for node in nodes:
            if field is not None and isinstance(node, dict) and field in node:
                out.append(node[field])
            elif index is not None and isinstance(node, list):
                out.extend(node if index == "*" else node[int(index) : int(index) + 1])
            elif key is not None and isinstance(node, list):
                out.extend(
                    i
                    for i in node
                    if isinstance(i, dict) and str(_get(i, *key.split("."), default="")) == value
                )
        nodes = out
    return nodes


def _crd_columns(rtype: ResourceType) -> list[Column]:
    """A version's additionalPrinterColumns, or Age alone when it declares none (the
    apiextensions-apiserver default); never both."""
    assert rtype.crd is not None
    version = next(v for v in rtype.crd["spec"]["versions"] if v["name"] == rtype.version)
    specs = version.get("additionalPrinterColumns") or [
        {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}
    ]
    columns: list[Column] = []
    for spec in specs:

        def cell(
            obj: dict[str, Any], path: str = spec["jsonPath"], kind: str = spec["type"]
        ) -> Any:
            found = jsonpath(obj, path)
            if not found:
                return None
            value = found[0] if len(found) == 1 else ",".join(str(v) for v in found)
            return since(value) if kind == "date" else value

        columns.append(
            Column(
                spec["name"],
                spec["type"],
                cell,
                spec.get("priority", 0),
                spec.get("description")
                or f"Custom resource definition column (in JSONPath format): {spec['jsonPath']}",
                spec.get("format", ""),
            )
        )
    return columns


NAME = Column(
    "Name",
    "string",
    lambda o: o["metadata"]["name"],
    0,
    "Name must be unique within a namespace. Is required when creating resources, although "
    "some resources may allow a client to request the generation of an appropriate name "
    "automatically. Name is primarily intended for creation idempotence and configuration "
    "definition. Cannot be updated.",
    "name",
)


def columns(rtype: ResourceType) -> list[Column]:
    if rtype.is_custom:
        return [NAME, *_crd_columns(rtype)]
    if (rtype.group, rtype.plural) == ("", "events"):
        return list(BUILTIN[("", "events")])
    found = BUILTIN.get((rtype.group, rtype.plural))
    if found is None:
        return [NAME, Column("Age", "string", age, 0, "Time since creation.")]
    return [NAME, *found]


def table(
    rtype: ResourceType,
    items: list[dict[str, Any]],
    metadata: dict[str, Any],
    include_object: str = "PartialObjectMetadata",
) -> dict[str, Any]:
    cols = columns(rtype)
    rows = []
    for obj in items:
        row: dict[str, Any] = {"cells": [col.cell(obj) for col in cols]}
        if include_object == "Object":
            row["object"] = obj
        elif include_object != "None":
            row["object"] = {
                "kind": "PartialObjectMetadata",
                "apiVersion": "meta.k8s.io/v1",
                "metadata": obj["metadata"],
            }
        rows.append(row)
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": metadata,
        "columnDefinitions": [
            {
                "name": col.name,
                "type": col.type,
                "format": col.format,
                "description": col.description,
                "priority": col.priority,
            }
            for col in cols
        ],
        "rows": rows,
    }
