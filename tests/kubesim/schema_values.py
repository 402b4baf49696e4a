"""A JSON value against a structural schema: kube-apiserver's pruning, defaulting and OpenAPI
validation, with kube's field errors.

Custom resource admission (schema.py) and CRD validation (crd_defaults.py, which validates the
`default` of every schema node) both use these. Error texts copy kube's field errors, e.g.
`spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0`.
"""

from __future__ import annotations

import base64
import copy
import datetime
import ipaddress
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

ROOT_KEYS = ("apiVersion", "kind", "metadata")


@dataclass(frozen=True)
class Cause:
    """One field error, shaped like an entry of a kube Status's details.causes.

    `message` is kube's error body without the field (e.g. `Invalid value: -1: ...`), as in
    Status causes; `str(cause)` is the full line kube prints: `<field>: <message>`.
    """

    field: str
    reason: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class SchemaViolation(Exception):
    """The object was rejected; `causes` lists every field error, in kube's vocabulary."""

    def __init__(self, causes: list[Cause]) -> None:
        self.causes = list(causes)
        super().__init__(self.aggregate())

    def aggregate(self) -> str:
        """kube's aggregate text: the one error, or `[e1, e2, ...]`."""
        lines = [str(c) for c in self.causes]
        return lines[0] if len(lines) == 1 else "[" + ", ".join(lines) + "]"

    def status_message(self, kind: str, name: str) -> str:
        """The Status message kube returns, e.g. `Foo.example.com "x" is invalid: ...`."""
        return f'{kind} "{name}" is invalid: {self.aggregate()}'


# --- normalisation ---------------------------------------------------------------------------


def normalise(value: Any, schema: dict, *, root: bool = False) -> None:
    """What kube does to a value before validating it: drop nulls, default, prune."""
    _drop_nulls(value, schema)
    _default(value, schema)
    prune(value, schema, root=root)


def _drop_nulls(value: Any, schema: dict) -> None:
    """Remove null values of non-nullable fields that have no default (kube does, pre-defaults)."""
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for key in list(value):
            if key in props:
                prop = props[key]
                if value[key] is None and "default" not in prop and not prop.get("nullable"):
                    del value[key]
                else:
                    _drop_nulls(value[key], prop)
            elif isinstance(schema.get("additionalProperties"), dict):
                _drop_nulls(value[key], schema["additionalProperties"])
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for item in value:
            _drop_nulls(item, schema["items"])


def _default(value: Any, schema: dict) -> None:
    """Structural defaulting: set absent (or non-nullable null) fields, then recurse."""
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for key, prop in props.items():
            if "default" not in prop:
                continue
            if key not in value or (value[key] is None and not prop.get("nullable")):
                value[key] = copy.deepcopy(prop["default"])
        for key, item in value.items():
            if key in props:
                _default(item, props[key])
            elif isinstance(schema.get("additionalProperties"), dict):
                _default(item, schema["additionalProperties"])
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for item in value:
            _default(item, schema["items"])


def prune(value: Any, schema: dict, *, root: bool = False, path: str = "",
           dropped: list[str] | None = None) -> None:
    """Drop fields the schema does not know, unless x-kubernetes-preserve-unknown-fields."""
    if isinstance(value, dict):
        props = schema.get("properties", {})
        addl = schema.get("additionalProperties")
        keep_unknown = schema.get("x-kubernetes-preserve-unknown-fields") or addl is True
        embedded = schema.get("x-kubernetes-embedded-resource")
        for key in list(value):
            if (root or embedded) and key in ROOT_KEYS:
                continue  # ObjectMeta has its own pruning, outside the CRD's schema
            if key in props:
                prune(value[key], props[key], path=child_path(path, key), dropped=dropped)
            elif isinstance(addl, dict):
                prune(value[key], addl, path=child_path(path, key), dropped=dropped)
            elif not keep_unknown:
                del value[key]
                if dropped is not None:
                    dropped.append(child_path(path, key))
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            prune(item, schema["items"], path=f"{path}[{i}]", dropped=dropped)


def unknown_fields(crd_version_schema: dict, obj: dict) -> list[str]:
    """Paths of the fields admission would prune, e.g. `spec.services.swift`.

    For fieldValidation=Strict (kubectl's default): kube answers 400 `strict decoding error:
    unknown field "spec.services.swift"`; with Warn it sends them as warnings instead.
    """
    schema = crd_version_schema.get("openAPIV3Schema", crd_version_schema)
    dropped: list[str] = []
    prune(copy.deepcopy(obj), schema, root=True, dropped=dropped)
    return dropped


# --- OpenAPI validation ----------------------------------------------------------------------


def kube_value(value: Any) -> str:
    """A bad value as kube prints it: strings quoted, numbers and booleans bare."""
    if value is None:
        return '"null"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return _number(value)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _number(n: float) -> str:
    return str(int(n)) if isinstance(n, float) and n.is_integer() else str(n)


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _type_matches(value: Any, typ: str) -> bool:
    actual = _json_type(value)
    return actual == typ or (typ == "number" and actual == "integer")


def child_path(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def invalid_cause(path: str, value: Any, detail: str) -> Cause:
    return Cause(path, "FieldValueInvalid", f"Invalid value: {kube_value(value)}: {detail}")


def validate(value: Any, schema: dict, path: str, causes: list[Cause], *,
              root: bool = False) -> None:
    """Validate one node like kube-openapi, appending kube field errors to `causes`."""
    typ = schema.get("type")
    if value is None and schema.get("nullable"):
        return
    if schema.get("x-kubernetes-int-or-string"):
        if _json_type(value) not in ("integer", "string"):
            causes.append(_type_error(path, value, "integer or string"))
            return
    elif typ and not _type_matches(value, typ):
        causes.append(_type_error(path, value, typ))
        return
    elif value is None and not typ:
        return
    if "enum" in schema and value not in schema["enum"]:
        allowed = ", ".join(json.dumps(v) for v in schema["enum"])
        causes.append(Cause(path, "FieldValueNotSupported", f"Unsupported value: "
                            f"{kube_value(value)}: supported values: {allowed}"))
    if isinstance(value, str):
        _validate_string(value, schema, path, causes)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        _validate_number(value, schema, path, causes)
    elif isinstance(value, list):
        _validate_array(value, schema, path, causes)
    elif isinstance(value, dict):
        _validate_object(value, schema, path, causes, root=root)


def _type_error(path: str, value: Any, typ: str) -> Cause:
    actual = _json_type(value)
    return Cause(path, "FieldValueTypeInvalid",
                 f'Invalid value: "{actual}": {path} in body must be of type {typ}: "{actual}"')


def _validate_string(value: str, schema: dict, path: str, causes: list[Cause]) -> None:
    if "maxLength" in schema and len(value) > schema["maxLength"]:
        causes.append(Cause(path, "FieldValueTooLong",
                            f"Too long: may not be more than {schema['maxLength']} bytes"))
    if "minLength" in schema and len(value) < schema["minLength"]:
        causes.append(invalid_cause(path, value, f"{path} in body should be at least "
                                            f"{schema['minLength']} chars long"))
    if "pattern" in schema and not re.search(schema["pattern"], value):
        causes.append(invalid_cause(path, value, f"{path} in body should match '{schema['pattern']}'"))
    fmt = schema.get("format")
    if fmt and not _format_ok(fmt, value):
        causes.append(Cause(path, "FieldValueTypeInvalid",
                            f"Invalid value: {kube_value(value)}: {path} in body must be of type "
                            f"{fmt}: {kube_value(value)}"))


def _format_ok(fmt: str, value: str) -> bool:
    """The string formats kube checks; formats it does not know are accepted, as kube does."""
    try:
        if fmt in ("date-time", "datetime"):
            datetime.datetime.fromisoformat(value)
        elif fmt == "date":
            datetime.date.fromisoformat(value)
        elif fmt == "uuid":
            uuid.UUID(value)
        elif fmt == "ipv4":
            ipaddress.IPv4Address(value)
        elif fmt == "ipv6":
            ipaddress.IPv6Address(value)
        elif fmt == "cidr":
            ipaddress.ip_network(value, strict=False)
        elif fmt == "byte":
            base64.b64decode(value, validate=True)
        elif fmt == "hostname":
            return bool(re.fullmatch(
                r"[a-zA-Z0-9]([-a-zA-Z0-9]{0,62})?(\.[a-zA-Z0-9]([-a-zA-Z0-9]{0,62})?)*", value))
    except ValueError:
        return False
    return True


def _validate_number(value: float, schema: dict, path: str, causes: list[Cause]) -> None:
    if "minimum" in schema:
        low = schema["minimum"]
        if schema.get("exclusiveMinimum") and value <= low:
            causes.append(invalid_cause(path, value, f"{path} in body should be greater than "
                                                f"{_number(low)}"))
        elif value < low:
            causes.append(invalid_cause(path, value, f"{path} in body should be greater than or "
                                                f"equal to {_number(low)}"))
    if "maximum" in schema:
        high = schema["maximum"]
        if schema.get("exclusiveMaximum") and value >= high:
            causes.append(invalid_cause(path, value, f"{path} in body should be less than "
                                                f"{_number(high)}"))
        elif value > high:
            causes.append(invalid_cause(path, value, f"{path} in body should be less than or "
                                                f"equal to {_number(high)}"))
    if "multipleOf" in schema and (value / schema["multipleOf"]) % 1:
        causes.append(invalid_cause(path, value, f"{path} in body should be a multiple of "
                                            f"{_number(schema['multipleOf'])}"))


def _validate_array(value: list, schema: dict, path: str, causes: list[Cause]) -> None:
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        causes.append(Cause(path, "FieldValueTooMany",
                            f"Too many: {len(value)}: must have at most {schema['maxItems']} "
                            "items"))
    if "minItems" in schema and len(value) < schema["minItems"]:
        causes.append(invalid_cause(path, value, f"{path} in body should have at least "
                                            f"{schema['minItems']} items"))
    items = schema.get("items")
    for i, item in enumerate(value):
        if isinstance(items, dict):
            validate(item, items, f"{path}[{i}]", causes)
    list_type = schema.get("x-kubernetes-list-type")
    if list_type == "set" or schema.get("uniqueItems"):
        seen: list[Any] = []
        for i, item in enumerate(value):
            if item in seen:
                causes.append(Cause(f"{path}[{i}]", "FieldValueDuplicate",
                                    f"Duplicate value: {kube_value(item)}"))
            seen.append(item)
    elif list_type == "map":
        keys = schema.get("x-kubernetes-list-map-keys", [])
        seen_keys: list[dict] = []
        for i, item in enumerate(value):
            if not isinstance(item, dict):
                continue
            key = {k: item.get(k) for k in keys}
            if key in seen_keys:
                causes.append(Cause(f"{path}[{i}]", "FieldValueDuplicate",
                                    f"Duplicate value: {kube_value(key)}"))
            seen_keys.append(key)


def _validate_object(value: dict, schema: dict, path: str, causes: list[Cause], *,
                     root: bool) -> None:
    for key in schema.get("required", []):
        if key not in value:
            causes.append(Cause(child_path(path, key), "FieldValueRequired", "Required value"))
    if "maxProperties" in schema and len(value) > schema["maxProperties"]:
        causes.append(Cause(path, "FieldValueTooMany",
                            f"Too many: {len(value)}: must have at most "
                            f"{schema['maxProperties']} items"))
    if "minProperties" in schema and len(value) < schema["minProperties"]:
        causes.append(invalid_cause(path, value, f"{path} in body should have at least "
                                            f"{schema['minProperties']} properties"))
    props = schema.get("properties", {})
    addl = schema.get("additionalProperties")
    for key, item in value.items():
        if root and key in ROOT_KEYS and key not in props:
            continue
        if key in props:
            validate(item, props[key], child_path(path, key), causes)
        elif isinstance(addl, dict):
            validate(item, addl, child_path(path, key), causes)




def validate_at(value: Any, schema: dict, field: str) -> list[Cause]:
    """Validate a value standing at `field` (e.g. a schema's `default`) as kube-openapi does.

    Messages name fields relative to the value (kube-openapi validates it as a document of its
    own); the causes' fields are prefixed with `field`, as apiextensions' ValidateCustomResource
    does.
    """
    causes: list[Cause] = []
    validate(value, schema, "", causes)
    return [Cause(_under(field, c.field), c.reason, c.message) for c in causes]


def _under(field: str, relative: str) -> str:
    if not relative:
        return field
    return f"{field}{relative}" if relative.startswith("[") else f"{field}.{relative}"
