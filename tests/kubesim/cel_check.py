"""cel-go's type checker, for the CEL that x-kubernetes-validations rules are made of.

kube-apiserver compiles every rule against the declared type of its node when the CRD is
written, and refuses the CRD on a compile error (`undefined field 'foo'`, `undeclared reference
to 'bar'`, `found no matching overload for '_>_' applied to '(string, int)'`, a result that is
not a bool). This checker assigns each node its type and the overload it resolves to (the cost
estimator prices by overload), and words its errors as cel-go's `issues.String()` does. A
construct it does not model raises CELSyntaxUnsupported: never a silent pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import cel_ast as A
from .cel_types import (
    BOOL,
    BYTES,
    DOUBLE,
    DURATION,
    DYN,
    ERROR,
    INT,
    NULL,
    STRING,
    TIMESTAMP,
    TYPE,
    UINT,
    CelType,
    list_of,
    map_of,
)

NUMERIC = ("int", "uint", "double")
ORDERED = ("int", "uint", "double", "string", "bytes", "bool", "timestamp", "duration")
_OVERLOAD_SUFFIX = {"int": "int64", "uint": "uint64", "double": "double", "string": "string",
                    "bytes": "bytes", "bool": "bool", "timestamp": "timestamp",
                    "duration": "duration"}
_COMPARE = {"_<_": "less", "_<=_": "less_equals", "_>_": "greater", "_>=_": "greater_equals"}
_CONVERSIONS = {"int": INT, "uint": UINT, "double": DOUBLE, "string": STRING, "bytes": BYTES,
                "bool": BOOL, "timestamp": TIMESTAMP, "duration": DURATION, "dyn": DYN,
                "type": TYPE}
TIME_ACCESSORS = frozenset({
    "getDate", "getDayOfMonth", "getDayOfWeek", "getDayOfYear", "getFullYear", "getHours",
    "getMilliseconds", "getMinutes", "getMonth", "getSeconds",
})


@dataclass
class Issue:
    offset: int
    message: str


@dataclass
class Checked:
    """Types and overloads of every node (by id), and the errors cel-go would report."""

    root: A.Expr
    types: dict[int, CelType] = field(default_factory=dict)
    overloads: dict[int, list[str]] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    uses_old_self: bool = False

    def type_of(self, e: A.Expr) -> CelType:
        return self.types.get(id(e), DYN)


def check(parsed: A.Parsed, variables: dict[str, CelType]) -> Checked:
    out = Checked(parsed.root)
    out.issues.extend(Issue(e.offset, e.message) for e in parsed.errors)
    _Checker(out, variables).visit(parsed.root, {})
    return out


def display(text: str, issues: list[Issue]) -> str:
    """cel-go's `issues.String()`: each error with its line and a caret under its column."""
    lines = text.split("\n")
    seen: set[tuple[int, str]] = set()
    out = []
    for issue in sorted(issues, key=lambda i: i.offset):
        if (issue.offset, issue.message) in seen:
            continue
        seen.add((issue.offset, issue.message))
        line_no = text.count("\n", 0, issue.offset) + 1
        column = issue.offset - (text.rfind("\n", 0, issue.offset) + 1)
        snippet = lines[line_no - 1].replace("\t", " ")
        out.append(f"ERROR: <input>:{line_no}:{column + 1}: {issue.message}\n | {snippet}\n"
                   f" | {'.' * column}^")
    return "\n".join(out)


def _assignable(a: CelType, b: CelType) -> bool:
    """Whether two types unify, as cel-go's type parameters do (dyn unifies with anything)."""
    if a.kind in ("dyn", "error") or b.kind in ("dyn", "error"):
        return True
    if a.kind != b.kind:
        return False
    if a.kind == "list":
        return _assignable(a.elem or DYN, b.elem or DYN)
    if a.kind == "map":
        return _assignable(a.key or DYN, b.key or DYN) and _assignable(a.elem or DYN,
                                                                        b.elem or DYN)
    if a.kind == "object":
        return a.name == b.name
    return True


def _join(a: CelType, b: CelType) -> CelType:
    if a.kind in ("dyn", "error"):
        return b if a.kind == "error" else a
    if b.kind in ("dyn", "error"):
        return a if b.kind == "error" else b
    return a


class _Checker:
    def __init__(self, out: Checked, variables: dict[str, CelType]) -> None:
        self.out = out
        self.variables = variables

    def set(self, e: A.Expr, t: CelType, *overloads: str) -> CelType:
        self.out.types[id(e)] = t
        if overloads:
            self.out.overloads[id(e)] = list(overloads)
        return t

    def error(self, e: A.Expr, offset: int, message: str) -> CelType:
        self.out.issues.append(Issue(offset, message))
        return self.set(e, ERROR)

    def visit(self, e: A.Expr, scope: dict[str, CelType]) -> CelType:
        if isinstance(e, A.Literal):
            return self.set(e, {"int": INT, "uint": UINT, "double": DOUBLE, "string": STRING,
                                "bytes": BYTES, "bool": BOOL, "null": NULL}[e.kind])
        if isinstance(e, A.Ident):
            if e.name in scope:
                return self.set(e, scope[e.name])
            if e.name in self.variables:
                if e.name == "oldSelf":
                    self.out.uses_old_self = True
                return self.set(e, self.variables[e.name])
            if e.name in _CONVERSIONS and e.name != "dyn":
                return self.set(e, TYPE)
            return self.error(e, e.offset, f"undeclared reference to '{e.name}' (in container '')")
        if isinstance(e, A.Select):
            return self.select(e, scope)
        if isinstance(e, A.ListExpr):
            elem = DYN
            types = [self.visit(x, scope) for x in e.elements]
            if types:
                elem = types[0]
                for x, t in zip(e.elements, types, strict=True):
                    if not _assignable(elem, t):
                        return self.error(e, x.offset, f"expected type '{elem}' but found '{t}'")
                    elem = _join(elem, t)
            return self.set(e, list_of(elem))
        if isinstance(e, A.MapExpr):
            key, value = DYN, DYN
            for i, (k, v) in enumerate(e.entries):
                kt, vt = self.visit(k, scope), self.visit(v, scope)
                if i == 0:
                    key, value = kt, vt
                elif not _assignable(key, kt):
                    return self.error(e, k.offset, f"expected type '{key}' but found '{kt}'")
                elif not _assignable(value, vt):
                    return self.error(e, v.offset, f"expected type '{value}' but found '{vt}'")
            return self.set(e, map_of(key, value))
        if isinstance(e, A.Comprehension):
            return self.comprehension(e, scope)
        assert isinstance(e, A.Call)
        return self.call(e, scope)

    def select(self, e: A.Select, scope: dict[str, CelType]) -> CelType:
        operand = self.visit(e.operand, scope)
        result = self.field_type(e, operand)
        if e.test_only and result.kind != "error":
            return self.set(e, BOOL)
        return self.set(e, result) if result.kind != "error" else result

    def field_type(self, e: A.Select, operand: CelType) -> CelType:
        if operand.kind in ("dyn", "error"):
            return self.set(e, operand)
        if operand.kind == "object":
            if e.field in operand.fields:
                return operand.fields[e.field]
            return self.error(e, e.offset, f"undefined field '{e.field}'")
        if operand.kind == "map":
            return operand.elem or DYN
        return self.error(e, e.offset, f"type '{operand}' does not support field selection")

    def comprehension(self, e: A.Comprehension, scope: dict[str, CelType]) -> CelType:
        rng = self.visit(e.iter_range, scope)
        if rng.kind == "list":
            var = rng.elem or DYN
        elif rng.kind == "map":
            var = rng.key or DYN
        elif rng.kind in ("dyn", "error"):
            var = DYN
        else:
            return self.error(e, e.iter_range.offset,
                              f"expression of type '{rng}' cannot be range of a comprehension "
                              "(must be list, map, or dynamic)")
        accu = self.visit(e.accu_init, scope)
        inner = {**scope, e.accu_var: accu, e.iter_var: var}
        self.visit(e.loop_condition, inner)
        step = self.visit(e.loop_step, inner)
        if accu.kind == "list" and step.kind == "list":
            inner[e.accu_var] = step
            accu = step
        result = self.visit(e.result, {**scope, e.accu_var: accu})
        return self.set(e, result)

    def call(self, e: A.Call, scope: dict[str, CelType]) -> CelType:
        target = self.visit(e.target, scope) if e.target is not None else None
        args = [self.visit(a, scope) for a in e.args]
        if any(t.kind == "error" for t in args) or (target is not None
                                                     and target.kind == "error"):
            return self.set(e, ERROR)
        resolved = self.resolve(e.function, target, args)
        if resolved is None:
            if not self.known(e.function):
                return self.error(e, e.offset,
                                  f"undeclared reference to '{e.function}' (in container '')")
            shown = ([str(target)] if target is not None else []) + [str(a) for a in args]
            name = e.function if target is None else f"{e.function}"
            receiver = "" if target is None else "receiver "
            return self.error(e, e.offset, f"found no matching overload for '{name}' applied "
                              f"to {receiver}'({', '.join(shown)})'")
        result, overloads = resolved
        return self.set(e, result, *overloads)

    def known(self, function: str) -> bool:
        return function in _KNOWN

    def resolve(self, fn: str, target: CelType | None,
                args: list[CelType]) -> tuple[CelType, list[str]] | None:
        kinds = [a.kind for a in args]
        dyn = "dyn" in kinds
        if target is None:
            if fn in ("_&&_", "_||_"):
                if all(k in ("bool", "dyn") for k in kinds):
                    return BOOL, ["logical_and" if fn == "_&&_" else "logical_or"]
                return None
            if fn in ("!_", "@not_strictly_false"):
                return (BOOL, ["logical_not" if fn == "!_" else "not_strictly_false"]) \
                    if kinds[0] in ("bool", "dyn") else None
            if fn == "-_":
                if kinds[0] in ("int", "double", "dyn"):
                    return args[0], [f"negate_{_OVERLOAD_SUFFIX.get(kinds[0], 'int64')}"]
                return None
            if fn == "_?_:_":
                if kinds[0] not in ("bool", "dyn") or not _assignable(args[1], args[2]):
                    return None
                return _join(args[1], args[2]), ["conditional"]
            if fn in ("_==_", "_!=_"):
                if _assignable(args[0], args[1]) or NULL in args:
                    return BOOL, ["equals" if fn == "_==_" else "not_equals"]
                return None
            if fn in _COMPARE:
                return self.compare(fn, args)
            if fn in ("_+_", "_-_", "_*_", "_/_", "_%_"):
                return self.arithmetic(fn, args)
            if fn == "@in":
                return self.membership(args)
            if fn == "_[_]":
                return self.index(args)
            if fn == "size" and len(args) == 1:
                return self.size(args[0])
            if fn == "matches" and len(args) == 2 and all(k in ("string", "dyn") for k in kinds):
                return BOOL, ["matches"]
            if fn in _CONVERSIONS and len(args) == 1:
                return self.conversion(fn, args[0])
            return None
        if fn == "size" and not args:
            return self.size(target)
        if target.kind == "dyn" or dyn:
            if fn in ("contains", "startsWith", "endsWith", "matches"):
                return BOOL, [f"{_snake(fn)}_string"]
            if fn in TIME_ACCESSORS:
                return INT, [fn]
            if fn == "min":
                return DYN, ["min"]
            return None
        if target.kind == "string" and fn in ("contains", "startsWith", "endsWith", "matches"):
            if len(args) == 1 and kinds[0] == "string":
                return BOOL, [f"{_snake(fn)}_string"]
            return None
        if target.kind in ("timestamp", "duration") and fn in TIME_ACCESSORS:
            if len(args) <= 1 and all(k == "string" for k in kinds):
                return INT, [f"{target.kind}_to_{fn}"]
            return None
        if target.kind == "list" and fn == "min" and not args:
            return target.elem or DYN, ["list_min"]
        return None

    def compare(self, fn: str, args: list[CelType]) -> tuple[CelType, list[str]] | None:
        a, b = args[0].kind, args[1].kind
        base = _COMPARE[fn]
        if a == "dyn" or b == "dyn":
            other = b if a == "dyn" else a
            kinds = ORDERED if other == "dyn" else (NUMERIC if other in NUMERIC else (other,))
            return BOOL, [f"{base}_{_OVERLOAD_SUFFIX[k]}" for k in kinds]
        if a in NUMERIC and b in NUMERIC:
            return BOOL, [f"{base}_{_OVERLOAD_SUFFIX[a]}"
                          + ("" if a == b else f"_{_OVERLOAD_SUFFIX[b]}")]
        if a == b and a in ORDERED:
            return BOOL, [f"{base}_{_OVERLOAD_SUFFIX[a]}"]
        return None

    def arithmetic(self, fn: str, args: list[CelType]) -> tuple[CelType, list[str]] | None:
        a, b = args[0], args[1]
        if a.kind == "dyn" or b.kind == "dyn":
            known = b if a.kind == "dyn" else a
            if fn == "_+_" and known.kind in ("string", "bytes", "list", "dyn"):
                kinds = ("string", "bytes", "list") if known.kind == "dyn" else (known.kind,)
                return (known if known.kind != "dyn" else DYN), [f"add_{k}" for k in kinds]
            return (known if known.kind != "dyn" else DYN), [f"{fn}_dyn"]
        if a.kind == b.kind and a.kind in NUMERIC:
            if fn == "_%_" and a.kind == "double":
                return None
            return a, [f"{fn}_{a.kind}"]
        if fn == "_+_":
            if a.kind == b.kind and a.kind in ("string", "bytes"):
                return a, [f"add_{a.kind}"]
            if a.kind == b.kind == "list" and _assignable(a, b):
                return list_of(_join(a.elem or DYN, b.elem or DYN)), ["add_list"]
            if {a.kind, b.kind} == {"timestamp", "duration"}:
                return TIMESTAMP, ["add_timestamp_duration"]
            if a.kind == b.kind == "duration":
                return DURATION, ["add_duration_duration"]
        if fn == "_-_":
            if a.kind == b.kind == "timestamp":
                return DURATION, ["subtract_timestamp_timestamp"]
            if a.kind == "timestamp" and b.kind == "duration":
                return TIMESTAMP, ["subtract_timestamp_duration"]
            if a.kind == b.kind == "duration":
                return DURATION, ["subtract_duration_duration"]
        return None

    def membership(self, args: list[CelType]) -> tuple[CelType, list[str]] | None:
        item, container = args
        if container.kind == "list" and _assignable(item, container.elem or DYN):
            return BOOL, ["in_list"]
        if container.kind == "map" and _assignable(item, container.key or DYN):
            return BOOL, ["in_map"]
        if container.kind == "dyn":
            return BOOL, ["in_list", "in_map"]
        return None

    def index(self, args: list[CelType]) -> tuple[CelType, list[str]] | None:
        container, key = args
        if container.kind == "list" and key.kind in ("int", "uint", "dyn"):
            return container.elem or DYN, ["index_list"]
        if container.kind == "map" and _assignable(key, container.key or DYN):
            return container.elem or DYN, ["index_map"]
        if container.kind == "dyn":
            return DYN, ["index_list", "index_map"]
        return None

    def size(self, arg: CelType) -> tuple[CelType, list[str]] | None:
        if arg.kind in ("string", "bytes", "list", "map", "dyn"):
            return INT, [f"size_{arg.kind}"]
        return None

    def conversion(self, fn: str, arg: CelType) -> tuple[CelType, list[str]] | None:
        if fn == "dyn":
            return DYN, ["to_dyn"]
        if fn == "type":
            return TYPE, ["type"]
        allowed = {
            "int": ("int", "uint", "double", "string", "timestamp"),
            "uint": ("int", "uint", "double", "string"),
            "double": ("int", "uint", "double", "string"),
            "string": ("int", "uint", "double", "string", "bytes", "bool", "timestamp",
                       "duration"),
            "bytes": ("bytes", "string"),
            "bool": ("bool", "string"),
            "timestamp": ("string", "int", "timestamp"),
            "duration": ("string", "duration"),
        }[fn]
        if arg.kind not in allowed and arg.kind != "dyn":
            return None
        overload = {("string", "bytes"): "bytes_to_string",
                    ("bytes", "string"): "string_to_bytes"}.get((fn, arg.kind), f"{fn}_convert")
        return _CONVERSIONS[fn], [overload]


def _snake(name: str) -> str:
    return {"startsWith": "starts_with", "endsWith": "ends_with"}.get(name, name)


_KNOWN = frozenset({
    "_&&_", "_||_", "!_", "-_", "_?_:_", "_==_", "_!=_", "_<_", "_<=_", "_>_", "_>=_", "_+_",
    "_-_", "_*_", "_/_", "_%_", "@in", "_[_]", "@not_strictly_false", "size", "matches",
    "contains", "startsWith", "endsWith", "min", *_CONVERSIONS, *TIME_ACCESSORS,
})
