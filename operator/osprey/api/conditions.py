"""Pure helpers for status conditions (metav1.Condition semantics).

lastTransitionTime records when a condition's status last flipped, so that `kubectl wait` and
Argo CD see stable times: a pass that only rewords the message keeps the old time.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from osprey.api.status import CONDITION_MESSAGE_MAX, Condition, ConditionStatus

StatusLike = ConditionStatus | str | bool | None
_TRUNCATED = "..."


def rfc3339(moment: datetime) -> str:
    """A time as kube writes it: UTC, whole seconds, `Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def condition_status(value: StatusLike) -> ConditionStatus:
    """True/False/None (unknown) or the strings "True", "False", "Unknown" as a status."""
    if value is None:
        return ConditionStatus.unknown
    if isinstance(value, bool):
        return ConditionStatus.true if value else ConditionStatus.false
    return ConditionStatus(value)


def set_condition(
    conditions: Iterable[Condition],
    type: str,
    status: StatusLike,
    reason: str,
    message: str,
    generation: int | None,
    now: datetime | str,
) -> list[Condition]:
    """A new list with `type` set; lastTransitionTime moves only when the status changes.

    The other conditions keep their order; a new type is appended. Messages longer than the
    API allows are cut, since kube-apiserver would refuse the whole status write.
    """
    new_status = condition_status(status)
    stamp = rfc3339(now) if isinstance(now, datetime) else now
    if len(message) > CONDITION_MESSAGE_MAX:
        message = message[: CONDITION_MESSAGE_MAX - len(_TRUNCATED)] + _TRUNCATED
    result: list[Condition] = []
    placed = False
    for current in conditions:
        if current.type != type:
            result.append(current)
            continue
        placed = True
        changed = current.status != new_status
        result.append(Condition(
            type=type, status=new_status, reason=reason, message=message,
            lastTransitionTime=stamp if changed else current.lastTransitionTime,
            observedGeneration=generation,
        ))
    if not placed:
        result.append(Condition(
            type=type, status=new_status, reason=reason, message=message,
            lastTransitionTime=stamp, observedGeneration=generation,
        ))
    return result


def get_condition(conditions: Iterable[Condition], type: str) -> Condition | None:
    """The condition of that type, or None."""
    return next((c for c in conditions if c.type == type), None)


def is_true(conditions: Iterable[Condition], type: str) -> bool:
    """Whether the condition exists and is True."""
    found = get_condition(conditions, type)
    return found is not None and found.status is ConditionStatus.true


def is_current(condition: Condition | None, generation: int | None) -> bool:
    """Whether the condition was computed for this metadata.generation."""
    return condition is not None and condition.observedGeneration == generation


def remove_condition(conditions: Iterable[Condition], type: str) -> list[Condition]:
    """A new list without the condition of that type."""
    return [c for c in conditions if c.type != type]
