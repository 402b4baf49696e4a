"""CEL rules of a schema: compiled and checked when a CRD is written, evaluated on admission.

At CRD creation kube-apiserver type-checks each rule against its node's declared type and
estimates its cost (`compile_for_crd`: cel_check.py, cel_cost.py). On every write of a custom
resource it evaluates the rules with `self` (and `oldSelf` for transition rules) bound to the
node's value (`run_rules`), here with cel-python. Kubernetes CEL library functions that
cel-python lacks raise NotImplementedError naming the function instead of pretending.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

import celpy
import lark
from celpy import celtypes

from . import cel_ast, cel_check, cel_cost
from .cel_types import CEL_RESERVED, CelType
from .schema_values import Cause, child_path, invalid_cause, kube_value

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
    "transformList", "transformMap", "transformMapEntry", "isEmpty", "bind",
})
# What cel-python evaluates itself: standard functions, macros, and the lists library's min().
CEL_SUPPORTED = frozenset(celpy.evaluation.base_functions) | {
    "has", "dyn", "all", "exists", "exists_one", "map", "filter", "min",
}
BLOCKED_CEL_MESSAGE = ("some validation rules were not checked because the object was invalid; "
                       "correct the existing errors to complete validation")


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


def run_rules(value: Any, old: Any, schema: dict, path: str, causes: list[Cause], *,
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
                run_rules(item, old_map.get(key), sub, child_path(path, key), causes)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        items = schema["items"]
        old_items = _correlate_list(value, old, schema)
        for i, item in enumerate(value):
            run_rules(item, old_items[i], items, f"{path}[{i}]", causes)


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
        return invalid_cause(path, type_name, f"{_eval_error_text(e)} evaluating rule: {label}")
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
    """cel-python's error text, worded as cel-go words it.

    cel-go's `a || b` with both sides in error reports the left one (`no such key: services`);
    cel-python reports a missing overload of `_||_` carrying both, left first.
    """
    text = str(error.args[0]) if error.args else str(error)
    if re.match(r"found no matching overload for _(\|\||&&)_", text):
        nested = re.search(r"no such member in mapping: '([^']*)'", repr(error.args).replace("\\'", "'"))
        if nested:
            return f"no such key: {nested.group(1)}"
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
        return Cause(path, reason, f"Duplicate value: {kube_value(type_name)}")
    return invalid_cause(path, type_name, message)



# --- CRD creation: type checking and cost ----------------------------------------------------


@dataclass(frozen=True)
class RuleCompilation:
    """What kube-apiserver learns compiling one expression when the CRD is written."""

    error: str | None  # kube's detail, e.g. "compilation failed: ERROR: <input>:1:5: ..."
    max_cost: int
    uses_old_self: bool


def compile_for_crd(text: str, self_type: CelType, *, message_expression: bool = False
                    ) -> RuleCompilation:
    """Type-check `text` with `self`/`oldSelf` of the node's declared type and estimate its cost.

    Raises NotImplementedError for what kubesim cannot check, estimate or evaluate (Kubernetes
    CEL library functions cel-python lacks, constructs the estimator does not model).
    """
    what = "messageExpression compilation failed" if message_expression else "compilation failed"
    try:
        tree = _ENV.compile(text)
    except celpy.CELParseError as e:
        return RuleCompilation(f"{what}: ERROR: <input>: Syntax error: {e}", 0, False)
    _refuse_unevaluable(tree, text)
    parsed = cel_ast.from_tree(tree, text)
    checked = cel_check.check(parsed, {"self": self_type, "oldSelf": self_type})
    if checked.issues:
        return RuleCompilation(f"{what}: {cel_check.display(text, checked.issues)}", 0,
                               checked.uses_old_self)
    result = checked.type_of(checked.root).kind
    if message_expression and result != "string":
        return RuleCompilation("messageExpression must evaluate to a string", 0,
                               checked.uses_old_self)
    if not message_expression and result != "bool":
        return RuleCompilation("cel expression must evaluate to a bool", 0,
                               checked.uses_old_self)
    try:
        cost = cel_cost.estimate(checked, self_type)
    except cel_ast.CELSyntaxUnsupported as e:
        raise NotImplementedError(f"kubesim cannot estimate the cost of {e} in CEL expression "
                                  f"{text!r}") from e
    return RuleCompilation(None, cost.max, checked.uses_old_self)


def _refuse_unevaluable(tree: lark.Tree, text: str) -> None:
    for node in tree.iter_subtrees():
        if node.data not in ("member_dot_arg", "ident_arg", "dot_ident_arg"):
            continue
        name = next(c for c in node.children if isinstance(c, lark.Token)).value
        if name in KUBERNETES_CEL_LIBRARY:
            raise NotImplementedError(
                f"Kubernetes CEL library function {name}() is not implemented by cel-python "
                f"(kubesim cannot type-check, estimate or evaluate it); used in {text!r}")
