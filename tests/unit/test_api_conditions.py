"""Condition helpers keep metav1.Condition semantics."""

from __future__ import annotations

from datetime import UTC, datetime

from osprey.api.conditions import (
    get_condition,
    is_current,
    is_true,
    remove_condition,
    rfc3339,
    set_condition,
)
from osprey.api.status import CONDITION_MESSAGE_MAX, Condition, ConditionStatus

T0 = "2025-01-01T00:00:00Z"
T1 = "2025-01-01T00:05:00Z"


def test_new_condition_is_appended_with_the_time_of_now():
    out = set_condition([], "Ready", "False", "Installing", "keystone", 3, T0)
    assert out == [Condition(type="Ready", status=ConditionStatus.false, reason="Installing",
                             message="keystone", lastTransitionTime=T0, observedGeneration=3)]


def test_same_status_keeps_last_transition_time_but_updates_the_rest():
    first = set_condition([], "Ready", "False", "Installing", "keystone", 1, T0)
    again = set_condition(first, "Ready", "False", "Installing", "nova", 2, T1)
    assert again[0].lastTransitionTime == T0
    assert again[0].message == "nova" and again[0].observedGeneration == 2


def test_status_flip_moves_last_transition_time():
    first = set_condition([], "Ready", "False", "Installing", "", 1, T0)
    flipped = set_condition(first, "Ready", "True", "AllServicesReady", "", 1, T1)
    assert flipped[0].lastTransitionTime == T1
    assert flipped[0].status is ConditionStatus.true


def test_other_conditions_keep_their_order_and_the_input_is_untouched():
    conditions = set_condition([], "Ready", False, "A", "", 1, T0)
    conditions = set_condition(conditions, "Degraded", False, "B", "", 1, T0)
    updated = set_condition(conditions, "Ready", True, "C", "", 1, T1)
    assert [c.type for c in updated] == ["Ready", "Degraded"]
    assert conditions[0].status is ConditionStatus.false


def test_booleans_none_and_datetimes_are_accepted():
    now = datetime(2025, 1, 1, 12, 30, 15, 999, tzinfo=UTC)
    out = set_condition([], "Progressing", None, "Waiting", "", None, now)
    assert out[0].status is ConditionStatus.unknown
    assert out[0].lastTransitionTime == "2025-01-01T12:30:15Z"
    assert rfc3339(now) == "2025-01-01T12:30:15Z"


def test_overlong_message_is_cut_to_what_the_api_accepts():
    out = set_condition([], "Ready", False, "Failed", "x" * (CONDITION_MESSAGE_MAX + 10), 1, T0)
    assert len(out[0].message) == CONDITION_MESSAGE_MAX
    assert out[0].message.endswith("...")


def test_readers_find_check_and_remove_conditions():
    conditions = set_condition([], "Ready", True, "AllServicesReady", "", 4, T0)
    assert get_condition(conditions, "Ready").reason == "AllServicesReady"
    assert get_condition(conditions, "Degraded") is None
    assert is_true(conditions, "Ready") and not is_true(conditions, "Degraded")
    assert is_current(get_condition(conditions, "Ready"), 4)
    assert not is_current(get_condition(conditions, "Ready"), 5)
    assert remove_condition(conditions, "Ready") == []
