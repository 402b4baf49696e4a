"""kube's field errors (k8s.io/apimachinery/pkg/util/validation/field), worded as it words them.

`Cause.message` is the error body kube puts in a Status cause (`Invalid value: "x": detail`),
the field is separate; values print as Go's fmt prints them (`%q` strings, `%#v` structs).
"""

from __future__ import annotations

import json
from typing import Any

from .schema_values import Cause

# kube prints the address of a pointer field of a struct value; any fixed address stands in.
_POINTER = "0xc000010000"


def go_quote(text: str) -> str:
    """Go's %q of a string (close to JSON quoting for the text that CRDs hold)."""
    return json.dumps(text, ensure_ascii=False)


def go_value(value: Any) -> str:
    """A bad value as field.Error prints it: strings %q, numbers and bools %v, others %#v."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return _go_number(value)
    if isinstance(value, str):
        return go_quote(value)
    return go_syntax(value)


def go_syntax(value: Any) -> str:
    """Go's %#v of a decoded JSON value (map[string]interface {}, []interface {}, ...)."""
    if isinstance(value, dict):
        items = ", ".join(f"{go_quote(k)}:{go_syntax(v)}" for k, v in sorted(value.items()))
        return "map[string]interface {}{" + items + "}"
    if isinstance(value, list):
        return "[]interface {}{" + ", ".join(go_syntax(v) for v in value) + "}"
    if value is None:
        return "interface {}(nil)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return _go_number(value)
    return go_quote(str(value))


def go_strings(values: list[str]) -> str:
    """Go's %#v of a []string."""
    return "[]string{" + ", ".join(go_quote(v) for v in values) + "}"


def _go_number(n: float) -> str:
    if isinstance(n, float) and n.is_integer() and abs(n) < 1e21:
        return str(int(n))
    return str(n)


def validation_rule(rule: dict[str, Any]) -> str:
    """Go's %#v of an apiextensions.ValidationRule, as kube prints it in CEL compile errors."""
    reason = ("(*apiextensions.FieldValueErrorReason)(nil)" if rule.get("reason") is None
              else f"(*apiextensions.FieldValueErrorReason)({_POINTER})")
    optional = ("(*bool)(nil)" if rule.get("optionalOldSelf") is None
                else f"(*bool)({_POINTER})")
    return (f"apiextensions.ValidationRule{{Rule:{go_quote(rule.get('rule') or '')}, "
            f"Message:{go_quote(rule.get('message') or '')}, "
            f"MessageExpression:{go_quote(rule.get('messageExpression') or '')}, "
            f"Reason:{reason}, FieldPath:{go_quote(rule.get('fieldPath') or '')}, "
            f"OptionalOldSelf:{optional}}}")


def invalid(field: str, value: str, detail: str) -> Cause:
    """field.Invalid; `value` is already rendered (go_value, go_strings, validation_rule)."""
    return Cause(field, "FieldValueInvalid", f"Invalid value: {value}" + _detail(detail))


def required(field: str, detail: str = "") -> Cause:
    return Cause(field, "FieldValueRequired", "Required value" + _detail(detail))


def forbidden(field: str, detail: str) -> Cause:
    return Cause(field, "FieldValueForbidden", "Forbidden" + _detail(detail))


def internal(field: str, detail: str) -> Cause:
    return Cause(field, "InternalError", "Internal error" + _detail(detail))


def not_supported(field: str, value: Any, supported: list[str]) -> Cause:
    allowed = ", ".join(go_quote(s) for s in supported)
    return Cause(field, "FieldValueNotSupported",
                 f"Unsupported value: {go_value(value)}: supported values: {allowed}")


def _detail(detail: str) -> str:
    return f": {detail}" if detail else ""


def error_text(cause: Cause) -> str:
    """field.Error.Error(): what kube sorts structural errors by, and shows in messages."""
    return f"{cause.field}: {cause.message}"
