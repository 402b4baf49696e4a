"""Server-side printing (`Accept: application/json;as=Table;g=meta.k8s.io;v=v1`), which
kubectl asks for on `get`: a CRD's additionalPrinterColumns, a few columns of the built-in
workloads, Name and Age for everything else.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from .resources import ResourceType

Column = tuple[str, str, str, Callable[[dict[str, Any]], Any]]  # name, type, description, cell


def wants_table(accept: str) -> bool:
    for part in accept.split(","):
        params = {p.split("=")[0].strip(): p.split("=")[-1].strip() for p in part.split(";")[1:]}
        if params.get("as") == "Table" and params.get("g") == "meta.k8s.io":
            return True
        if part.strip().split(";")[0] in ("application/json", "*/*") and "as" not in params:
            return False
    return False


def _age(obj: dict[str, Any]) -> str:
    stamp = obj["metadata"].get("creationTimestamp")
    if not stamp:
        return "<unknown>"
    seconds = int(
        (
            datetime.now(UTC) - datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        ).total_seconds()
    )
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= 2 * size:
            return f"{seconds // size}{unit}"
    return f"{max(seconds, 0)}s"


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
    assert rtype.crd is not None
    version = next(v for v in rtype.crd["spec"]["versions"] if v["name"] == rtype.version)
    columns: list[Column] = []
    for spec in version.get("additionalPrinterColumns") or []:

        def cell(
            obj: dict[str, Any], path: str = spec["jsonPath"], kind: str = spec["type"]
        ) -> Any:
            found = jsonpath(obj, path)
            if not found:
                return None
            value = found[0] if len(found) == 1 else ",".join(str(v) for v in found)
            return _age({"metadata": {"creationTimestamp": value}}) if kind == "date" else value

        columns.append((spec["name"], spec["type"], spec.get("description", ""), cell))
    return columns


_BUILTIN: dict[tuple[str, str], list[Column]] = {
    ("apps", "deployments"): [
        (
            "Ready",
            "string",
            "",
            lambda o: f"{_get(o, 'status', 'readyReplicas')}/{_get(o, 'spec', 'replicas')}",
        ),
        ("Up-to-date", "integer", "", lambda o: _get(o, "status", "updatedReplicas")),
        ("Available", "integer", "", lambda o: _get(o, "status", "availableReplicas")),
    ],
    ("apps", "statefulsets"): [
        (
            "Ready",
            "string",
            "",
            lambda o: f"{_get(o, 'status', 'readyReplicas')}/{_get(o, 'spec', 'replicas')}",
        )
    ],
    ("apps", "daemonsets"): [
        ("Desired", "integer", "", lambda o: _get(o, "status", "desiredNumberScheduled")),
        ("Ready", "integer", "", lambda o: _get(o, "status", "numberReady")),
    ],
    ("batch", "jobs"): [
        (
            "Status",
            "string",
            "",
            lambda o: next(
                (
                    c["type"]
                    for c in _get(o, "status", "conditions", default=[])
                    if c["type"] in ("Complete", "Failed") and c["status"] == "True"
                ),
                "Running",
            ),
        ),
        (
            "Completions",
            "string",
            "",
            lambda o: (
                f"{_get(o, 'status', 'succeeded')}/{_get(o, 'spec', 'completions', default=1)}"
            ),
        ),
    ],
    ("", "persistentvolumeclaims"): [
        ("Status", "string", "", lambda o: _get(o, "status", "phase", default="")),
        ("Capacity", "string", "", lambda o: _get(o, "status", "capacity", "storage", default="")),
    ],
    ("", "namespaces"): [
        ("Status", "string", "", lambda o: _get(o, "status", "phase", default=""))
    ],
}


def columns(rtype: ResourceType) -> list[Column]:
    middle = (
        _crd_columns(rtype) if rtype.is_custom else _BUILTIN.get((rtype.group, rtype.plural), [])
    )
    name: Column = (
        "Name",
        "string",
        "Name must be unique within a namespace.",
        lambda o: o["metadata"]["name"],
    )
    age: Column = ("Age", "string", "Time since creation.", _age)
    return [name, *middle, age]


def table(
    rtype: ResourceType,
    items: list[dict[str, Any]],
    metadata: dict[str, Any],
    include_object: str = "PartialObjectMetadata",
) -> dict[str, Any]:
    cols = columns(rtype)
    rows = []
    for obj in items:
        row: dict[str, Any] = {"cells": [cell(obj) for _, _, _, cell in cols]}
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
                "name": n,
                "type": t,
                "format": "name" if n == "Name" else "",
                "description": d,
                "priority": 0,
            }
            for n, t, d, _ in cols
        ],
        "rows": rows,
    }
