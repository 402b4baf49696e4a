"""The leader Lease's state machine, as client-go's leaderelection keeps one (fake clock)."""

from __future__ import annotations

import pytest

from osprey.leadership import (
    LeaseRecord,
    LeaseTiming,
    LeaseTimingError,
    claim,
    released,
    renewal_overdue,
)

T0, T1 = "2026-12-01T01:00:00.000000Z", "2026-12-01T01:00:09.000000Z"


def held_by(holder: str, transitions: int = 0) -> LeaseRecord:
    return LeaseRecord(holder, 15, T0, T0, transitions)


def test_a_missing_lease_is_created_held_by_the_candidate() -> None:
    record = claim(None, identity="a", duration_seconds=15, observed_at=0, now=0, wall=T0)
    assert record == LeaseRecord("a", 15, T0, T0, 0)


def test_a_lease_another_holder_renewed_within_its_duration_is_not_taken() -> None:
    assert claim(held_by("b"), identity="a", duration_seconds=15,
                 observed_at=100.0, now=114.9, wall=T1) is None


def test_a_lease_unchanged_for_its_duration_on_our_clock_is_taken_over() -> None:
    record = claim(held_by("b", transitions=3), identity="a", duration_seconds=15,
                   observed_at=100.0, now=115.0, wall=T1)
    assert record == LeaseRecord("a", 15, T1, T1, 4)


def test_the_holders_own_duration_decides_when_it_expires() -> None:
    short = LeaseRecord("b", 5, T0, T0, 0)
    assert claim(short, identity="a", duration_seconds=15, observed_at=100.0, now=105.0,
                 wall=T1) is not None


def test_renewing_keeps_the_acquire_time_and_the_transitions() -> None:
    record = claim(held_by("a", transitions=2), identity="a", duration_seconds=15,
                   observed_at=100.0, now=102.0, wall=T1)
    assert record == LeaseRecord("a", 15, T0, T1, 2)


def test_a_released_lease_is_taken_at_once() -> None:
    free = released(held_by("b", transitions=1), T1)
    assert free.holder == "" and free.transitions == 1
    record = claim(free, identity="a", duration_seconds=15, observed_at=100.0, now=100.0,
                   wall=T1)
    assert record is not None and record.holder == "a" and record.transitions == 2


def test_the_lease_record_round_trips_through_a_lease_spec() -> None:
    record = LeaseRecord("a", 15, T0, T1, 7)
    assert LeaseRecord.of({"spec": record.spec()}) == record


def test_a_leader_that_did_not_renew_for_the_renew_deadline_must_stop() -> None:
    timing = LeaseTiming()
    assert not renewal_overdue(last_renewed=100.0, now=109.9, timing=timing)
    assert renewal_overdue(last_renewed=100.0, now=110.0, timing=timing)


def test_the_leader_gives_up_before_anyone_may_take_over() -> None:
    timing = LeaseTiming()
    assert (timing.lease_duration, timing.renew_deadline, timing.retry_period) == (15, 10, 2)
    assert timing.renew_deadline < timing.lease_duration


@pytest.mark.parametrize(("durations", "message"), [
    ((10, 10, 2), "lease duration (10s) must be greater than the renew deadline (10s)"),
    ((15, 2, 2), "renew deadline (2s) must be greater than 1.2 x the retry period (2s)"),
])
def test_timings_that_could_let_two_replicas_act_are_refused(durations, message) -> None:
    with pytest.raises(LeaseTimingError, match=message.replace("(", r"\(").replace(")", r"\)")):
        LeaseTiming(*durations)
