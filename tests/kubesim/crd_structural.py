"""Structural schema rules kube-apiserver enforces on a CRD's openAPIV3Schema.

A port of k8s.io/apiextensions-apiserver/pkg/apiserver/schema/validation.go (ValidateStructural)
and complete.go: a type on every node, nothing but value validations inside anyOf/allOf/oneOf/
not, int-or-string's two allowed shapes, the root `metadata` restricted to name and generateName,
no `metadata` in a nested context, embedded resources that are objects. kube sorts these errors
by their text.
"""

from __future__ import annotations

import re
from typing import Any

from .field_errors import error_text, forbidden, go_quote, invalid, required
from .schema_values import Cause

ROOT, ITEM, FIELD = "root", "item", "field"

# Keys of a JSON schema that NewStructural keeps; anything else (example, id, $schema, ...)
# is ignored by the structural rules (specStandardValidatorV3 judges those).
GENERIC = ("description", "type", "title", "default", "nullable", "externalDocs")
EXTENSIONS = ("x-kubernetes-preserve-unknown-fields", "x-kubernetes-embedded-resource",
              "x-kubernetes-int-or-string", "x-kubernetes-list-map-keys",
              "x-kubernetes-list-type", "x-kubernetes-map-type")
VALUE_VALIDATION = ("format", "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum",
                    "maxLength", "minLength", "pattern", "maxItems", "minItems", "uniqueItems",
                    "multipleOf", "enum", "maxProperties", "minProperties", "required", "allOf",
                    "oneOf", "anyOf", "not")
STRUCTURAL_KEYS = (*GENERIC, *EXTENSIONS, *VALUE_VALIDATION, "x-kubernetes-validations",
                   "items", "properties", "additionalProperties")
_INT_OR_STRING_ANY_OF = [{"type": "integer"}, {"type": "string"}]
# RE2 (Go's regexp) refuses what Python's re accepts: lookaround and backreferences.
_NOT_RE2 = re.compile(r"\(\?<?[=!]|\\[1-9]|\(\?P=")


def validate_structural(schema: dict[str, Any], path: str) -> list[Cause]:
    """kube's ValidateStructural of a version's openAPIV3Schema at `path`, sorted as kube sorts."""
    errors = _invariants(schema, ROOT, path)
    errors += _completeness(schema, path)
    return sorted(errors, key=error_text)


def _set(schema: dict[str, Any], key: str) -> bool:
    """Whether a key holds a non-zero value (what Go's zero-value comparisons see)."""
    return schema.get(key) not in (None, False, "", [], {})


def _invariants(s: Any, level: str, path: str) -> list[Cause]:
    if not isinstance(s, dict):
        return []
    errors: list[Cause] = []
    if s.get("type") == "array" and not isinstance(s.get("items"), dict):
        errors.append(required(f"{path}.items", "must be specified"))
    errors += _invariants(s.get("items"), ITEM, f"{path}.items")
    for key, prop in (s.get("properties") or {}).items():
        errors += _invariants(prop, FIELD, f"{path}.properties[{key}]")
    if "additionalProperties" in s:
        if level == ROOT:
            errors.append(forbidden(f"{path}.additionalProperties", "must not be used at the root"))
        if isinstance(s["additionalProperties"], dict):
            errors += _invariants(s["additionalProperties"], FIELD, f"{path}.additionalProperties")
    int_or_string = bool(s.get("x-kubernetes-int-or-string"))
    embedded = bool(s.get("x-kubernetes-embedded-resource"))
    preserve = bool(s.get("x-kubernetes-preserve-unknown-fields"))
    if int_or_string and preserve:
        errors.append(invalid(f"{path}.x-kubernetes-preserve-unknown-fields", "true",
                              "must be false if x-kubernetes-int-or-string is true"))
    if int_or_string and embedded:
        errors.append(invalid(f"{path}.x-kubernetes-embedded-resource", "true",
                              "must be false if x-kubernetes-int-or-string is true"))
    skip_any_of = s.get("anyOf") == _INT_OR_STRING_ANY_OF
    all_of = s.get("allOf") or []
    skip_first_all_of = bool(all_of) and isinstance(all_of[0], dict) \
        and all_of[0].get("anyOf") == _INT_OR_STRING_ANY_OF
    errors += _value_validation(s, skip_any_of, skip_first_all_of, level, path)
    check_metadata = level == ROOT or embedded
    kind = s.get("type") or ""
    if embedded and kind != "object":
        if not kind:
            errors.append(required(f"{path}.type",
                                   "must be object if x-kubernetes-embedded-resource is true"))
        else:
            errors.append(invalid(f"{path}.type", go_quote(kind),
                                  "must be object if x-kubernetes-embedded-resource is true"))
    elif not kind and not int_or_string and not preserve:
        errors.append(required(f"{path}.type", {
            ROOT: "must not be empty at the root",
            ITEM: "must not be empty for specified array items",
            FIELD: "must not be empty for specified object fields",
        }[level]))
    if embedded and "additionalProperties" in s:
        errors.append(forbidden(f"{path}.additionalProperties",
                                "must not be used if x-kubernetes-embedded-resource is set"))
    if level == ROOT and kind and kind != "object":
        errors.append(invalid(f"{path}.type", go_quote(kind), "must be object at the root"))
    props = s.get("properties") or {}
    for meta_key in ("kind", "apiVersion"):
        if meta_key in props and check_metadata and props[meta_key].get("type") != "string":
            errors.append(invalid(f"{path}.properties[{meta_key}].type",
                                  go_quote(props[meta_key].get("type") or ""), "must be string"))
    if "metadata" in props:
        errors += _metadata(props["metadata"], check_metadata, level,
                            f"{path}.properties[metadata]")
    if embedded and not preserve and not props:
        errors.append(required(f"{path}.properties", "must not be empty if "
                               "x-kubernetes-embedded-resource is true without "
                               "x-kubernetes-preserve-unknown-fields"))
    return errors


def _metadata(s: dict[str, Any], check_metadata: bool, level: str, path: str) -> list[Cause]:
    """validateStructuralMetadataInvariants: the root metadata may restrict only names."""
    errors = []
    if check_metadata and s.get("type") != "object":
        errors.append(invalid(f"{path}.type", go_quote(s.get("type") or ""), "must be object"))
    if level == ROOT:
        rest = {k: v for k, v in s.items() if k in STRUCTURAL_KEYS and k not in ("type", "default")}
        names = set(rest.get("properties") or {})
        if names and names <= {"name", "generateName"}:
            rest.pop("properties")
        if any(_set(rest, k) for k in rest):
            errors.append(forbidden(path, "must not specify anything other than name and "
                                    "generateName, but metadata is implicitly specified"))
    return errors


def _value_validation(v: dict[str, Any], skip_any_of: bool, skip_first_all_of_any_of: bool,
                      level: str, path: str) -> list[Cause]:
    errors: list[Cause] = []
    if not skip_any_of:
        for i, sub in enumerate(v.get("anyOf") or []):
            errors += _nested(sub, False, level, f"{path}.anyOf[{i}]")
    for i, sub in enumerate(v.get("allOf") or []):
        errors += _nested(sub, skip_first_all_of_any_of and i == 0, level, f"{path}.allOf[{i}]")
    for i, sub in enumerate(v.get("oneOf") or []):
        errors += _nested(sub, False, level, f"{path}.oneOf[{i}]")
    if isinstance(v.get("not"), dict):
        errors += _nested(v["not"], False, level, f"{path}.not")
    pattern = v.get("pattern")
    if pattern:
        problem = _regexp_error(pattern)
        if problem:
            errors.append(invalid(f"{path}.pattern", go_quote(pattern),
                                  f"must be a valid regular expression, but isn't: {problem}"))
    return errors


def _regexp_error(pattern: str) -> str | None:
    unsupported = _NOT_RE2.search(pattern)
    if unsupported:
        return ("error parsing regexp: invalid or unsupported Perl syntax: "
                f"`{unsupported.group(0)}`")
    try:
        re.compile(pattern)
    except re.error as e:
        return f"error parsing regexp: {e}"
    return None


def _nested(v: Any, skip_any_of: bool, level: str, path: str) -> list[Cause]:
    """validateNestedValueValidation: inside a junction only value validations may appear."""
    if not isinstance(v, dict):
        return []
    errors = _value_validation(v, skip_any_of, False, level, path)
    errors += _nested(v.get("items"), False, level, f"{path}.items")
    for key, prop in (v.get("properties") or {}).items():
        errors += _nested(prop, False, FIELD, f"{path}.properties[{key}]")
    if _set(v, "type"):
        errors.append(forbidden(f"{path}.type", "must be empty to be structural"))
    if "additionalProperties" in v:
        errors.append(forbidden(f"{path}.additionalProperties", "must be undefined to be "
                                "structural"))
    if "default" in v and v["default"] is not None:
        errors.append(forbidden(f"{path}.default", "must be undefined to be structural"))
    for key, wording in (("title", "must be empty"), ("description", "must be empty"),
                         ("nullable", "must be false"), ("externalDocs", "must be undefined"),
                         ("x-kubernetes-preserve-unknown-fields", "must be false"),
                         ("x-kubernetes-embedded-resource", "must be false"),
                         ("x-kubernetes-int-or-string", "must be false"),
                         ("x-kubernetes-list-map-keys", "must be empty"),
                         ("x-kubernetes-list-type", "must be undefined"),
                         ("x-kubernetes-map-type", "must be undefined"),
                         ("x-kubernetes-validations", "must be empty")):
        if _set(v, key):
            errors.append(forbidden(f"{path}.{key}", f"{wording} to be structural"))
    if "metadata" in (v.get("properties") or {}):
        errors.append(forbidden(f"{path}.properties[metadata]",
                                "must not be specified in a nested context"))
    return errors


def _completeness(s: dict[str, Any], path: str) -> list[Cause]:
    """validateStructuralCompleteness: what a junction names must exist outside it (root)."""
    return _value_completeness(s, s, path, path)


def _value_completeness(v: dict[str, Any], s: dict[str, Any] | None, s_path: str,
                        v_path: str) -> list[Cause]:
    errors: list[Cause] = []
    if isinstance(v.get("not"), dict):
        errors += _nested_completeness(v["not"], s, s_path, f"{v_path}.not")
    for junction in ("allOf", "anyOf", "oneOf"):
        for i, sub in enumerate(v.get(junction) or []):
            errors += _nested_completeness(sub, s, s_path, f"{v_path}.{junction}[{i}]")
    return errors


def _nested_completeness(v: Any, s: dict[str, Any] | None, s_path: str,
                         v_path: str) -> list[Cause]:
    if not isinstance(v, dict):
        return []
    if s is None:
        return [required(s_path, f"because it is defined in {v_path}")]
    errors = _value_completeness(v, s, s_path, v_path)
    items = s.get("items") if isinstance(s.get("items"), dict) else None
    if isinstance(v.get("items"), dict):
        errors += _nested_completeness(v["items"], items, f"{s_path}.items", f"{v_path}.items")
    props = s.get("properties") or {}
    for key, sub in (v.get("properties") or {}).items():
        if key not in props:
            errors.append(required(f"{s_path}.properties[{key}]",
                                   f"because it is defined in {v_path}.properties[{key}]"))
        else:
            errors += _nested_completeness(sub, props[key], f"{s_path}.properties[{key}]",
                                           f"{v_path}.properties[{key}]")
    return errors
