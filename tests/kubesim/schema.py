"""kube-apiserver's admission of custom resources: prune, default, validate, run CEL rules.

The simulator stores what kube-apiserver would store, and rejects what it would reject, so that
the operator meets the same API in tests as in a cluster. The steps follow
k8s.io/apiextensions-apiserver: drop non-nullable nulls, apply structural defaults, prune unknown
fields, validate the OpenAPI v3 schema, then (only when no type errors were found) evaluate the
`x-kubernetes-validations` CEL rules with cel-python. Error texts copy kube's field errors, e.g.
`spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0`.

Not simulated: validation ratcheting, CEL cost limits, metadata validation beyond keeping it, and
the Kubernetes CEL extension libraries cel-python lacks (a rule using one raises
NotImplementedError naming the function instead of pretending to evaluate it).
"""

from __future__ import annotations

import base64
import copy
import datetime
import functools
import ipaddress
import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

import celpy
import lark
from celpy import celtypes

ROOT_KEYS = ("apiVersion", "kind", "metadata")

# Kubernetes CEL library functions that cel-python 0.5 does not provide.
KUBERNETES_CEL_LIBRARY = frozenset({
    "charAt", "indexOf", "lastIndexOf", "lowerAscii", "upperAscii", "replace", "split",
    "substring", "trim", "join", "format", "quote", "reverse", "isSorted", "sum", "max",
    "slice", "flatten", "distinct", "sort", "sortBy", "range", "first", "last", "find", "findAll",
    "url", "isURL", "getScheme", "getHost", "getHostname", "getPort", "getEscapedPath",
    "getQuery", "quantity", "isQuantity", "sign", "isGreaterThan", "isLessThan", "compareTo",
    "add", "sub", "asInteger", "asApproximateFloat", "isInteger", "ip", "isIP", "cidr",
    "isCIDR", "family", "isUnspecified", "isLoopback", "isLinkLocalMulticast",
    "isLinkLocalUnicast", "isGlobalUnicast", "containsIP", "containsCIDR", "prefixLength",
    "masked", "semver", "isSemver", "major", "minor", "patch", "equivalent", "intersects",
    "greatest", "least", "orValue", "hasValue", "value", "or", "of", "none", "encode", "decode",
    "transformList", "transformMap", "transformMapEntry", "isEmpty",
})
# What cel-python evaluates itself: standard functions, macros, and the lists library's min().
CEL_SUPPORTED = frozenset(celpy.evaluation.base_functions) | {
    "has", "dyn", "all", "exists", "exists_one", "map", "filter", "min",
}
CEL_RESERVED = frozenset({
    "true", "false", "null", "in", "as", "break", "const", "continue", "else", "for",
    "function", "if", "import", "let", "loop", "package", "namespace", "return", "var", "void",
    "while",
})
CEL_REASONS = ("FieldValueInvalid", "FieldValueForbidden", "FieldValueRequired",
               "FieldValueDuplicate")
BLOCKED_CEL_MESSAGE = ("some validation rules were not checked because the object was invalid; "
                       "correct the existing errors to complete validation")


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


def version_schema(crd: dict, version: str) -> dict:
    """The openAPIV3Schema of one served version of a CRD manifest."""
    for v in crd["spec"]["versions"]:
        if v["name"] == version:
            return v["schema"]["openAPIV3Schema"]
    raise KeyError(f"CRD {crd['metadata']['name']} has no version {version}")


def admit(crd_version_schema: dict, obj: dict, old: dict | None, *,
          status_only: bool = False) -> dict:
    """Return the object kube-apiserver would store, or raise SchemaViolation.

    `crd_version_schema` is a version's openAPIV3Schema (or its `schema` wrapper holding it).
    `old` is the stored object on update (enables transition rules using oldSelf). With
    `status_only` (the /status subresource) only obj's status is taken, onto old, and only
    status is validated.
    """
    schema = crd_version_schema.get("openAPIV3Schema", crd_version_schema)
    if status_only:
        new = copy.deepcopy(old if old is not None else obj)
        new.pop("status", None)
        if "status" in obj:
            new["status"] = copy.deepcopy(obj["status"])
        status_schema = schema.get("properties", {}).get("status", {})
        new_part = {"status": new["status"]} if "status" in new else {}
        old_part = {"status": old["status"]} if old is not None and "status" in old else None
        part_schema = {"type": "object", "properties": {"status": status_schema}}
        _check(part_schema, new_part, old_part)
        if "status" in new_part:
            new["status"] = new_part["status"]
        return new
    new = copy.deepcopy(obj)
    _check(schema, new, old, root=True)
    return new


def _check(schema: dict, new: dict, old: dict | None, *, root: bool = False) -> None:
    """Normalise `new` in place (nulls, defaults, pruning), then validate it.

    `old` is normalised too (on a copy): kube applies defaults when it reads from storage,
    so transition rules see a defaulted oldSelf.
    """
    _normalise(new, schema, root=root)
    if old is not None:
        old = copy.deepcopy(old)
        _normalise(old, schema, root=root)
    causes: list[Cause] = []
    _validate(new, schema, "", causes, root=root)
    if any(c.reason == "FieldValueTypeInvalid" for c in causes):
        causes.append(Cause("<nil>", "FieldValueInvalid",
                            f'Invalid value: "null": {BLOCKED_CEL_MESSAGE}'))
    else:
        _run_rules(new, old, schema, "", causes, root=root)
    if causes:
        raise SchemaViolation(causes)


# --- normalisation ---------------------------------------------------------------------------


def _normalise(value: Any, schema: dict, *, root: bool = False) -> None:
    _drop_nulls(value, schema)
    _default(value, schema)
    _prune(value, schema, root=root)


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


def _prune(value: Any, schema: dict, *, root: bool = False, path: str = "",
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
                _prune(value[key], props[key], path=_child(path, key), dropped=dropped)
            elif isinstance(addl, dict):
                _prune(value[key], addl, path=_child(path, key), dropped=dropped)
            elif not keep_unknown:
                del value[key]
                if dropped is not None:
                    dropped.append(_child(path, key))
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            _prune(item, schema["items"], path=f"{path}[{i}]", dropped=dropped)


def unknown_fields(crd_version_schema: dict, obj: dict) -> list[str]:
    """Paths of the fields admission would prune, e.g. `spec.services.swift`.

    For fieldValidation=Strict (kubectl's default): kube answers 400 `strict decoding error:
    unknown field "spec.services.swift"`; with Warn it sends them as warnings instead.
    """
    schema = crd_version_schema.get("openAPIV3Schema", crd_version_schema)
    dropped: list[str] = []
    _prune(copy.deepcopy(obj), schema, root=True, dropped=dropped)
    return dropped


# --- OpenAPI validation ----------------------------------------------------------------------


def _kube_value(value: Any) -> str:
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


def _child(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _invalid(path: str, value: Any, detail: str) -> Cause:
    return Cause(path, "FieldValueInvalid", f"Invalid value: {_kube_value(value)}: {detail}")


def _validate(value: Any, schema: dict, path: str, causes: list[Cause], *,
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
                            f"{_kube_value(value)}: supported values: {allowed}"))
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
        causes.append(_invalid(path, value, f"{path} in body should be at least "
                                            f"{schema['minLength']} chars long"))
    if "pattern" in schema and not re.search(schema["pattern"], value):
        causes.append(_invalid(path, value, f"{path} in body should match '{schema['pattern']}'"))
    fmt = schema.get("format")
    if fmt and not _format_ok(fmt, value):
        causes.append(Cause(path, "FieldValueTypeInvalid",
                            f"Invalid value: {_kube_value(value)}: {path} in body must be of type "
                            f"{fmt}: {_kube_value(value)}"))


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
            causes.append(_invalid(path, value, f"{path} in body should be greater than "
                                                f"{_number(low)}"))
        elif value < low:
            causes.append(_invalid(path, value, f"{path} in body should be greater than or "
                                                f"equal to {_number(low)}"))
    if "maximum" in schema:
        high = schema["maximum"]
        if schema.get("exclusiveMaximum") and value >= high:
            causes.append(_invalid(path, value, f"{path} in body should be less than "
                                                f"{_number(high)}"))
        elif value > high:
            causes.append(_invalid(path, value, f"{path} in body should be less than or "
                                                f"equal to {_number(high)}"))
    if "multipleOf" in schema and (value / schema["multipleOf"]) % 1:
        causes.append(_invalid(path, value, f"{path} in body should be a multiple of "
                                            f"{_number(schema['multipleOf'])}"))


def _validate_array(value: list, schema: dict, path: str, causes: list[Cause]) -> None:
    if "maxItems" in schema and len(value) > schema["maxItems"]:
        causes.append(Cause(path, "FieldValueTooMany",
                            f"Too many: {len(value)}: must have at most {schema['maxItems']} "
                            "items"))
    if "minItems" in schema and len(value) < schema["minItems"]:
        causes.append(_invalid(path, value, f"{path} in body should have at least "
                                            f"{schema['minItems']} items"))
    items = schema.get("items")
    for i, item in enumerate(value):
        if isinstance(items, dict):
            _validate(item, items, f"{path}[{i}]", causes)
    list_type = schema.get("x-kubernetes-list-type")
    if list_type == "set" or schema.get("uniqueItems"):
        seen: list[Any] = []
        for i, item in enumerate(value):
            if item in seen:
                causes.append(Cause(f"{path}[{i}]", "FieldValueDuplicate",
                                    f"Duplicate value: {_kube_value(item)}"))
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
                                    f"Duplicate value: {_kube_value(key)}"))
            seen_keys.append(key)


def _validate_object(value: dict, schema: dict, path: str, causes: list[Cause], *,
                     root: bool) -> None:
    for key in schema.get("required", []):
        if key not in value:
            causes.append(Cause(_child(path, key), "FieldValueRequired", "Required value"))
    if "maxProperties" in schema and len(value) > schema["maxProperties"]:
        causes.append(Cause(path, "FieldValueTooMany",
                            f"Too many: {len(value)}: must have at most "
                            f"{schema['maxProperties']} items"))
    if "minProperties" in schema and len(value) < schema["minProperties"]:
        causes.append(_invalid(path, value, f"{path} in body should have at least "
                                            f"{schema['minProperties']} properties"))
    props = schema.get("properties", {})
    addl = schema.get("additionalProperties")
    for key, item in value.items():
        if root and key in ROOT_KEYS and key not in props:
            continue
        if key in props:
            _validate(item, props[key], _child(path, key), causes)
        elif isinstance(addl, dict):
            _validate(item, addl, _child(path, key), causes)


# --- CEL rules -------------------------------------------------------------------------------


class CELRuleError(ValueError):
    """A rule kube-apiserver would have refused when the CRD was created."""


@dataclass(frozen=True)
class CompiledRule:
    program: celpy.Runner
    uses_old_self: bool


_ENV = celpy.Environment()


@functools.lru_cache(maxsize=1024)
def compile_rule(text: str) -> CompiledRule:
    """Parse a CEL rule once; refuse functions cel-python cannot evaluate faithfully."""
    try:
        ast = _ENV.compile(text)
    except celpy.CELParseError as e:
        raise CELRuleError(f"compilation failed for rule {text!r}: {e}") from e
    used_old_self = False
    for node in ast.iter_subtrees():
        if node.data == "ident" and node.children[0].value == "oldSelf":
            used_old_self = True
        if node.data not in ("member_dot_arg", "ident_arg", "dot_ident_arg"):
            continue
        name_tok = next(c for c in node.children if isinstance(c, lark.Token))
        name = name_tok.value
        if name in CEL_SUPPORTED:
            continue
        if name in KUBERNETES_CEL_LIBRARY:
            raise NotImplementedError(
                f"Kubernetes CEL library function {name}() is not implemented by cel-python; "
                f"used in rule {text!r}")
        raise CELRuleError(f"compilation failed for rule {text!r}: undeclared reference to "
                           f"{name!r}")
    return CompiledRule(_ENV.program(ast), used_old_self)


def _cel_key(name: str) -> str:
    """Escape a property name the way kube exposes it to CEL."""
    if name in CEL_RESERVED:
        return f"__{name}__"
    return (name.replace("__", "__underscores__").replace(".", "__dot__")
            .replace("-", "__dash__").replace("/", "__slash__"))


def to_cel(value: Any, schema: dict) -> Any:
    """Convert JSON to CEL values typed by the schema (objects, maps, number vs integer)."""
    if value is None:
        return None
    if isinstance(value, dict):
        props = schema.get("properties")
        addl = schema.get("additionalProperties")
        out = {}
        for key, item in value.items():
            if props is not None and key in props:
                out[celtypes.StringType(_cel_key(key))] = to_cel(item, props[key])
            elif isinstance(addl, dict):
                out[celtypes.StringType(key)] = to_cel(item, addl)
            else:
                out[celtypes.StringType(key)] = celpy.json_to_cel(item)
        return celtypes.MapType(out)
    if isinstance(value, list):
        items = schema.get("items") if isinstance(schema.get("items"), dict) else {}
        return celtypes.ListType([to_cel(v, items) for v in value])
    if isinstance(value, str) and schema.get("format") in ("date-time", "datetime"):
        return celtypes.TimestampType(value)
    if schema.get("type") == "number" and isinstance(value, int):
        return celtypes.DoubleType(float(value))
    return celpy.json_to_cel(value)


def _root_view(value: dict) -> dict:
    """At the root kube shows CEL only metadata.name and metadata.generateName."""
    view = dict(value)
    if isinstance(value.get("metadata"), dict):
        view["metadata"] = {k: v for k, v in value["metadata"].items()
                            if k in ("name", "generateName")}
    return view


def _run_rules(value: Any, old: Any, schema: dict, path: str, causes: list[Cause], *,
               root: bool = False) -> None:
    """Evaluate x-kubernetes-validations of this node, then of its children (with oldSelf)."""
    if value is None:
        return
    rules = schema.get("x-kubernetes-validations", [])
    if rules:
        cel_self = to_cel(_root_view(value) if root else value, schema)
        cel_old = None
        if old is not None:
            cel_old = to_cel(_root_view(old) if root and isinstance(old, dict) else old, schema)
        for rule in rules:
            cause = _evaluate_rule(rule, cel_self, cel_old, old is not None, schema, path)
            if cause is not None:
                causes.append(cause)
    if isinstance(value, dict):
        props = schema.get("properties", {})
        addl = schema.get("additionalProperties")
        old_map = old if isinstance(old, dict) else {}
        for key, item in value.items():
            sub = props.get(key) if key in props else (addl if isinstance(addl, dict) else None)
            if sub is not None:
                _run_rules(item, old_map.get(key), sub, _child(path, key), causes)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        items = schema["items"]
        old_items = _correlate_list(value, old, schema)
        for i, item in enumerate(value):
            _run_rules(item, old_items[i], items, f"{path}[{i}]", causes)


def _correlate_list(value: list, old: Any, schema: dict) -> list[Any]:
    """Old counterparts of list items: only map lists correlate (by their keys), as in kube."""
    if schema.get("x-kubernetes-list-type") != "map" or not isinstance(old, list):
        return [None] * len(value)
    keys = schema.get("x-kubernetes-list-map-keys", [])

    def key_of(item: Any) -> Any:
        return tuple(item.get(k) for k in keys) if isinstance(item, dict) else None

    old_by_key = {key_of(o): o for o in old}
    return [old_by_key.get(key_of(v)) for v in value]


def _evaluate_rule(rule: dict, cel_self: Any, cel_old: Any, has_old: bool, schema: dict,
                   path: str) -> Cause | None:
    if rule.get("optionalOldSelf"):
        raise NotImplementedError("optionalOldSelf needs CEL optional types, which cel-python "
                                  f"lacks; used in rule {rule['rule']!r}")
    compiled = compile_rule(rule["rule"])
    if compiled.uses_old_self and not has_old:
        return None
    activation = {"self": cel_self}
    if compiled.uses_old_self:
        activation["oldSelf"] = cel_old
    type_name = schema.get("type", "object")
    label = (rule.get("message") or rule["rule"]).strip()
    try:
        result = compiled.program.evaluate(activation)
    except celpy.CELEvalError as e:
        return _invalid(path, type_name, f"{_eval_error_text(e)} evaluating rule: {label}")
    if isinstance(result, celtypes.BoolType) and bool(result):
        return None
    message = (rule.get("message") or "").strip() or f"failed rule: {label}"
    if rule.get("messageExpression"):
        try:
            text = compile_rule(rule["messageExpression"]).program.evaluate(activation)
            if isinstance(text, str) and text.strip():
                message = str(text)
        except celpy.CELEvalError:
            pass
    target = path + _field_path_suffix(rule.get("fieldPath", ""))
    return _rule_cause(target, rule.get("reason", "FieldValueInvalid"), type_name, message)


def _eval_error_text(error: celpy.CELEvalError) -> str:
    """cel-python's error text, with its missing-field message worded as cel-go words it."""
    text = str(error.args[0]) if error.args else str(error)
    missing = re.fullmatch(r"no such member in mapping: '(.*)'", text)
    return f"no such key: {missing.group(1)}" if missing else text


def _field_path_suffix(field_path: str) -> str:
    """A rule's fieldPath (`.a.b`, `.a['k']`) rendered as a kube field path suffix."""
    out = ""
    for name, key in re.findall(r"\.([A-Za-z_][A-Za-z0-9_-]*)|\[['\"]?([^'\"\]]+)['\"]?\]",
                                field_path):
        out += f".{name}" if name else f"[{key}]"
    return out


def _rule_cause(path: str, reason: str, type_name: str, message: str) -> Cause:
    path = path.lstrip(".")
    if reason == "FieldValueForbidden":
        return Cause(path, reason, f"Forbidden: {message}")
    if reason == "FieldValueRequired":
        return Cause(path, reason, f"Required value: {message}")
    if reason == "FieldValueDuplicate":
        return Cause(path, reason, f"Duplicate value: {_kube_value(type_name)}")
    return _invalid(path, type_name, message)


# --- CRD creation checks ---------------------------------------------------------------------


def structural_errors(schema: dict, path: str = "openAPIV3Schema") -> list[str]:
    """What kube-apiserver would refuse in a CRD version's schema (structural rules, CEL).

    Checks the rules our generated CRD must satisfy: a type on every node (unless
    int-or-string or preserve-unknown-fields), no $ref/definitions, no anyOf/oneOf/allOf/not
    carrying types or defaults, properties and additionalProperties exclusive, map lists keyed
    by required or defaulted fields, defaults that survive admission unchanged, rules that
    compile.
    """
    errors: list[str] = []
    for bad in ("$ref", "definitions", "$defs", "additionalItems", "patternProperties"):
        if bad in schema:
            errors.append(f"{path}.{bad}: Forbidden: not allowed in a structural schema")
    for junction in ("anyOf", "oneOf", "allOf", "not"):
        for sub in _as_list(schema.get(junction)):
            for bad in ("type", "default", "nullable", "description", "additionalProperties",
                        "x-kubernetes-preserve-unknown-fields"):
                if bad in sub:
                    errors.append(f"{path}.{junction}.{bad}: Forbidden: must not be set inside "
                                  f"{junction}")
    if ("type" not in schema and not schema.get("x-kubernetes-int-or-string")
            and not schema.get("x-kubernetes-preserve-unknown-fields")):
        errors.append(f"{path}.type: Required value: must not be empty for specified object "
                      "fields")
    if "properties" in schema and "additionalProperties" in schema:
        errors.append(f"{path}.additionalProperties: Forbidden: additionalProperties and "
                      "properties are mutual exclusive")
    if schema.get("additionalProperties") is False:
        errors.append(f"{path}.additionalProperties: Forbidden: must not be false")
    if schema.get("type") == "array" and not isinstance(schema.get("items"), dict):
        errors.append(f"{path}.items: Required value: must be specified")
    errors.extend(_list_map_errors(schema, path))
    for rule in schema.get("x-kubernetes-validations", []):
        for text in (rule.get("rule"), rule.get("messageExpression")):
            if text:
                try:
                    compile_rule(text)
                except CELRuleError as e:
                    errors.append(f"{path}.x-kubernetes-validations: Invalid value: {e}")
        if rule.get("reason", "FieldValueInvalid") not in CEL_REASONS:
            errors.append(f"{path}.x-kubernetes-validations.reason: Unsupported value: "
                          f"{rule['reason']!r}")
    if "default" in schema:
        errors.extend(_default_errors(schema, path))
    for key, sub in schema.get("properties", {}).items():
        errors.extend(structural_errors(sub, f"{path}.properties[{key}]"))
    if isinstance(schema.get("additionalProperties"), dict):
        errors.extend(structural_errors(schema["additionalProperties"],
                                        f"{path}.additionalProperties"))
    if isinstance(schema.get("items"), dict):
        errors.extend(structural_errors(schema["items"], f"{path}.items"))
    return errors


def _as_list(value: Any) -> list[dict]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _list_map_errors(schema: dict, path: str) -> list[str]:
    if schema.get("x-kubernetes-list-type") != "map":
        return []
    items = schema.get("items", {})
    keys = schema.get("x-kubernetes-list-map-keys", [])
    if not keys:
        return [(f"{path}.x-kubernetes-list-map-keys: Required value: must not be empty if "
                 "x-kubernetes-list-type is map")]
    errors = []
    for key in keys:
        prop = items.get("properties", {}).get(key)
        if prop is None:
            errors.append(f"{path}.x-kubernetes-list-map-keys: Invalid value: {key!r}: entries "
                          "must all be names of item properties")
        elif key not in items.get("required", []) and "default" not in prop:
            errors.append(f"{path}.items.properties[{key}]: Required value: this property is "
                          "in x-kubernetes-list-map-keys, so it must have a default or be a "
                          "required property")
    return errors


def _default_errors(schema: dict, path: str) -> list[str]:
    """kube requires defaults to be pruned, and valid (once defaulted) against their schema."""
    pruned = copy.deepcopy(schema["default"])
    _prune(pruned, schema)
    if pruned != schema["default"]:
        return [(f"{path}.default: Invalid value: must not have unknown fields (they would be "
                 "pruned)")]
    try:
        _check({"type": "object", "properties": {"d": schema}}, {"d": pruned}, None)
    except SchemaViolation as e:
        return [f"{path}.default: Invalid value: {c}" for c in e.causes]
    return []
