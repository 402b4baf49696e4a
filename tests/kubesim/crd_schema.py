"""A CRD version's openAPIV3Schema, judged as kube-apiserver judges it when the CRD is written.

A port of validateCustomResourceDefinitionValidation and ValidateCustomResourceDefinitionOpenAPI
Schema (k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/validation/validation.go), in
kube's order: the structural rules (crd_structural.py) first; only if they hold, the defaults
(crd_defaults.py); only if those hold too, the CEL rules are compiled against their node's type,
their cost estimated and limited (per expression, and for the whole schema). The OpenAPI checks
of every node (unsupported keywords, list and map types, rule placement, `reason`,
`fieldPath`) are reported in any case, all of them before any CEL error.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from .crd_defaults import default_errors
from .crd_rules import (
    STATIC_ESTIMATED_CRD_COST_LIMIT,
    CelBudget,
    TotalCost,
    compile_rules,
    cost_message,
    rule_field_errors,
)
from .crd_structural import validate_structural
from .field_errors import (
    forbidden,
    go_quote,
    go_strings,
    go_value,
    invalid,
    not_supported,
    required,
)
from .schema_values import Cause

OPENAPI_TYPES = ["array", "boolean", "integer", "number", "object", "string"]
ROOT_FIELDS_WITH_STATUS = ("description", "type", "format", "title", "maximum",
                           "exclusiveMaximum", "minimum", "exclusiveMinimum", "maxLength",
                           "minLength", "pattern", "maxItems", "minItems", "uniqueItems",
                           "multipleOf", "required", "items", "properties", "externalDocs",
                           "example", "x-kubernetes-preserve-unknown-fields",
                           "x-kubernetes-validations")
_GO_ROOT_FIELDS = ("[Description Type Format Title Maximum ExclusiveMaximum Minimum "
                   "ExclusiveMinimum MaxLength MinLength Pattern MaxItems MinItems UniqueItems "
                   "MultipleOf Required Items Properties ExternalDocs Example "
                   "XPreserveUnknownFields XValidations]")
META_FIELDS = ("metadata", "kind", "apiVersion")


def structural_errors(schema: dict[str, Any], path: str = "openAPIV3Schema") -> list[str]:
    """Every error kube-apiserver reports for this openAPIV3Schema, as `field: message` lines."""
    return [f"{c.field}: {c.message}" for c in schema_errors(schema, path)]


def schema_errors(schema: dict[str, Any], path: str, *, status_enabled: bool = False,
                  suppress_expression_cost: bool = False) -> list[Cause]:
    """validateCustomResourceDefinitionValidation of one openAPIV3Schema at `path`."""
    errors: list[Cause] = []
    if status_enabled:
        if schema.get("type", "object") != "object":
            errors.append(invalid(f"{path}.type", go_quote(schema["type"]),
                                  'only "object" is allowed as the type at the root of the '
                                  "schema if the status subresource is enabled"))
        elif any(k not in ROOT_FIELDS_WITH_STATUS for k, v in schema.items()
                 if v not in (None, False, "", [], {})):
            errors.append(invalid(path, "apiextensions.JSONSchemaProps{...}",
                                  f"only {_GO_ROOT_FIELDS} fields are allowed at the root of "
                                  "the schema if the status subresource is enabled"))
    if schema.get("nullable"):
        errors.append(forbidden(f"{path}.nullable", "nullable cannot be true at the root"))
    context: CelBudget | None = None
    structural = validate_structural(schema, path)
    if structural:
        errors += structural
    else:
        defaults = default_errors(schema, path)
        if defaults:
            errors += defaults
        else:
            context = CelBudget(total=TotalCost(), suppress=suppress_expression_cost)
    found = _Found()
    _node(schema, path, _Scope(), True, context, 1, found)
    errors += found.schema + found.cel
    if context is not None and context.total.total > STATIC_ESTIMATED_CRD_COST_LIMIT:
        for cost_path, _ in context.total.most_expensive:
            errors.append(forbidden(cost_path, "contributed to estimated rule cost total "
                                    "exceeding cost limit for entire OpenAPIv3 schema"))
        errors.append(forbidden(path, cost_message(
            "x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema",
            context.total.total, STATIC_ESTIMATED_CRD_COST_LIMIT)))
    return errors


@dataclass(frozen=True)
class _Scope:
    """specStandardValidatorV3's state on the way down."""

    allow_defaults: bool = True
    no_defaults_reason: str = ""
    inside_meta: bool = False
    uncorrelatable: str | None = None

    def without_defaults(self, reason: str) -> _Scope:
        return replace(self, allow_defaults=False, no_defaults_reason=reason)

    def without_old_self(self, path: str) -> _Scope:
        return self if self.uncorrelatable is not None else replace(self, uncorrelatable=path)


@dataclass
class _Found:
    schema: list[Cause] = field(default_factory=list)
    cel: list[Cause] = field(default_factory=list)


def _children_cardinality(s: dict[str, Any], cardinality: int | None) -> int | None:
    """The most times a child of `s` can occur (None: unbounded), after extractMaxElements."""
    if cardinality is None:
        return None
    kind = s.get("type")
    if kind == "object" and "additionalProperties" in s:
        return cardinality * max(s["maxProperties"], 0) if "maxProperties" in s else None
    if kind == "array":
        return cardinality * max(s["maxItems"], 0) if "maxItems" in s else None
    return cardinality


def _node(s: Any, path: str, scope: _Scope, is_root: bool, cel: CelBudget | None,
          cardinality: int | None, found: _Found) -> None:
    if not isinstance(s, dict):
        return
    before = len(found.schema)
    found.schema += _standard(s, path, scope)
    if s.get("uniqueItems"):
        found.schema.append(forbidden(f"{path}.uniqueItems", "uniqueItems cannot be set to "
                                      "true since the runtime complexity becomes quadratic"))
    child_card = _children_cardinality(s, cardinality)
    addl = s.get("additionalProperties")
    if addl is not None:
        if s.get("properties") and (addl is False or isinstance(addl, dict)):
            found.schema.append(forbidden(f"{path}.additionalProperties",
                                          "additionalProperties and properties are mutual "
                                          "exclusive"))
        sub_scope = scope
        if scope.inside_meta:
            sub_scope = scope.without_defaults("inside additionalProperties applying to "
                                               "object metadata")
        _node(addl, f"{path}.additionalProperties", sub_scope, False, cel, child_card, found)
    embedded = bool(s.get("x-kubernetes-embedded-resource"))
    for key, prop in (s.get("properties") or {}).items():
        sub_scope = scope
        if (is_root or embedded) and key in META_FIELDS:
            sub_scope = replace(sub_scope, inside_meta=True)
            if is_root:
                sub_scope = sub_scope.without_defaults(f"in top-level {key}")
        _node(prop, f"{path}.properties[{key}]", sub_scope, False, cel, child_card, found)
    _node(s.get("not"), f"{path}.not", scope, False, None, None, found)
    for junction in ("allOf", "oneOf", "anyOf"):
        for i, sub in enumerate(s.get(junction) or []):
            _node(sub, f"{path}.{junction}[{i}]", scope, False, None, None, found)
    for key, sub in (s.get("definitions") or {}).items():
        _node(sub, f"{path}.definitions[{key}]", scope, False, None, None, found)
    if "items" in s:
        sub_scope = scope
        if s.get("x-kubernetes-list-type") != "map":
            sub_scope = scope.without_old_self(path)
        if isinstance(s["items"], dict):
            _node(s["items"], f"{path}.items", sub_scope, False, cel, child_card, found)
        elif isinstance(s["items"], list):
            for i, sub in enumerate(s["items"]):
                _node(sub, f"{path}.items[{i}]", sub_scope, False, cel, child_card, found)
    found.schema += _extensions(s, path)
    found.schema += _map_list_keys(s, path)
    rules = s.get("x-kubernetes-validations") or []
    found.schema += rule_field_errors(s, rules, path)
    if rules and len(found.schema) == before and cel is not None:
        found.cel += compile_rules(s, rules, path, scope.uncorrelatable, is_root, cel,
                                   cardinality)


def _standard(s: dict[str, Any], path: str, scope: _Scope) -> list[Cause]:
    """specStandardValidatorV3.validate: keywords a CRD schema may not use."""
    errors = []
    kind = s.get("type")
    if kind and kind not in OPENAPI_TYPES:
        errors.append(not_supported(f"{path}.type", kind, OPENAPI_TYPES))
    if "default" in s and s["default"] is not None and not scope.allow_defaults:
        detail = "must not be set" + (f" {scope.no_defaults_reason}"
                                      if scope.no_defaults_reason else "")
        errors.append(forbidden(f"{path}.default", detail))
    for key, detail in (("id", "id is not supported"),
                        ("additionalItems", "additionalItems is not supported"),
                        ("patternProperties", "patternProperties is not supported"),
                        ("definitions", "definitions is not supported"),
                        ("dependencies", "dependencies is not supported"),
                        ("$ref", "$ref is not supported")):
        if s.get(key) not in (None, "", {}):
            errors.append(forbidden(f"{path}.{key}", detail))
    if kind == "null":
        errors.append(forbidden(f"{path}.type", "type cannot be set to null, use nullable as "
                                "an alternative"))
    if isinstance(s.get("items"), list):
        errors.append(forbidden(f"{path}.items", "items must be a schema object and not an "
                                "array"))
    if scope.inside_meta and s.get("x-kubernetes-embedded-resource"):
        errors.append(forbidden(f"{path}.x-kubernetes-embedded-resource",
                                "must not be used inside of resource meta"))
    return errors


def _extensions(s: dict[str, Any], path: str) -> list[Cause]:
    errors = []
    kind = s.get("type") or ""
    if s.get("x-kubernetes-preserve-unknown-fields") is False:
        errors.append(invalid(f"{path}.x-kubernetes-preserve-unknown-fields", "false",
                              "must be true or undefined"))
    map_type = s.get("x-kubernetes-map-type")
    if map_type is not None and kind != "object":
        detail = "must be object if x-kubernetes-map-type is specified"
        errors.append(required(f"{path}.type", detail) if not kind
                      else invalid(f"{path}.type", go_quote(kind), detail))
    if map_type is not None and map_type not in ("atomic", "granular"):
        errors.append(not_supported(f"{path}.x-kubernetes-map-type", map_type,
                                    ["atomic", "granular"]))
    list_type = s.get("x-kubernetes-list-type")
    items = s.get("items") if isinstance(s.get("items"), dict) else None
    if list_type is not None and kind != "array":
        detail = "must be array if x-kubernetes-list-type is specified"
        errors.append(required(f"{path}.type", detail) if not kind
                      else invalid(f"{path}.type", go_quote(kind), detail))
    elif list_type == "set" and items is not None:
        detail = "must be atomic as item of a list with x-kubernetes-list-type=set"
        if items.get("type") == "array" and items.get("x-kubernetes-list-type") not in (
                None, "atomic"):
            errors.append(invalid(f"{path}.items.x-kubernetes-list-type",
                                  go_quote(items["x-kubernetes-list-type"]), detail))
        if items.get("type") == "object" and items.get("x-kubernetes-map-type") != "atomic":
            errors.append(invalid(f"{path}.items.x-kubernetes-map-type",
                                  go_value(items.get("x-kubernetes-list-type")), detail))
    if list_type is not None and list_type not in ("atomic", "set", "map"):
        errors.append(not_supported(f"{path}.x-kubernetes-list-type", list_type,
                                    ["atomic", "set", "map"]))
    keys = s.get("x-kubernetes-list-map-keys") or []
    if keys:
        detail = "must be map if x-kubernetes-list-map-keys is non-empty"
        if list_type is None:
            errors.append(required(f"{path}.x-kubernetes-list-type", detail))
        elif list_type != "map":
            errors.append(invalid(f"{path}.x-kubernetes-list-type", go_quote(list_type), detail))
    if list_type == "map":
        if not keys:
            errors.append(required(f"{path}.x-kubernetes-list-map-keys",
                                   "must not be empty if x-kubernetes-list-type is map"))
        if "items" not in s:
            errors.append(required(f"{path}.items",
                                   "must have a schema if x-kubernetes-list-type is map"))
        elif items is not None and items.get("type") != "object":
            errors.append(invalid(f"{path}.items.type", go_quote(items.get("type") or ""),
                                  "must be object if parent array's x-kubernetes-list-type "
                                  "is map"))
        elif items is not None:
            seen: set[str] = set()
            for key in keys:
                prop = (items.get("properties") or {}).get(key)
                if prop is None:
                    errors.append(invalid(f"{path}.x-kubernetes-list-map-keys", go_strings(keys),
                                          "entries must all be names of item properties"))
                elif prop.get("type") in ("array", "object"):
                    errors.append(invalid(f"{path}.items.properties[{key}].type",
                                          go_quote(items["type"]), "must be a scalar type if "
                                          "parent array's x-kubernetes-list-type is map"))
                if key in seen:
                    errors.append(invalid(f"{path}.x-kubernetes-list-map-keys", go_strings(keys),
                                          "must not contain duplicate entries"))
                seen.add(key)
    return errors


def _map_list_keys(s: dict[str, Any], path: str) -> list[Cause]:
    """validateMapListKeysMapSet: set and map list items, and map keys, are never null."""
    items = s.get("items")
    list_type = s.get("x-kubernetes-list-type")
    if not isinstance(items, dict) or list_type not in ("set", "map"):
        return []
    errors = []
    if items.get("nullable"):
        errors.append(forbidden(f"{path}.items.nullable",
                                f"cannot be nullable when x-kubernetes-list-type is {list_type}"))
    if list_type == "map":
        required_keys = set(items.get("required") or [])
        for key in s.get("x-kubernetes-list-map-keys") or []:
            prop = (items.get("properties") or {}).get(key)
            if prop is None:
                continue
            if key not in required_keys and prop.get("default") is None:
                errors.append(required(f"{path}.items.properties[{key}].default",
                                       "this property is in x-kubernetes-list-map-keys, so it "
                                       "must have a default or be a required property"))
            if prop.get("nullable"):
                errors.append(forbidden(f"{path}.items.properties[{key}].nullable",
                                        "this property is in x-kubernetes-list-map-keys, so it "
                                        "cannot be nullable"))
    return errors
