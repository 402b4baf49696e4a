"""validate_spec: the operator's own check of a spec, with kube-style field paths.

The CRD already rejects bad input at admission, but the operator validates again (a CRD may be
stale, admission may have been bypassed) and reports every problem in status, reason
InvalidSpec, naming the field as kube would: `spec.services.nova.replicas.api: ...`.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from osprey.api.formats import PATTERN_MEANINGS
from osprey.api.names import MAX_NAME_LENGTH, NAME_TOO_LONG
from osprey.api.rules import RULE_ERROR_TYPE
from osprey.api.spec import ControlPlaneSpec

_SCALARS = (str, int, float, bool, type(None))
MISSING_SPEC = ("required field is missing: a control plane without a spec is refused, not "
                "defaulted (spec: {} asks for the defaults)")


class SpecError(Exception):
    """An invalid spec: `errors` are (field path, message) pairs; str() is one line each."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = list(errors)
        super().__init__("\n".join(f"{field}: {message}" for field, message in self.errors))


def validate_spec(raw: dict[str, Any] | None, *, name: str | None = None) -> ControlPlaneSpec:
    """Parse a resource's spec as kube stored it (JSON), strictly: "1" is not an integer.

    A missing spec is an error, as it is at admission: `spec: {}` asks for the defaults.
    With `name`, the resource's name is checked too (see `name_errors`).
    """
    errors = name_errors(name) if name is not None else []
    if raw is None:
        errors.append(("spec", MISSING_SPEC))
        raise SpecError(errors)
    try:
        spec = ControlPlaneSpec.model_validate_json(json.dumps(raw), strict=True)
    except ValidationError as e:
        raise SpecError(errors + field_errors(e, root="spec")) from None
    if errors:
        raise SpecError(errors)
    return spec


def generation_key(body: Mapping[str, Any]) -> tuple[str, int] | None:
    """(uid, generation) of a resource: its spec is the same until the generation changes.
    None for a body without them (as some callers build them)."""
    meta = body.get("metadata") or {}
    uid, generation = meta.get("uid"), meta.get("generation")
    return (uid, int(generation)) if uid and generation is not None else None


class ValidatedSpecs:
    """`validate_spec` once per resource generation. A custom resource's spec changes only
    with a new `metadata.generation`, so (uid, generation, name) identifies what was checked;
    every pass checks its own control plane's spec and the node pool check every other
    one's, which made validation grow with the number of control planes. A resource without
    uid or generation (as some callers build them) is validated every time."""

    def __init__(self, kept: int = 1024) -> None:
        self._kept = kept
        self._memo: OrderedDict[tuple[str, int, str | None],
                                ControlPlaneSpec | list[tuple[str, str]]] = OrderedDict()

    def of(self, body: Mapping[str, Any], *, name: str | None = None) -> ControlPlaneSpec:
        """The spec of `body`, validated (with `name` checked too), or SpecError."""
        raw = body.get("spec")
        generation = generation_key(body)
        if generation is None:
            return validate_spec(dict(raw) if raw is not None else None, name=name)
        key = (*generation, name)
        known = self._memo.get(key)
        if known is None:
            try:
                known = validate_spec(dict(raw) if raw is not None else None, name=name)
            except SpecError as exc:
                known = exc.errors
            self._memo[key] = known
            while len(self._memo) > self._kept:
                self._memo.popitem(last=False)
        else:
            self._memo.move_to_end(key)
        if isinstance(known, list):
            raise SpecError(known)
        return known


def name_errors(name: str) -> list[tuple[str, str]]:
    """The control plane's name must fit where Osprey puts it (the CRD's root rule says the
    same at admission)."""
    if len(name) <= MAX_NAME_LENGTH:
        return []
    return [("metadata.name", f"{NAME_TOO_LONG}, got {len(name)} characters")]


def field_errors(error: ValidationError, root: str) -> list[tuple[str, str]]:
    """Pydantic's errors as (kube field path, message); rule violations name their field."""
    out: list[tuple[str, str]] = []
    for item in error.errors():
        path = field_path(root, item["loc"])
        if item["type"] == RULE_ERROR_TYPE:
            out.extend((f"{path}.{field}", message)
                       for field, message in item["ctx"]["violations"])
        else:
            out.append((path, _message(item)))
    return out


def field_path(root: str, loc: tuple[int | str, ...]) -> str:
    """`("services", "nova", "replicas", "api")` -> `spec.services.nova.replicas.api`."""
    path = root
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part != "[key]":
            path += f".{part}"
    return path


def _message(item: dict[str, Any]) -> str:
    kind = item["type"]
    if kind == "extra_forbidden":
        return "unknown field: not part of the OpenStackControlPlane API (check the spelling)"
    if kind == "missing":
        return "required field is missing"
    message = item["msg"]
    if kind == "string_pattern_mismatch" and item["ctx"]["pattern"] in PATTERN_MEANINGS:
        message = PATTERN_MEANINGS[item["ctx"]["pattern"]]
    value = item.get("input")
    if isinstance(value, _SCALARS):
        message += f", got {json.dumps(value)}"
    return message
