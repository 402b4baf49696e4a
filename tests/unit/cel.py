"""The CRD's CEL rules evaluated with cel-python, directly (no simulator in between).

kube-apiserver runs each rule of `x-kubernetes-validations` with `self` bound to the value of
its node (and `oldSelf` to the old value, for transition rules), on every node present in the
object. These helpers do the same, so unit tests can ask what a rule says about a value.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

import celpy

VALIDATIONS = "x-kubernetes-validations"
_ENV = celpy.Environment()


@functools.lru_cache(maxsize=512)
def program(rule: str) -> celpy.Runner:
    return _ENV.program(_ENV.compile(rule))


def evaluate(rule: str, value: Any, old: Any = None) -> bool:
    """The verdict of one rule on `value` (with `old` as oldSelf); errors propagate."""
    activation = {"self": celpy.json_to_cel(value)}
    if old is not None:
        activation["oldSelf"] = celpy.json_to_cel(old)
    return bool(program(rule).evaluate(activation))


def failures(value: Any, schema: dict[str, Any], old: Any = None,
             path: str = "") -> Iterator[tuple[str, str, str]]:
    """(path, rule, why) for every rule of `schema`'s subtree that rejects `value`.

    Rules run on every node present in `value`, as kube-apiserver runs them; an evaluation
    error (e.g. `no such key`) is a rejection, as it is for kube.
    """
    for rule in schema.get(VALIDATIONS, ()):
        text = rule["rule"]
        if "oldSelf" in text and old is None:
            continue
        try:
            if not evaluate(text, value, old):
                yield path or ".", text, rule.get("message", "false")
        except celpy.CELEvalError as error:
            yield path or ".", text, f"error: {error.args[0] if error.args else error}"
    if not isinstance(value, dict):
        return
    props, extra = schema.get("properties", {}), schema.get("additionalProperties")
    old_map = old if isinstance(old, dict) else {}
    for key, item in value.items():
        child = props.get(key) if key in props else extra if isinstance(extra, dict) else None
        if child is not None:
            yield from failures(item, child, old_map.get(key), f"{path}.{key}")

