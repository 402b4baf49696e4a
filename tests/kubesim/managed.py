"""managedFields bookkeeping and server-side apply (merge, removals, conflicts, force).

Ownership follows structured-merge-diff's rules as far as this simulator needs them: an
applier owns exactly the fields of its last applied configuration; fields it stops applying
are removed unless someone else owns them; applying a different value to a field another
manager owns is a conflict unless forced, which transfers ownership; any non-apply write
takes ownership of the fields it changes (updates always force).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .errors import ApiError
from .fieldsets import (
    _MISSING,
    Path,
    field_set,
    from_fields_v1,
    merge_applied,
    remove_path,
    to_fields_v1,
    under,
    value_at,
)
from .lists import Resolver
from .timeutil import now_rfc3339


@dataclass
class Entry:
    manager: str
    operation: str
    api_version: str
    subresource: str
    paths: set[Path] = field(default_factory=set)
    time: str = ""

    @property
    def identity(self) -> tuple[str, str, str]:
        return (self.manager, self.operation, self.subresource)

    def to_json(self) -> dict[str, Any]:
        out = {
            "manager": self.manager,
            "operation": self.operation,
            "apiVersion": self.api_version,
            "time": self.time or now_rfc3339(),
            "fieldsType": "FieldsV1",
            "fieldsV1": to_fields_v1(self.paths),
        }
        if self.subresource:
            out["subresource"] = self.subresource
        return out


def read_entries(obj: dict[str, Any] | None) -> list[Entry]:
    entries = []
    for raw in (obj or {}).get("metadata", {}).get("managedFields") or []:
        entries.append(
            Entry(
                raw.get("manager", ""),
                raw.get("operation", "Update"),
                raw.get("apiVersion", ""),
                raw.get("subresource", ""),
                from_fields_v1(raw.get("fieldsV1") or {}),
                raw.get("time", ""),
            )
        )
    return entries


def write_entries(obj: dict[str, Any], entries: list[Entry]) -> None:
    kept = [e.to_json() for e in entries if e.paths]
    if kept:
        obj["metadata"]["managedFields"] = kept
    else:
        obj["metadata"].pop("managedFields", None)


def render_path(path: Path) -> str:
    """`.spec.containers[name="app"].image`, as apply conflict messages print paths."""
    out = ""
    for element in path:
        if element.startswith("f:"):
            out += "." + element[2:]
        elif element.startswith("k:"):
            keys = json.loads(element[2:])
            out += "[" + ",".join(f"{k}={json.dumps(v)}" for k, v in keys.items()) + "]"
        else:
            out += "[=" + element[2:] + "]"
    return out


def _own(
    entries: list[Entry], manager: str, operation: str, api_version: str, subresource: str
) -> Entry:
    for entry in entries:
        if entry.identity == (manager, operation, subresource):
            entry.api_version = api_version
            entry.time = now_rfc3339()
            return entry
    entry = Entry(manager, operation, api_version, subresource, set(), now_rfc3339())
    entries.append(entry)
    return entry


def _is_item(path: Path) -> bool:
    return bool(path) and path[-1].startswith("k:")


def apply(
    live: dict[str, Any] | None,
    config: dict[str, Any],
    *,
    manager: str,
    force: bool,
    resolve: Resolver,
    api_version: str,
    section: str | None,
    subresource: str = "",
) -> dict[str, Any]:
    """The object after applying `config` as `manager`; raises 409 on unforced conflicts."""
    entries = read_entries(live)
    new_set = field_set(config, resolve, section=section)
    conflicts: list[tuple[Entry, Path]] = []
    for entry in entries:
        if entry.identity == (manager, "Apply", subresource):
            continue
        for path in entry.paths & new_set:
            if _is_item(path):
                continue
            current = value_at(live, path, resolve)
            if current is not _MISSING and current != value_at(config, path, resolve):
                conflicts.append((entry, path))
    if conflicts and not force:
        raise _conflict_error(conflicts)
    for entry, path in conflicts:
        entry.paths.discard(path)
    own = _own(entries, manager, "Apply", api_version, subresource)
    previous = set(own.paths)
    others: set[Path] = set().union(*(e.paths for e in entries if e is not own))
    body = {k: v for k, v in config.items() if _in_section(k, section)}
    result = merge_applied(live or {}, body, resolve)
    for path in sorted(previous - new_set, key=len, reverse=True):
        if path in others or under(others, path) or under(new_set, path):
            continue
        remove_path(result, path, resolve)
    own.paths = new_set
    write_entries(result, entries)
    return result


def _in_section(key: str, section: str | None) -> bool:
    if key in ("apiVersion", "kind", "metadata"):
        return section != "status" or key != "metadata"
    if section == "status":
        return key == "status"
    return section == "all" or key != "status"


def _conflict_error(conflicts: list[tuple[Entry, Path]]) -> ApiError:
    by_manager: dict[tuple[str, str], list[str]] = {}
    for entry, path in conflicts:
        by_manager.setdefault((entry.manager, entry.api_version), []).append(render_path(path))
    count = len(conflicts)
    lines = []
    for (manager, version), paths in by_manager.items():
        if len(paths) == 1:
            lines.append(f'conflict with "{manager}" using {version}: {paths[0]}')
        else:
            lines.append(
                f'conflicts with "{manager}" using {version}:\n'
                + "\n".join(f"- {p}" for p in paths)
            )
    noun = "conflict" if count == 1 else "conflicts"
    message = f"Apply failed with {count} {noun}: " + "\n".join(lines)
    causes = [
        {
            "reason": "FieldManagerConflict",
            "message": f'conflict with "{entry.manager}" using {entry.api_version}',
            "field": render_path(path),
        }
        for entry, path in conflicts
    ]
    return ApiError(409, "Conflict", message, {"causes": causes})


def record_update(
    old: dict[str, Any] | None,
    new: dict[str, Any],
    *,
    manager: str,
    resolve: Resolver,
    api_version: str,
    section: str | None,
    subresource: str = "",
) -> None:
    """Give `manager` the fields a non-apply write changed; drop removed fields from everyone."""
    entries = read_entries(old)
    requested = new.get("metadata", {}).get("managedFields")
    if requested is not None and requested != (old or {}).get("metadata", {}).get("managedFields"):
        # A client rewrote managedFields explicitly (e.g. helm's client-side-apply upgrade):
        # the apiserver takes them as given, an empty list clears them.
        entries = read_entries(new)
        write_entries(new, entries)
        return
    old_set = field_set(old or {}, resolve, section=section)
    new_set = field_set(new, resolve, section=section)
    changed = {
        p
        for p in new_set
        if p not in old_set
        or (not _is_item(p) and value_at(old, p, resolve) != value_at(new, p, resolve))
    }
    removed = old_set - new_set
    for entry in entries:
        entry.paths -= removed
        entry.paths -= changed
    if changed:
        _own(entries, manager, "Update", api_version, subresource).paths |= changed
    write_entries(new, entries)
