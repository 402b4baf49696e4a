"""The worst-case cost kube-apiserver estimates for a CEL rule when a CRD is written.

A port of cel-go's static cost estimator (checker/cost.go) with kube's size estimator (the
declared type's `max_elements` along a field path, k8s.io/apiextensions-apiserver
schema/cel/compilation.go) and the costs kube's CEL libraries declare
(k8s.io/apiserver/pkg/cel/library/cost.go). Presence tests (`has()`) cost nothing, as kube
configures cel-go. Only the maximum matters to kube's limits; minimums follow cel-go too.
A call this estimator has no price for raises CELSyntaxUnsupported.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from . import cel_ast as A
from .cel_ast import CELSyntaxUnsupported
from .cel_check import TIME_ACCESSORS, Checked
from .cel_types import SCALARS, CelType

MAX = 2**64 - 1
STRING_TRAVERSAL = 0.1
REGEX_STRING_LENGTH = 0.25
SELECT_AND_IDENT = 1
LIST_CREATE_BASE = 10
MAP_CREATE_BASE = 30


@dataclass(frozen=True)
class Range:
    """A size or cost estimate: cel-go's SizeEstimate / CostEstimate, saturating at 2^64-1."""

    min: int
    max: int

    def add(self, other: Range) -> Range:
        return Range(min(self.min + other.min, MAX), min(self.max + other.max, MAX))

    def mul(self, other: Range) -> Range:
        return Range(min(self.min * other.min, MAX), min(self.max * other.max, MAX))

    def factor(self, f: float) -> Range:
        return Range(_by_factor(self.min, f), _by_factor(self.max, f))

    def union(self, other: Range) -> Range:
        return Range(min(self.min, other.min), max(self.max, other.max))


def _by_factor(x: int, f: float) -> int:
    if x > 0 and f > 0 and x > MAX / f:
        return MAX
    value = math.ceil(float(x) * f)
    return MAX if value >= 2.0**64 else int(value)


def fixed(n: int) -> Range:
    return Range(n, n)


UNKNOWN = Range(0, MAX)
ZERO = fixed(0)


@dataclass
class _Entry:
    container: str  # list or map
    key: Range
    val: Range

    def union(self, other: _Entry | None) -> _Entry | None:
        if other is None:
            return None
        return _Entry(self.container, self.key.union(other.key), self.val.union(other.val))


@dataclass
class _Local:
    path: list[str] | None
    size: Range | None
    entry: _Entry | None


def estimate(checked: Checked, root: CelType) -> Range:
    """The cost range cel-go's EstimateCost gives for a checked rule, over kube's size estimator."""
    return _Coster(checked, root).cost(checked.root)


class _Coster:
    def __init__(self, checked: Checked, root: CelType) -> None:
        self.checked = checked
        self.root = root
        self.paths: dict[int, list[str]] = {}
        self.sizes: dict[int, Range] = {}
        self.entries: dict[int, _Entry] = {}
        self.locals: dict[str, list[_Local]] = {}

    # --- sizes, after cel-go's computeSize and kube's sizeEstimator ---------------------------

    def type_of(self, e: A.Expr) -> CelType:
        return self.checked.type_of(e)

    def path(self, e: A.Expr) -> list[str] | None:
        if isinstance(e, A.Ident) and self.locals.get(e.name):
            return self.locals[e.name][-1].path
        return self.paths.get(id(e))

    def estimate_size(self, path: list[str] | None) -> Range | None:
        if not path:
            return None
        node: CelType | None = self.root
        for name in path[1:]:
            if node is None:
                return None
            if name in ("@items", "@values"):
                node = node.elem
            elif name == "@keys":
                node = node.key
            else:
                node = node.fields.get(name) if node.kind == "object" else None
        if node is None:
            return None
        return Range(0, node.max_elements)

    def size(self, e: A.Expr) -> Range | None:
        if id(e) in self.sizes:
            return self.sizes[id(e)]
        if isinstance(e, A.Literal):
            if e.kind == "string":
                return fixed(len(e.value))
            if e.kind == "bytes":
                return fixed(len(e.value))
            return fixed(1)
        if isinstance(e, A.ListExpr):
            return fixed(len(e.elements))
        if isinstance(e, A.MapExpr):
            return fixed(len(e.entries))
        estimated = self.estimate_size(self.path(e))
        if estimated is not None:
            self.sizes[id(e)] = estimated
            return estimated
        if self.type_of(e).kind in SCALARS:
            return fixed(1)
        if isinstance(e, A.Ident) and self.locals.get(e.name):
            local = self.locals[e.name][-1]
            if local.size is not None:
                return local.size
        return None

    def size_or_unknown(self, e: A.Expr) -> Range:
        found = self.size(e)
        return found if found is not None else UNKNOWN

    def entry(self, e: A.Expr) -> _Entry | None:
        if id(e) in self.entries:
            return self.entries[id(e)]
        if isinstance(e, A.Ident) and self.locals.get(e.name):
            return self.locals[e.name][-1].entry
        return None

    def push(self, name: str, path: list[str] | None, size: Range | None,
             entry: _Entry | None = None) -> None:
        self.locals.setdefault(name, []).append(_Local(path, size, entry))

    def pop(self, name: str) -> None:
        self.locals[name].pop()

    # --- costs ---------------------------------------------------------------------------------

    def cost(self, e: A.Expr) -> Range:
        if isinstance(e, A.Literal):
            return ZERO
        if isinstance(e, A.Ident):
            local = self.locals.get(e.name)
            self.paths[id(e)] = list(local[-1].path or []) if local else [e.name]
            return fixed(SELECT_AND_IDENT)
        if isinstance(e, A.Select):
            if e.test_only:
                return ZERO.add(self.cost(e.operand))
            total = self.cost(e.operand)
            if self.type_of(e.operand).kind in ("map", "object"):
                total = total.add(fixed(SELECT_AND_IDENT))
            self.paths[id(e)] = [*(self.path(e.operand) or []), e.field]
            return total
        if isinstance(e, A.ListExpr):
            total = ZERO
            item = Range(0 if not e.elements else MAX, 0)
            for x in e.elements:
                total = total.add(self.cost(x))
                item = item.union(self.size_or_unknown(x))
            self.entries[id(e)] = _Entry("list", fixed(1), item)
            return total.add(fixed(LIST_CREATE_BASE))
        if isinstance(e, A.MapExpr):
            total = ZERO
            key = Range(0 if not e.entries else MAX, 0)
            val = Range(0 if not e.entries else MAX, 0)
            for k, v in e.entries:
                total = total.add(self.cost(k)).add(self.cost(v))
                key = key.union(self.size_or_unknown(k))
                val = val.union(self.size_or_unknown(v))
            self.entries[id(e)] = _Entry("map", key, val)
            return total.add(fixed(MAP_CREATE_BASE))
        if isinstance(e, A.Comprehension):
            return self.comprehension(e)
        assert isinstance(e, A.Call)
        return self.call(e)

    def comprehension(self, e: A.Comprehension) -> Range:
        total = self.cost(e.iter_range).add(self.cost(e.accu_init))
        self.push(e.accu_var, self.path(e.accu_init), self.size(e.accu_init),
                  self.entry(e.accu_init))
        entry = self.entry(e.iter_range)
        container = entry.container if entry else self.type_of(e.iter_range).kind
        if container == "list":
            item_size, sub = (entry.val if entry else None), "@items"
        else:
            item_size, sub = (entry.key if entry else None), "@keys"
        self.push(e.iter_var, [*(self.path(e.iter_range) or []), sub], item_size)
        loop = self.cost(e.loop_condition)
        step = self.cost(e.loop_step)
        self.pop(e.iter_var)
        total = total.add(self.cost(e.result))
        self.pop(e.accu_var)
        count = self.size_or_unknown(e.iter_range)
        total = total.add(count.mul(step.add(loop)))
        if isinstance(e.accu_init, A.Literal):
            init_size = self.size(e.accu_init)
            if init_size is not None:
                self.sizes[id(e)] = init_size
        elif isinstance(e.accu_init, (A.ListExpr, A.MapExpr)):
            self.sizes[id(e)] = count
            step_entry = self.entry(e.loop_step)
            if step_entry is not None:
                self.entries[id(e)] = step_entry
        return total

    def call(self, e: A.Call) -> Range:
        if e.function == "dyn" and e.target is None and len(e.args) == 1:
            arg_cost = self.cost(e.args[0])
            if (size := self.size(e.args[0])) is not None:
                self.sizes[id(e)] = size
            if (entry := self.entry(e.args[0])) is not None:
                self.entries[id(e)] = entry
            return fixed(1).add(arg_cost)
        arg_costs = [self.cost(a) for a in e.args]
        overloads = self.checked.overloads.get(id(e), [])
        if not overloads:
            return ZERO
        total = ZERO
        if e.target is not None:
            total = total.add(self.cost(e.target))
        fn_cost = Range(MAX, 0)
        result_size: Range | None = None
        for overload in overloads:
            cost, size = self.function_cost(e, overload, arg_costs)
            fn_cost = fn_cost.union(cost)
            if size is not None:
                result_size = size if result_size is None else result_size.union(size)
            if overload in ("index_list", "index_map") and e.args:
                entry = self.entry(e.args[0])
                result_size = entry.val if entry else None
                self.paths[id(e)] = [*(self.path(e.args[0]) or []),
                                     "@items" if overload == "index_list" else "@values"]
            if result_size is None:
                result_size = self.size(e)
        if result_size is not None:
            self.sizes[id(e)] = result_size
        return total.add(fn_cost)

    def function_cost(self, e: A.Call, overload: str,
                      arg_costs: list[Range]) -> tuple[Range, Range | None]:
        args_sum = ZERO
        for c in arg_costs:
            args_sum = args_sum.add(c)
        library = self.library_cost(e, overload)
        if library is not None:
            return library[0].add(args_sum), library[1]
        if overload in ("starts_with_string", "ends_with_string") and len(e.args) == 1:
            return self.size_or_unknown(e.args[0]).factor(STRING_TRAVERSAL).add(args_sum), None
        if overload == "in_list" and len(e.args) == 2:
            return self.size_or_unknown(e.args[1]).factor(1).add(args_sum), None
        if overload == "matches_string" and e.target is not None and len(e.args) == 1:
            text = self.size_or_unknown(e.target).add(fixed(1)).factor(STRING_TRAVERSAL)
            regex = self.size_or_unknown(e.args[0]).factor(REGEX_STRING_LENGTH)
            return text.mul(regex).add(args_sum), None
        if overload == "matches" and e.target is None and len(e.args) == 2:
            text = self.size_or_unknown(e.args[0]).add(fixed(1)).factor(STRING_TRAVERSAL)
            regex = self.size_or_unknown(e.args[1]).factor(REGEX_STRING_LENGTH)
            return text.mul(regex).add(args_sum), None
        if overload == "contains_string" and e.target is not None and len(e.args) == 1:
            text = self.size_or_unknown(e.target).factor(STRING_TRAVERSAL)
            sub = self.size_or_unknown(e.args[0]).factor(STRING_TRAVERSAL)
            return text.mul(sub).add(args_sum), None
        if overload == "string_to_bytes" and len(e.args) == 1:
            sz = self.size_or_unknown(e.args[0])
            return sz.factor(STRING_TRAVERSAL).add(args_sum), Range(sz.min, min(sz.max * 4, MAX))
        if overload == "bytes_to_string" and len(e.args) == 1:
            sz = self.size_or_unknown(e.args[0])
            return sz.factor(STRING_TRAVERSAL).add(args_sum), Range(sz.min // 4, sz.max)
        if overload in ("logical_or", "logical_and"):
            lhs, rhs = arg_costs
            return Range(lhs.min, lhs.add(rhs).max), None
        if overload == "conditional":
            size = self.size_or_unknown(e.args[1]).union(self.size_or_unknown(e.args[2]))
            a, b = self.entry(e.args[1]), self.entry(e.args[2])
            joined = a.union(b) if a is not None else None
            if joined is not None:
                self.entries[id(e)] = joined
            return arg_costs[0].add(arg_costs[1].union(arg_costs[2])), size
        if overload in ("add_string", "add_bytes", "add_list") and len(e.args) == 2:
            size = self.size_or_unknown(e.args[0]).add(self.size_or_unknown(e.args[1]))
            a, b = self.entry(e.args[0]), self.entry(e.args[1])
            joined = a.union(b) if a is not None else None
            if joined is not None:
                self.entries[id(e)] = joined
            if overload == "add_list":
                return fixed(1).add(args_sum), size
            return size.factor(STRING_TRAVERSAL).add(args_sum), size
        if overload in _SIZED_COMPARISONS:
            lhs, rhs = self.size_or_unknown(e.args[0]), self.size_or_unknown(e.args[1])
            smallest = min(lhs.max, rhs.max)
            low = 1 if smallest > 0 else 0
            return Range(low, smallest).factor(STRING_TRAVERSAL).add(args_sum), None
        if overload in _CONSTANT_TIME:
            return fixed(1).add(args_sum), None
        raise CELSyntaxUnsupported(f"the cost of {e.function}() (overload {overload})")

    def library_cost(self, e: A.Call, overload: str) -> tuple[Range, Range | None] | None:
        """kube's own CostEstimator.EstimateCallCost, for the functions cel-python evaluates."""
        if e.function == "min" and overload == "list_min" and e.target is not None:
            elem_cost = fixed(1)
            elem = self.type_of(e.target).elem
            if elem is not None and elem.kind in ("string", "bytes"):
                base = self.path(e.target)
                items = self.estimate_size([*base, "@items"]) if base else None
                elem_cost = elem_cost.add((items or UNKNOWN).factor(STRING_TRAVERSAL))
            target = self.size(e.target) or UNKNOWN
            return target.mul(elem_cost), None
        return None


_SIZED_COMPARISONS = frozenset({
    "less_string", "greater_string", "less_equals_string", "greater_equals_string",
    "less_bytes", "greater_bytes", "less_equals_bytes", "greater_equals_bytes",
    "equals", "not_equals",
})


_CONSTANT_TIME = frozenset({
    "logical_not", "not_strictly_false", "in_map", "index_list", "index_map", "size_string",
    "size_bytes", "size_list", "size_map", "size_dyn", "to_dyn", "type", "matches",
    *(f"negate_{k}" for k in ("int64", "double")),
    *(f"{base}_{a}" + ("" if a == b else f"_{b}")
      for base in ("less", "less_equals", "greater", "greater_equals")
      for a in ("int64", "uint64", "double") for b in ("int64", "uint64", "double")),
    *(f"{base}_{k}" for base in ("less", "less_equals", "greater", "greater_equals")
      for k in ("bool", "timestamp", "duration")),
    *(f"{op}_{k}" for op in ("_+_", "_-_", "_*_", "_/_", "_%_") for k in ("int", "uint",
                                                                          "double", "dyn")),
    "add_timestamp_duration", "add_duration_duration", "subtract_timestamp_timestamp",
    "subtract_timestamp_duration", "subtract_duration_duration", "min",
    *(f"{kind}_to_{fn}" for kind in ("timestamp", "duration") for fn in TIME_ACCESSORS),
    *TIME_ACCESSORS,
    *(f"{fn}_convert" for fn in ("int", "uint", "double", "string", "bytes", "bool",
                                 "timestamp", "duration")),
})
