"""kubesim's CEL cost estimate equals kube-apiserver's, case by case.

The expected figures are those of kube's own TestCostEstimation (apiextensions-apiserver
schema/cel/compilation_test.go): each rule on a schema without bounds, then with the bound the
case sets (maxItems, maxProperties or maxLength).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.kubesim.cel_rules import compile_for_crd
from tests.kubesim.cel_types import decl_type

Schema = dict[str, Any]
OBJECT = {"type": "object", "required": ["required"],
          "properties": {"required": {"type": "string"}, "optional": {"type": "string"}}}


def _of(kind: str) -> Schema:
    if kind in ("duration", "date", "date-time"):
        return {"type": "string", "format": kind}
    if kind == "int-or-string":
        return {"x-kubernetes-int-or-string": True}
    return {"type": kind}


def _bounded(schema: Schema, key: str, bound: int | None) -> Schema:
    return schema if bound is None else {**schema, key: bound}


def array(kind: str) -> Callable[[int | None], Schema]:
    return lambda n: _bounded({"type": "array", "items": _of(kind)}, "maxItems", n)


def array_of_arrays(kind: str) -> Callable[[int | None], Schema]:
    return lambda n: _bounded({"type": "array", "items": {"type": "array", "items": _of(kind)}},
                              "maxItems", n)


def array_of_maps(kind: str) -> Callable[[int | None], Schema]:
    return lambda n: _bounded({"type": "array", "items": {
        "type": "object", "additionalProperties": _of(kind)}}, "maxItems", n)


def map_of(item: Schema) -> Callable[[int | None], Schema]:
    return lambda n: _bounded({"type": "object", "additionalProperties": item},
                              "maxProperties", n)


def string(fmt: str | None = None) -> Callable[[int | None], Schema]:
    base = {"type": "string", **({"format": fmt} if fmt else {})}
    return lambda n: _bounded(base, "maxLength", n)


def string_map(n: int | None) -> Schema:
    return _bounded({"type": "object", "additionalProperties": string()(n)}, "maxProperties", n)


def nested_all_bounded(n: int | None) -> Schema:
    inner = _bounded(OBJECT, "maxProperties", n)
    return _bounded({"type": "array", "items": _bounded(
        {"type": "object", "additionalProperties": inner}, "maxProperties", n)}, "maxItems", n)


def nested_one_bounded(n: int | None) -> Schema:
    return {"type": "array", "items": _bounded(
        {"type": "object", "additionalProperties": OBJECT}, "maxProperties", n)}


ALL = "self.all(x, true)"
CASES = [
    ("number array with all", array("number"), ALL, 4718591, 10, 32),
    ("string array with all", array("string"), ALL, 3145727, 20, 62),
    ("boolean array with all", array("boolean"), ALL, 1887437, 5, 17),
    ("array of number arrays with all", array_of_arrays("number"), ALL, 3145727, 100, 302),
    ("array of objects with all", lambda n: _bounded({"type": "array", "items": OBJECT},
                                                     "maxItems", n), ALL, 555128, 50, 152),
    ("map of numbers with all", map_of(_of("number")), ALL, 1348169, 10, 32),
    ("map of strings with all", map_of(_of("string")), ALL, 1179647, 3, 11),
    ("map of booleans with all", map_of(_of("boolean")), ALL, 943718, 100, 302),
    ("string with contains", string(), "self.contains('test')", 314574, 10, 5),
    ("string with startsWith", string(), "self.startsWith('test')", 2, 15, 2),
    ("concat string", string(), 'size(self + "hello") > size("hello")', 314578, 4, 7),
    ("index of array with numbers", array("number"), "self[1] == 0.0", 2, 5000, 2),
    ("index of array with strings", array("string"), "self[1] == self[1]", 314577, 8, 314577),
    ("O(n^2) loop with numbers", array("number"), "self.all(x, self.all(y, true))", None, 10,
     352),
    ("O(n^3) loop with numbers", array("number"),
     "self.all(x, self.all(y, self.all(z, true)))", None, 10, 3552),
    ("regex matches simple", string(), 'self.matches("x")', 314574, 50, 22),
    ("regex matches empty string", string(), '"".matches("(((((((((())))))))))[0-9]")', 7, 10,
     7),
    ("regex matches empty regex", string(), 'self.matches("")', 1, 100, 1),
    ("map of strings with value length", string_map, "self.all(x, x.contains(self[x]))",
     2752507, 10, 72),
    ("set array maxLength to zero", array("number"), "self[3] == 0.0", 2, 0, 2),
    ("set map maxLength to zero", map_of(_of("number")), 'self["x"] == 0.0', 2, 0, 2),
    ("set string maxLength to zero", string(), 'self == "x"', 2, 0, 1),
    ("set bytes maxLength to zero", string("byte"), 'self == b"x"', 2, 0, 1),
    ("set maxLength greater than estimated maxLength", array("number"),
     "self.all(x, x == 0.0)", 6291454, 3 * 1024 * 2048, 25165826),
    ("nested types with root rule with all supporting maxLength", nested_all_bounded,
     'self.all(x, x["y"].required == "z")', 7340027, 10, 72),
    ("nested types with root rule with one supporting maxLength", nested_one_bounded,
     'self.all(x, x["y"].required == "z")', 7340027, 10, 7340027),
    ("int-or-string array with all", array("int-or-string"), ALL, 4718591, 10, 32),
    ("index of array with int-or-strings", array("int-or-string"), "self[0] == 5", 3, 10, 3),
    ("index of array with booleans", array("boolean"), "self[0] == false", 2, 25, 2),
    ("index of array of objects", lambda n: _bounded({"type": "array", "items": OBJECT},
                                                     "maxItems", n), "self[0] == null", 2, 422, 2),
    ("index of array of array of numbers", array_of_arrays("number"), "self[0][0] == -1.0", 3,
     51, 3),
    ("array of number maps with all", array_of_maps("number"), "self.all(x, x.y == 25.2)",
     6291452, 12, 74),
    ("index of array of number maps", array_of_maps("number"), "self[0].x > 2.0", 4, 3000, 4),
    ("duration array with all", array("duration"), ALL, 2359295, 5, 17),
    ("index of duration array", array("duration"), "self[0].getHours() == 2", 4, 525, 4),
    ("date array with all", array("date"), ALL, 725936, 15, 47),
    ("index of date array", array("date"), "self[2].getDayOfMonth() == 13", 4, 42, 4),
    ("date-time array with all", array("date-time"), ALL, 428963, 25, 77),
    ("index of date-time array", array("date-time"), "self[2].getMinutes() == 45", 4, 99, 4),
    ("map of int-or-strings with all", map_of(_of("int-or-string")), ALL, 1348169, 15, 47),
    ("map of objects with all", map_of(OBJECT), ALL, 428963, 20, 62),
    ("map of number maps with all", map_of({"type": "object", "additionalProperties": {
        "type": "number"}}), ALL, 1179647, 10, 32),
]


@pytest.mark.parametrize(("schema", "rule", "unbounded", "bound", "bounded"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_estimated_cost_matches_kube_apiserver(schema: Callable[[int | None], Schema],
                                               rule: str, unbounded: int | None, bound: int,
                                               bounded: int):
    free = compile_for_crd(rule, decl_type(schema(None), False))
    assert free.error is None
    if unbounded is None:
        assert free.max_cost > 10_000_000
    else:
        assert free.max_cost == unbounded
    assert compile_for_crd(rule, decl_type(schema(bound), False)).max_cost == bounded
