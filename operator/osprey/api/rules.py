"""Rules written once, checked twice: as CEL at admission and in pydantic.

A model lists its cross-field rules in `cross_field_rules`; the CRD generator turns each into
an `x-kubernetes-validations` entry and the model's validator evaluates the same rule in
Python, so kube-apiserver and the operator reject the same specs with the same message and
field. Rules on the keys or size of one map (`KeysIn`, `KeysMatch`, `MaxEntries`) are
annotations of the map's type and work the same way.
"""

from __future__ import annotations

import json
import operator
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import PydanticCustomError, core_schema

# The pydantic error type carrying rule violations; validation.py expands it into field errors.
RULE_ERROR_TYPE = "cross_field_rule"
# The pydantic error type of a map rule; its message is the whole explanation.
MAP_RULE_ERROR_TYPE = "map_rule"
VALIDATIONS = "x-kubernetes-validations"


class Rule(Protocol):
    """A constraint between fields of one model, with the field an error should name."""

    @property
    def field(self) -> str: ...

    @property
    def message(self) -> str: ...

    @property
    def reason(self) -> str: ...

    def cel(self) -> str: ...

    def holds(self, model: Any) -> bool: ...


def _get(model: Any, path: str) -> Any:
    for name in path.split("."):
        model = getattr(model, name)
    return model


@dataclass(frozen=True)
class Requires:
    """When the boolean at `when` is true, the boolean at `then` must be true as well."""

    when: str
    then: str
    message: str
    reason: ClassVar[str] = "FieldValueInvalid"

    @property
    def field(self) -> str:
        return self.when

    def cel(self) -> str:
        return f"!self.{self.when} || self.{self.then}"

    def holds(self, model: Any) -> bool:
        return not _get(model, self.when) or bool(_get(model, self.then))


_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "<=": operator.le, "<": operator.lt, ">=": operator.ge, ">": operator.gt,
}


@dataclass(frozen=True)
class Compare:
    """The value at `left` must stand in relation `op` (<=, <, >=, >) to the value at `right`."""

    left: str
    op: str
    right: str
    message: str
    reason: ClassVar[str] = "FieldValueInvalid"

    def __post_init__(self) -> None:
        if self.op not in _COMPARISONS:
            raise ValueError(f"Compare.op must be one of {sorted(_COMPARISONS)}, not {self.op!r}")

    @property
    def field(self) -> str:
        return self.left

    def cel(self) -> str:
        return f"self.{self.left} {self.op} self.{self.right}"

    def holds(self, model: Any) -> bool:
        return _COMPARISONS[self.op](_get(model, self.left), _get(model, self.right))


@dataclass(frozen=True)
class Excludes:
    """The field at `field` must be unset while the one at `owner` is set.

    Unset is `has()` in CEL and None in pydantic: such fields have no schema default.
    """

    field: str
    owner: str
    message: str
    reason: ClassVar[str] = "FieldValueForbidden"

    def cel(self) -> str:
        return f"!has(self.{self.owner}) || !has(self.{self.field})"

    def holds(self, model: Any) -> bool:
        return _get(model, self.owner) is None or _get(model, self.field) is None


@dataclass(frozen=True)
class OneOf:
    """Exactly one of the optional fields `field` and `other` must be set."""

    field: str
    other: str
    message: str
    reason: ClassVar[str] = "FieldValueInvalid"

    def cel(self) -> str:
        return f"has(self.{self.field}) != has(self.{self.other})"

    def holds(self, model: Any) -> bool:
        return (_get(model, self.field) is None) != (_get(model, self.other) is None)


def _present(path: str) -> str:
    """CEL: the optional field at `path` is set, each optional parent tested with has() first
    (selecting a field of an absent object is an error in CEL)."""
    parts = path.split(".")
    return " && ".join(f"has(self.{'.'.join(parts[:i])})" for i in range(1, len(parts) + 1))


@dataclass(frozen=True)
class Needs:
    """When the optional field at `field` is set, the optional field at `needs` must be too.

    `needs` may go through optional parents (endpoints.tls.issuerRef): in CEL each is tested
    with has() first, since selecting a field of an absent object is an error there.
    """

    field: str
    needs: str
    message: str
    reason: ClassVar[str] = "FieldValueRequired"

    def cel(self) -> str:
        return f"!has(self.{self.field}) || ({_present(self.needs)})"

    def holds(self, model: Any) -> bool:
        return _optional(model, self.field) is None or _optional(model, self.needs) is not None


@dataclass(frozen=True)
class RequiresSet:
    """When the boolean at `when` is true, the optional field at `needs` must be set.

    `needs` may go through optional parents, tested with has() in CEL as in `Needs`.
    """

    when: str
    needs: str
    message: str
    reason: ClassVar[str] = "FieldValueRequired"

    @property
    def field(self) -> str:
        return self.when

    def cel(self) -> str:
        return f"!self.{self.when} || ({_present(self.needs)})"

    def holds(self, model: Any) -> bool:
        return not _get(model, self.when) or _optional(model, self.needs) is not None


@dataclass(frozen=True)
class Forbids:
    """When the boolean at `when` is true, the boolean at `field` must be false."""

    when: str
    field: str
    message: str
    reason: ClassVar[str] = "FieldValueForbidden"

    def cel(self) -> str:
        return f"!self.{self.when} || !self.{self.field}"

    def holds(self, model: Any) -> bool:
        return not (_get(model, self.when) and _get(model, self.field))


@dataclass(frozen=True)
class ForbidsValue:
    """When the boolean at `when` is true, the string at `other` must not be `value`; the
    error names `when` (what the user turned on)."""

    when: str
    other: str
    value: str
    message: str
    reason: ClassVar[str] = "FieldValueForbidden"

    @property
    def field(self) -> str:
        return self.when

    def cel(self) -> str:
        return f"!self.{self.when} || self.{self.other} != '{self.value}'"

    def holds(self, model: Any) -> bool:
        return not (_get(model, self.when) and _get(model, self.other) == self.value)


def _optional(model: Any, path: str) -> Any:
    """The value at `path`, or None when it or any parent on the way is unset."""
    for name in path.split("."):
        if model is None:
            return None
        model = getattr(model, name)
    return model


def cel_validations(rules: Iterable[Rule]) -> list[dict[str, str]]:
    """The x-kubernetes-validations entries of a model's rules."""
    return [
        {"rule": r.cel(), "message": r.message, "fieldPath": f".{r.field}", "reason": r.reason}
        for r in rules
    ]


def check_rules(model: Any, rules: Iterable[Rule]) -> None:
    """Raise one pydantic error listing every violated rule as (relative field, message)."""
    broken = tuple((r.field, r.message) for r in rules if not r.holds(model))
    if broken:
        summary = "; ".join(f"{field}: {message}" for field, message in broken)
        raise PydanticCustomError(RULE_ERROR_TYPE, "{summary}",
                                  {"summary": summary, "violations": broken})


# --- rules on one map, as annotations of its type ------------------------------------------


class MapRule(ABC):
    """A constraint on a map's keys or size: schema and CEL in the CRD, a check in pydantic.

    Used as `Annotated[dict[str, X], SomeRule(...)]`. The CEL rule sits on the map itself, so
    kube-apiserver names the map's field, as the pydantic error does.
    """

    message: str

    def schema(self) -> dict[str, Any]:
        """Schema keywords the rule adds to the map's node (e.g. maxProperties)."""
        return {}

    def cel(self) -> str | None:
        """The CEL rule on the map (self is the map), if the schema alone cannot say it."""
        return None

    @abstractmethod
    def problem(self, value: Mapping[str, Any]) -> str | None:
        """What is wrong with `value`, or None."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        out = handler(schema)
        out.update(self.schema())
        rule = self.cel()
        if rule is not None:
            out.setdefault(VALIDATIONS, []).append(
                {"rule": rule, "message": self.message, "reason": "FieldValueInvalid"})
        return out

    def _check(self, value: Mapping[str, Any]) -> Mapping[str, Any]:
        problem = self.problem(value)
        if problem is not None:
            raise PydanticCustomError(MAP_RULE_ERROR_TYPE, "{problem}", {"problem": problem})
        return value


def _got(keys: Iterable[str]) -> str:
    return ", ".join(json.dumps(k) for k in keys)


@dataclass(frozen=True)
class KeysIn(MapRule):
    """Every key is one of `allowed`; so the map has at most len(allowed) entries."""

    allowed: tuple[str, ...]
    message: str

    def schema(self) -> dict[str, Any]:
        return {"maxProperties": len(self.allowed)}

    def cel(self) -> str:
        return f"self.all(k, k in {_cel_list(self.allowed)})"

    def problem(self, value: Mapping[str, Any]) -> str | None:
        bad = [k for k in value if k not in self.allowed]
        return f"{self.message}, got {_got(bad)}" if bad else None


@dataclass(frozen=True)
class KeysMatch(MapRule):
    """Every key matches each of `patterns` (anchored regular expressions that mean the same
    in RE2, which kube-apiserver runs, and in Python)."""

    patterns: tuple[str, ...]
    message: str

    def __post_init__(self) -> None:
        for pattern in self.patterns:
            if "\\" in pattern or "'" in pattern or (pattern[0], pattern[-1]) != ("^", "$"):
                raise ValueError(f"KeysMatch pattern {pattern!r} must be anchored and free of "
                                 "backslashes and quotes (it becomes a CEL string literal)")

    def cel(self) -> str:
        tests = " && ".join(f"k.matches('{p}')" for p in self.patterns)
        return f"self.all(k, {tests})"

    def problem(self, value: Mapping[str, Any]) -> str | None:
        bad = [k for k in value if not all(re.fullmatch(p, k) for p in self.patterns)]
        return f"{self.message}, got {_got(bad)}" if bad else None


@dataclass(frozen=True)
class MaxEntries(MapRule):
    """The map has at most `limit` entries (the schema's maxProperties)."""

    limit: int
    message: str

    def schema(self) -> dict[str, Any]:
        return {"maxProperties": self.limit}

    def problem(self, value: Mapping[str, Any]) -> str | None:
        if len(value) <= self.limit:
            return None
        return f"{self.message}, got {len(value)} entries: {_got(value)}"


@dataclass(frozen=True)
class Distinct:
    """A list of scalars without repeats: `x-kubernetes-list-type: set` in the CRD (kube-apiserver
    refuses a repeat with `Duplicate value`, and server-side apply merges the list by item), the
    same check in pydantic. Used as `Annotated[list[X], Distinct()]`."""

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        out = handler(schema)
        out["x-kubernetes-list-type"] = "set"
        return out

    @staticmethod
    def _check(value: list[Any]) -> list[Any]:
        repeated = [item for i, item in enumerate(value) if item in value[:i]]
        if repeated:
            raise PydanticCustomError(MAP_RULE_ERROR_TYPE, "{problem}", {
                "problem": f"Duplicate value: {_got(dict.fromkeys(repeated))}"})
        return value


def _cel_list(items: Iterable[str]) -> str:
    return "[" + ", ".join(f"'{item}'" for item in items) + "]"
