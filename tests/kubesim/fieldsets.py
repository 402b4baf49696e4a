"""Sets of field paths, the currency of managedFields (`fieldsV1`) and apply conflicts.

A path is a tuple of fieldsV1 elements: `f:<name>` for a field, `k:<json>` for an item of a
keyed list, `v:<json>` for a member of a set list. A set holds leaf paths (scalars, atomic
lists, empty maps) and the paths of keyed-list items themselves.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .lists import Resolver

Path = tuple[str, ...]

# Fields the apiserver never tracks in managedFields.
_UNTRACKED_META = {
    "name",
    "namespace",
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "managedFields",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "selfLink",
    "generateName",
}


def _names(path: Path) -> tuple[str, ...]:
    return tuple(p[2:] for p in path if p.startswith("f:"))


def item_element(rule_keys: tuple[tuple[str, Any], ...]) -> str:
    return "k:" + json.dumps(dict(rule_keys), separators=(",", ":"))


def field_set(obj: dict[str, Any], resolve: Resolver, *, section: str | None = None) -> set[Path]:
    """Paths an object (an applied configuration or a live object) sets.

    `section="status"` restricts to status; otherwise status is excluded, matching the
    main resource and the status subresource of types that have one.
    """
    out: set[Path] = set()
    for key, value in obj.items():
        if key in ("apiVersion", "kind"):
            continue
        if section == "status" and key != "status":
            continue
        if section != "status" and section != "all" and key == "status":
            continue
        if key == "metadata" and isinstance(value, dict):
            meta = {k: v for k, v in value.items() if k not in _UNTRACKED_META}
            _walk(meta, ("f:metadata",), resolve, out)
        else:
            _walk_value(value, ("f:" + key,), resolve, out)
    return out


def _walk(node: dict[str, Any], path: Path, resolve: Resolver, out: set[Path]) -> None:
    for key, value in node.items():
        _walk_value(value, path + ("f:" + key,), resolve, out)


def _walk_value(value: Any, path: Path, resolve: Resolver, out: set[Path]) -> None:
    if value is None:
        return
    if isinstance(value, dict):
        if value:
            _walk(value, path, resolve, out)
        else:
            out.add(path)
    elif isinstance(value, list):
        rule = resolve(_names(path), value)
        if rule.kind == "map" and all(isinstance(i, dict) for i in value):
            for item in value:
                item_path = path + (item_element(rule.key_of(item)),)
                out.add(item_path)
                _walk(item, item_path, resolve, out)
        elif rule.kind == "set":
            for item in value:
                out.add(path + ("v:" + json.dumps(item, separators=(",", ":")),))
        else:
            out.add(path)
    else:
        out.add(path)


def _locate(
    container: Any, element: str, resolve: Resolver, names: tuple[str, ...]
) -> tuple[Any, Any]:
    """(key or index, value) of one path element inside `container`, or (None, None)."""
    if element.startswith("f:"):
        if isinstance(container, dict) and element[2:] in container:
            return element[2:], container[element[2:]]
        return None, None
    if not isinstance(container, list):
        return None, None
    wanted = json.loads(element[2:])
    if element.startswith("v:"):
        for i, item in enumerate(container):
            if item == wanted:
                return i, item
        return None, None
    rule = resolve(names, container)
    for i, item in enumerate(container):
        if isinstance(item, dict) and dict(rule.key_of(item)) == wanted:
            return i, item
    return None, None


_MISSING = object()


def value_at(obj: Any, path: Path, resolve: Resolver) -> Any:
    node = obj
    for depth, element in enumerate(path):
        key, node = _locate(node, element, resolve, _names(path[:depth]))
        if key is None:
            return _MISSING
    return node


def remove_path(obj: dict[str, Any], path: Path, resolve: Resolver) -> None:
    node: Any = obj
    for depth, element in enumerate(path[:-1]):
        key, node = _locate(node, element, resolve, _names(path[:depth]))
        if key is None:
            return
    key, _ = _locate(node, path[-1], resolve, _names(path[:-1]))
    if key is not None:
        node.pop(key)


def to_fields_v1(paths: set[Path]) -> dict[str, Any]:
    root: dict[str, Any] = {}
    parents = {p[:i] for p in paths for i in range(1, len(p))}
    for path in sorted(paths, key=len):
        node = root
        for element in path:
            node = node.setdefault(element, {})
        if path in parents:
            node["."] = {}
    return root


def from_fields_v1(tree: dict[str, Any], prefix: Path = ()) -> set[Path]:
    out: set[Path] = set()
    for element, child in tree.items():
        if element == ".":
            out.add(prefix)
            continue
        path = prefix + (element,)
        if child:
            out |= from_fields_v1(child, path)
        else:
            out.add(path)
    return out


def under(paths: set[Path], prefix: Path) -> bool:
    return any(p[: len(prefix)] == prefix and p != prefix for p in paths)


def merge_applied(live: Any, config: Any, resolve: Resolver, names: tuple[str, ...] = ()) -> Any:
    """Merge an applied configuration into the live object (apply's merge, not its removals)."""
    if isinstance(config, dict):
        result = dict(live) if isinstance(live, dict) else {}
        for key, value in config.items():
            if value is None:
                continue
            result[key] = merge_applied(result.get(key), value, resolve, names + (key,))
        return result
    if isinstance(config, list):
        rule = resolve(names, config)
        current = live if isinstance(live, list) else []
        if rule.kind == "map" and all(isinstance(i, dict) for i in config + current):
            return _merge_keyed(
                current, config, rule.key_of,
                lambda have, item: merge_applied(have, item, resolve, names),
            )
        if rule.kind == "set":
            return current + [v for v in config if v not in current]
        return list(config)
    return config


def _merge_keyed(
    current: list[Any],
    config: list[Any],
    key_of: Callable[[Any], Any],
    merge: Callable[[Any, Any], Any],
) -> list[Any]:
    """An associative list merged as structured-merge-diff (4.2.1+, Kubernetes 1.23+) does: the
    applied configuration's order wins (an item added in the middle of a list lands there,
    not at its end); live items the configuration does not name keep their place."""
    live_keys, applied_keys = [key_of(i) for i in current], [key_of(i) for i in config]
    live, applied = dict(zip(live_keys, current)), dict(zip(applied_keys, config))
    shared = [k for k in applied_keys if k in live]
    next_shared = shared.pop(0) if shared else None
    merged: set[Any] = set()
    out: list[Any] = []
    li = ri = 0
    while li < len(live_keys) or ri < len(applied_keys):
        if li < len(live_keys) and ri < len(applied_keys):
            key = live_keys[li]
            if key == applied_keys[ri]:
                merged.add(key)
                out.append(merge(live.get(key), applied[key]))
                li, ri = li + 1, ri + 1
                next_shared = shared.pop(0) if shared else None
                continue
            if key in applied and next_shared is not None and next_shared != key:
                li += 1  # a shared item, placed when the configuration reaches it
                continue
        if li < len(live_keys):
            key = live_keys[li]
            if key not in applied:
                out.append(current[li])
                li += 1
                continue
            if key in merged:
                li += 1
                continue
        if ri < len(applied_keys):
            key = applied_keys[ri]
            merged.add(key)
            out.append(merge(live.get(key), applied[key]))
            ri += 1
            if next_shared is not None and next_shared == key:
                next_shared = shared.pop(0) if shared else None
    return out
