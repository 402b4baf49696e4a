"""Pydantic's JSON schema made into a Kubernetes structural schema.

kube-apiserver accepts a CRD schema only if it is structural: a type on every node, no $ref,
no unions, no `additionalProperties: false`. Pydantic emits all of those, so this pass inlines
references, turns Optional[X] into X (absent means None: no null type, no default null), keeps
unknown fields only where a model says so (`values` maps), and writes each default so that
kube's structural defaulting yields exactly the pydantic defaults: in its smallest form (nested
defaults already come from the children), except at nodes with CEL rules, whose default is
written expanded (see `written_default`).
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, NoDefault
from pydantic_core import core_schema, to_jsonable_python

# Keys pydantic writes that mean nothing to kube (or that kube's JSONSchemaProps lacks).
_DROPPED = ("title", "examples")
PRESERVE = "x-kubernetes-preserve-unknown-fields"
VALIDATIONS = "x-kubernetes-validations"


class UnsupportedSchema(ValueError):
    """The models use a construct a structural schema cannot express (e.g. a real union)."""


class _FactoryDefaults(GenerateJsonSchema):
    """Also report defaults made by default_factory, which pydantic leaves out by default."""

    def get_default_value(self, schema: core_schema.WithDefaultSchema) -> Any:
        factory = schema.get("default_factory")
        if factory is not None and not schema.get("default_factory_takes_data"):
            return to_jsonable_python(factory(), by_alias=True)
        return schema.get("default", NoDefault)


def structural_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The structural openAPIV3Schema of a pydantic model."""
    raw = model.model_json_schema(schema_generator=_FactoryDefaults, mode="validation")
    defs = raw.pop("$defs", {})
    return _node(raw, defs, where=model.__name__)


def _resolve(node: dict[str, Any], defs: dict[str, Any], where: str) -> dict[str, Any]:
    """Inline $ref, single allOf and Optional's anyOf, keeping the node's own keys on top."""
    node = dict(node)
    while True:
        if "$ref" in node:
            target = defs[node.pop("$ref").rsplit("/", 1)[-1]]
            node = {**target, **node}
        elif "allOf" in node and len(node["allOf"]) == 1:
            node = {**node.pop("allOf")[0], **node}
        elif "anyOf" in node:
            options = [o for o in node.pop("anyOf") if o.get("type") != "null"]
            if len(options) != 1:
                raise UnsupportedSchema(f"{where}: a union of several types is not structural")
            if node.get("default", NoDefault) is None:
                del node["default"]
            node = {**options[0], **node}
        else:
            return node


def _node(node: dict[str, Any], defs: dict[str, Any], where: str) -> dict[str, Any]:
    node = _resolve(node, defs, where)
    for key in _DROPPED:
        if key == "examples" and node.get("examples"):
            node["example"] = node["examples"][0]
        node.pop(key, None)
    if node.get("additionalProperties") is False:
        del node["additionalProperties"]
    if node.get("additionalProperties") is True or node.get(PRESERVE):
        node.pop("additionalProperties", None)
        node[PRESERVE] = True
        node.setdefault("type", "object")
    for bound, flag in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if isinstance(node.get(bound), (int, float)) and not isinstance(node[bound], bool):
            node[flag] = node[bound]
            node[bound] = True
    if "properties" in node:
        node["properties"] = {
            name: _node(prop, defs, f"{where}.{name}") for name, prop in node["properties"].items()
        }
    for key in ("items", "additionalProperties"):
        if isinstance(node.get(key), dict):
            node[key] = _node(node[key], defs, f"{where}[]")
    if "default" in node:
        node["default"] = written_default(node["default"], node)
    return node


def apply_defaults(value: Any, schema: dict[str, Any]) -> Any:
    """kube-apiserver's structural defaulting of `value`, in place; returns it for chaining."""
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for name, prop in props.items():
            if name not in value and "default" in prop:
                value[name] = copy.deepcopy(prop["default"])
        for name, item in value.items():
            if name in props:
                apply_defaults(item, props[name])
            elif isinstance(schema.get("additionalProperties"), dict):
                apply_defaults(item, schema["additionalProperties"])
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for item in value:
            apply_defaults(item, schema["items"])
    return value


def written_default(value: Any, schema: dict[str, Any]) -> Any:
    """The default of a node as the CRD writes it.

    kube-apiserver checks a default, as written (no nested defaulting first, oldSelf = the
    default), against the CEL rules of its node and of the nodes present in it. So at a node
    with rules the default is written expanded, the value the rules see on a stored object;
    elsewhere it is written in its smallest form.
    """
    value = _without_nulls(value)
    if schema.get(VALIDATIONS):
        return apply_defaults(value, schema)
    return minimal_default(value, schema)


def minimal_default(value: Any, schema: dict[str, Any]) -> Any:
    """`value` without what the children's own defaults would fill in (and without nulls);
    children with CEL rules that stay are written expanded."""
    value = _without_nulls(value)
    props = schema.get("properties")
    if not isinstance(value, dict) or props is None:
        return value
    out = {}
    for name, item in value.items():
        prop = props.get(name, {})
        if "default" in prop and apply_defaults(copy.deepcopy(prop["default"]), prop) == item:
            continue
        out[name] = written_default(item, prop)
    return out


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value
