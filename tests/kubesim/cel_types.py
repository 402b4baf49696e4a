"""The CEL types kube-apiserver declares for a schema node (`self` and `oldSelf`).

A port of k8s.io/apiserver/pkg/cel/common.SchemaDeclType: objects with their (escaped)
properties, lists, maps, int-or-string as dyn, string formats as timestamp/duration/bytes, and
the two numbers the cost estimator needs, the most elements a value can have (`max_elements`:
maxLength x 4 for strings, maxItems, maxProperties, or what fits in a 3 MiB request) and the
smallest JSON it can serialise to (`min_size`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_REQUEST_SIZE_BYTES = 3 * 1024 * 1024
MAX_DURATION_SIZE_JSON = 32
MAX_DATETIME_SIZE_JSON = 32
MIN_DURATION_SIZE_JSON = 3
JSON_DATE_SIZE = 12
MIN_DATETIME_SIZE_JSON = 21
MIN_STRING_SIZE = 2
MIN_BOOL_SIZE = 4
MIN_NUMBER_SIZE = 1

CEL_RESERVED = frozenset({
    "true", "false", "null", "in", "as", "break", "const", "continue", "else", "for",
    "function", "if", "import", "let", "loop", "package", "namespace", "return", "var", "void",
    "while",
})
SCALARS = frozenset({"bool", "int", "uint", "double", "timestamp", "duration"})


@dataclass(eq=False)
class CelType:
    """A CEL type; declared (schema) types also carry their size bounds."""

    kind: str  # bool int uint double string bytes null list map object dyn type timestamp
    #            duration error
    elem: CelType | None = None  # list items, map values
    key: CelType | None = None  # map keys
    fields: dict[str, CelType] = field(default_factory=dict)  # object properties (escaped)
    name: str = ""  # object type name, as kube assigns it
    max_elements: int = 0
    min_size: int = 0

    def __str__(self) -> str:
        if self.kind == "list":
            return f"list({self.elem})"
        if self.kind == "map":
            return f"map({self.key}, {self.elem})"
        if self.kind == "object":
            return self.name or "object"
        if self.kind == "null":
            return "null_type"
        if self.kind == "timestamp":
            return "google.protobuf.Timestamp"
        if self.kind == "duration":
            return "google.protobuf.Duration"
        return self.kind


def simple(kind: str, min_size: int = 0) -> CelType:
    return CelType(kind, min_size=min_size)


DYN = simple("dyn")
ERROR = simple("error")
BOOL = simple("bool", MIN_BOOL_SIZE)
INT = simple("int", MIN_NUMBER_SIZE)
UINT = simple("uint", MIN_NUMBER_SIZE)
DOUBLE = simple("double", MIN_NUMBER_SIZE)
STRING = simple("string", MIN_STRING_SIZE)
BYTES = simple("bytes", MIN_STRING_SIZE)
NULL = simple("null")
TIMESTAMP = simple("timestamp")
DURATION = simple("duration")
TYPE = simple("type")


def list_of(elem: CelType) -> CelType:
    return CelType("list", elem=elem, min_size=2)


def map_of(key: CelType, elem: CelType) -> CelType:
    return CelType("map", key=key, elem=elem, min_size=2)


def escape(name: str) -> str | None:
    """A property name as CEL sees it, or None when kube cannot expose it (apiservercel.Escape)."""
    if name in CEL_RESERVED:
        return f"__{name}__"
    if not name or not (name[0].isascii() and (name[0].isalpha() or name[0] == "_")):
        return None
    out = []
    i = 0
    while i < len(name):
        if name.startswith("__", i):
            out.append("__underscores__")
            i += 2
            continue
        ch = name[i]
        if ch == ".":
            out.append("__dot__")
        elif ch == "-":
            out.append("__dash__")
        elif ch == "/":
            out.append("__slash__")
        elif ch.isascii() and (ch.isalnum() or ch == "_"):
            out.append(ch)
        else:
            return None
        i += 1
    return "".join(out)


def decl_type(schema: dict[str, Any], is_root: bool, name: str = "selfType0") -> CelType | None:
    """The CEL type kube declares for a schema node, or None if CEL cannot see it."""
    if schema.get("x-kubernetes-int-or-string"):
        dyn = simple("dyn", 1)
        if "maxLength" in schema:
            dyn.max_elements = max(schema["maxLength"], 0) * 4
        else:
            dyn.max_elements = MAX_REQUEST_SIZE_BYTES - 2
        return dyn
    if is_root:
        schema = with_type_and_object_meta(schema)
    kind = schema.get("type")
    if kind == "array":
        items = schema.get("items")
        if not isinstance(items, dict):
            return None
        item_type = decl_type(items, bool(items.get("x-kubernetes-embedded-resource")),
                              f"{name}.@idx")
        if item_type is None:
            return None
        if "maxItems" in schema:
            max_items = max(schema["maxItems"], 0)
        else:
            max_items = (MAX_REQUEST_SIZE_BYTES - 2) // (item_type.min_size + 1)
        out = list_of(item_type)
        out.max_elements = max_items
        return out
    if kind == "object":
        addl = schema.get("additionalProperties")
        if isinstance(addl, dict):
            value_type = decl_type(addl, bool(addl.get("x-kubernetes-embedded-resource")),
                                   f"{name}.@elem")
            if value_type is None:
                return None
            if "maxProperties" in schema:
                max_props = max(schema["maxProperties"], 0)
            else:
                max_props = (MAX_REQUEST_SIZE_BYTES - 2) // (value_type.min_size + 6)
            out = map_of(STRING, value_type)
            out.max_elements = max_props
            return out
        required = set(schema.get("required") or [])
        fields: dict[str, CelType] = {}
        min_size = 2
        for prop_name, prop in (schema.get("properties") or {}).items():
            escaped = escape(prop_name)
            prop_type = decl_type(prop, bool(prop.get("x-kubernetes-embedded-resource")),
                                  f"{name}.{escaped or prop_name}")
            if prop_type is None:
                continue
            if escaped is not None:
                fields[escaped] = prop_type
            if prop_name in required and "default" not in prop:
                min_size += len(prop_name) + prop_type.min_size + 4
        return CelType("object", fields=fields, name=name, min_size=min_size)
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "byte":
            out = simple("bytes", MIN_STRING_SIZE)
            out.max_elements = (max(schema["maxLength"], 0) if "maxLength" in schema
                                else MAX_REQUEST_SIZE_BYTES - 2)
            return out
        if fmt == "duration":
            out = simple("duration", MIN_DURATION_SIZE_JSON)
            out.max_elements = MAX_DURATION_SIZE_JSON
            return out
        if fmt == "date":
            out = simple("timestamp", JSON_DATE_SIZE)
            out.max_elements = JSON_DATE_SIZE
            return out
        if fmt == "date-time":
            out = simple("timestamp", MIN_DATETIME_SIZE_JSON)
            out.max_elements = MAX_DATETIME_SIZE_JSON
            return out
        out = simple("string", MIN_STRING_SIZE)
        if "maxLength" in schema:
            out.max_elements = max(schema["maxLength"], 0) * 4
        elif schema.get("enum"):
            out.max_elements = max((len(v) for v in schema["enum"] if isinstance(v, str)),
                                   default=0)
        else:
            out.max_elements = MAX_REQUEST_SIZE_BYTES - 2
        return out
    if kind == "boolean":
        return simple("bool", MIN_BOOL_SIZE)
    if kind == "number":
        return simple("double", MIN_NUMBER_SIZE)
    if kind == "integer":
        return simple("int", MIN_NUMBER_SIZE)
    return None


def with_type_and_object_meta(schema: dict[str, Any]) -> dict[str, Any]:
    """The root (or embedded resource) as CEL sees it: kind, apiVersion, metadata.name."""
    props = dict(schema.get("properties") or {})
    props["kind"] = {"type": "string"}
    props["apiVersion"] = {"type": "string"}
    props["metadata"] = {"type": "object", "properties": {"name": {"type": "string"},
                                                          "generateName": {"type": "string"}}}
    return {**schema, "properties": props}


def max_cardinality(min_size: int) -> int:
    """How often a value of that minimum size can repeat in one request (kube's fallback)."""
    return MAX_REQUEST_SIZE_BYTES // (min_size + 1)
