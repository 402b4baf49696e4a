"""Merging value layers and keeping the result JSON-plain.

Values must survive a JSON round trip unchanged, or every reconcile pass would see a change
(the hash of the values is compared with the deployed one).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from enum import Enum
from typing import Any


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """A new dict: `override` wins; nested mappings merge, everything else is replaced.

    Lists are replaced, not concatenated, as Helm does with values files.
    """
    merged: dict[str, Any] = copy.deepcopy(dict(base))
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def plain(value: Any, path: str = "values") -> Any:
    """A JSON-plain deep copy: str keys, lists for sequences, enums as their values.

    Anything else (a set, an object) is a builder bug; the error names where it is.
    """
    if isinstance(value, Enum):
        return plain(value.value, path)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, Mapping):
        result: dict[str, Any] = {}
        for key, item in value.items():
            if isinstance(key, Enum):
                key = key.value
            if not isinstance(key, str):
                raise TypeError(f"{path}: key {key!r} is not a string")
            result[key] = plain(item, f"{path}.{key}")
        return result
    if isinstance(value, (list, tuple)):
        return [plain(item, f"{path}[{i}]") for i, item in enumerate(value)]
    raise TypeError(f"{path}: {type(value).__name__} is not a JSON value")


def nested(path: str, value: Any) -> dict[str, Any]:
    """`nested("a.b.c", 1)` is `{"a": {"b": {"c": 1}}}`: values keys read like OSH's docs."""
    result: Any = value
    for part in reversed(path.split(".")):
        result = {part: result}
    return result
