"""Cross-field rules written once, checked twice: as CEL at admission and in pydantic.

A model lists its rules in `cross_field_rules`; the CRD generator turns each into an
`x-kubernetes-validations` entry and the model's validator evaluates the same rule in Python,
so kube-apiserver and the operator reject the same specs with the same message and field.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic_core import PydanticCustomError

# The pydantic error type carrying rule violations; validation.py expands it into field errors.
RULE_ERROR_TYPE = "cross_field_rule"


class Rule(Protocol):
    """A constraint between fields of one model, with the field an error should name."""

    @property
    def field(self) -> str: ...

    @property
    def message(self) -> str: ...

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


def cel_validations(rules: Iterable[Rule]) -> list[dict[str, str]]:
    """The x-kubernetes-validations entries of a model's rules."""
    return [
        {"rule": r.cel(), "message": r.message, "fieldPath": f".{r.field}",
         "reason": "FieldValueInvalid"}
        for r in rules
    ]


def check_rules(model: Any, rules: Iterable[Rule]) -> None:
    """Raise one pydantic error listing every violated rule as (relative field, message)."""
    broken = tuple((r.field, r.message) for r in rules if not r.holds(model))
    if broken:
        summary = "; ".join(f"{field}: {message}" for field, message in broken)
        raise PydanticCustomError(RULE_ERROR_TYPE, "{summary}",
                                  {"summary": summary, "violations": broken})
