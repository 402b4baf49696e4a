"""The three non-apply patch types: JSON merge patch, JSON patch and strategic merge patch."""

from __future__ import annotations

import copy
from typing import Any

from .errors import ApiError
from .lists import smp_merge_key


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: objects merge recursively, null deletes, everything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _invalid_patch(message: str) -> ApiError:
    return ApiError(422, "Invalid", message)


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise _invalid_patch(f"invalid JSON pointer {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _parent(doc: Any, parts: list[str], path: str) -> tuple[Any, str]:
    node = doc
    for part in parts[:-1]:
        try:
            node = node[int(part)] if isinstance(node, list) else node[part]
        except (KeyError, IndexError, ValueError, TypeError):
            raise _invalid_patch(f"jsonpatch: path {path!r} does not exist") from None
    return node, parts[-1]


def _get(doc: Any, path: str) -> Any:
    parts = _pointer(path)
    if not parts:
        return doc
    parent, last = _parent(doc, parts, path)
    try:
        return parent[int(last)] if isinstance(parent, list) else parent[last]
    except (KeyError, IndexError, ValueError, TypeError):
        raise _invalid_patch(f"jsonpatch: path {path!r} does not exist") from None


def _remove(doc: Any, path: str) -> Any:
    parent, last = _parent(doc, _pointer(path), path)
    try:
        return parent.pop(int(last)) if isinstance(parent, list) else parent.pop(last)
    except (KeyError, IndexError, ValueError):
        raise _invalid_patch(
            f"jsonpatch remove operation does not apply: doc is missing path: {path!r}"
        ) from None


def _add(doc: Any, path: str, value: Any, replace: bool = False) -> Any:
    parts = _pointer(path)
    if not parts:
        return value
    parent, last = _parent(doc, parts, path)
    if isinstance(parent, list):
        if last == "-":
            parent.append(value)
            return doc
        try:
            index = int(last)
        except ValueError:
            raise _invalid_patch(f"jsonpatch: invalid array index in {path!r}") from None
        if replace:
            if not 0 <= index < len(parent):
                raise _invalid_patch(
                    f"jsonpatch replace operation does not apply: doc is missing path: {path!r}"
                )
            parent[index] = value
        elif 0 <= index <= len(parent):
            parent.insert(index, value)
        else:
            raise _invalid_patch(
                f"jsonpatch add operation does not apply: index out of range in {path!r}"
            )
    elif isinstance(parent, dict):
        if replace and last not in parent:
            raise _invalid_patch(
                f"jsonpatch replace operation does not apply: doc is missing key: {path!r}"
            )
        parent[last] = value
    else:
        raise _invalid_patch(f"jsonpatch: path {path!r} does not point into an object or array")
    return doc


def json_patch(target: dict[str, Any], ops: Any) -> dict[str, Any]:
    """RFC 6902 with the apiserver's error wording; `test` failures reject the whole patch."""
    if not isinstance(ops, list):
        raise ApiError(400, "BadRequest", "json patch must be a JSON array of operations")
    doc = copy.deepcopy(target)
    for op in ops:
        kind, path = op.get("op"), op.get("path", "")
        if kind == "add":
            doc = _add(doc, path, copy.deepcopy(op.get("value")))
        elif kind == "replace":
            doc = _add(doc, path, copy.deepcopy(op.get("value")), replace=True)
        elif kind == "remove":
            _remove(doc, path)
        elif kind == "move":
            doc = _add(doc, path, _remove(doc, op["from"]))
        elif kind == "copy":
            doc = _add(doc, path, copy.deepcopy(_get(doc, op["from"])))
        elif kind == "test":
            if _get(doc, path) != op.get("value"):
                raise _invalid_patch(f"testing value {path} failed")
        else:
            raise ApiError(400, "BadRequest", f"Unexpected kind: {kind}")
    return doc


def _strip(value: Any) -> Any:
    """Remove strategic-merge directives from a value that is inserted as is."""
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if not k.startswith("$")}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


_DELETE = object()


def strategic_merge_patch(target: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """Strategic merge patch for built-in kinds: keyed lists merge by their patchMergeKey."""
    result = _smp_map(target, patch, ())
    if result is _DELETE:
        raise ApiError(422, "Invalid", "strategic merge patch cannot delete the whole object")
    return result


def _smp_map(original: Any, patch: dict[str, Any], names: tuple[str, ...]) -> Any:
    directive = patch.get("$patch")
    if directive == "delete":
        return _DELETE
    if directive == "replace":
        return _strip(patch)
    result = copy.deepcopy(original) if isinstance(original, dict) else {}
    orders: dict[str, list[Any]] = {}
    for key, value in patch.items():
        if key.startswith("$setElementOrder/"):
            orders[key.split("/", 1)[1]] = value
        elif key.startswith("$deleteFromPrimitiveList/"):
            field = key.split("/", 1)[1]
            result[field] = [v for v in result.get(field) or [] if v not in value]
        elif key.startswith("$"):
            continue
        elif value is None:
            result.pop(key, None)
        elif isinstance(value, dict):
            merged = _smp_map(result.get(key), value, names + (key,))
            if merged is _DELETE:
                result.pop(key, None)
            else:
                result[key] = merged
        elif isinstance(value, list):
            result[key] = _smp_list(result.get(key), value, names + (key,))
        else:
            result[key] = value
    retain = patch.get("$retainKeys")
    if isinstance(retain, list):
        result = {k: v for k, v in result.items() if k in retain}
    for field, order in orders.items():
        result[field] = _reorder(result.get(field), order, names + (field,))
    return result


def _smp_list(original: Any, patch: list[Any], names: tuple[str, ...]) -> list[Any]:
    original = original if isinstance(original, list) else []
    if names[-1] == "finalizers":
        return original + [v for v in patch if v not in original]
    key = smp_merge_key(names, patch or original)
    if key is None:
        return _strip(patch)
    result = copy.deepcopy(original)
    for item in patch:
        if not isinstance(item, dict):
            raise ApiError(
                422,
                "Invalid",
                f"strategic merge patch: {'.'.join(names)} items must be objects keyed by {key}",
            )
        index = next((i for i, o in enumerate(result) if o.get(key) == item.get(key)), None)
        if item.get("$patch") == "delete":
            if index is not None:
                result.pop(index)
            continue
        if index is None:
            result.append(_strip(item))
        else:
            result[index] = _smp_map(result[index], item, names)
    return result


def _reorder(items: Any, order: list[Any], names: tuple[str, ...]) -> Any:
    if not isinstance(items, list):
        return items
    key = smp_merge_key(names, items)
    ident = (lambda v: v.get(key)) if key else (lambda v: v)
    wanted = [ident(o) if isinstance(o, dict) else o for o in order]
    ranked = {k: i for i, k in enumerate(wanted)}
    return sorted(items, key=lambda v: ranked.get(ident(v), len(ranked)))
