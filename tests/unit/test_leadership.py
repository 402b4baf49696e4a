"""The leader Lease's state machine, as client-go's leaderelection keeps one (fake clock)."""

from __future__ import annotations

import asyncio
import copy
from datetime import UTC, datetime

import pytest

from osprey.kube import KubeError
from osprey.leadership import (
    LeaderElector,
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


# --- the elector over an API with Kubernetes' optimistic concurrency ----------------------


class LeaseApi:
    """One Lease store with resourceVersions: a write carrying an old one is a 409."""

    def __init__(self) -> None:
        self.lease: dict | None = None
        self.version = 0

    async def get(self, res, namespace, name):
        return copy.deepcopy(self.lease)

    async def create(self, res, namespace, obj):
        if self.lease is not None:
            raise KubeError(409, "AlreadyExists", "exists")
        return self._store(obj)

    async def replace(self, res, namespace, name, obj):
        if obj["metadata"].get("resourceVersion") != self.lease["metadata"]["resourceVersion"]:
            raise KubeError(409, "Conflict", "the object has been modified")
        return self._store(obj)

    def _store(self, obj):
        self.version += 1
        self.lease = copy.deepcopy(obj)
        self.lease["metadata"]["resourceVersion"] = str(self.version)
        return copy.deepcopy(self.lease)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def elector(api: LeaseApi, identity: str, clock: Clock) -> LeaderElector:
    return LeaderElector(api, "osprey-system", "osprey", identity, LeaseTiming(), clock=clock,
                         wall=lambda: datetime.fromtimestamp(clock.now, UTC))


def test_of_two_candidates_the_first_leads_and_the_second_waits_out_the_lease() -> None:
    api, clock = LeaseApi(), Clock()
    a, b = elector(api, "a", clock), elector(api, "b", clock)
    assert asyncio.run(a.try_acquire_or_renew()) and a.leading
    assert not asyncio.run(b.try_acquire_or_renew())  # first sight of a's record
    clock.now += 14.0
    assert not asyncio.run(b.try_acquire_or_renew())
    clock.now += 1.0  # 15 s without a change, on b's clock
    assert asyncio.run(b.try_acquire_or_renew())
    assert api.lease["spec"]["holderIdentity"] == "b"
    assert api.lease["spec"]["leaseTransitions"] == 1


def test_a_renewing_leader_keeps_the_lease_from_a_waiting_candidate() -> None:
    api, clock = LeaseApi(), Clock()
    a, b = elector(api, "a", clock), elector(api, "b", clock)
    asyncio.run(a.try_acquire_or_renew())
    for _ in range(10):
        assert not asyncio.run(b.try_acquire_or_renew())
        clock.now += 2.0
        assert asyncio.run(a.try_acquire_or_renew())  # a new renewTime: b sees a change
    assert api.lease["spec"]["holderIdentity"] == "a"


def test_a_candidate_that_lost_the_race_to_write_does_not_lead() -> None:
    api, clock = LeaseApi(), Clock()
    a = elector(api, "a", clock)
    asyncio.run(a.try_acquire_or_renew())
    stale = copy.deepcopy(api.lease)
    asyncio.run(a.try_acquire_or_renew())  # a renews: the resourceVersion moves on

    async def written_with_the_stale_version():
        return await elector(api, "b", clock)._write(stale, LeaseRecord("b", 15))

    with pytest.raises(KubeError, match="modified"):
        asyncio.run(written_with_the_stale_version())
    assert api.lease["spec"]["holderIdentity"] == "a"


def test_a_released_lease_is_taken_by_the_next_attempt() -> None:
    api, clock = LeaseApi(), Clock()
    a, b = elector(api, "a", clock), elector(api, "b", clock)
    asyncio.run(a.try_acquire_or_renew())
    assert not asyncio.run(b.try_acquire_or_renew())
    asyncio.run(a.release())
    assert not a.leading and api.lease["spec"]["holderIdentity"] == ""
    assert asyncio.run(b.try_acquire_or_renew())


def test_a_leader_that_sees_another_holder_stops_leading_at_once() -> None:
    api, clock = LeaseApi(), Clock()
    a = elector(api, "a", clock)
    asyncio.run(a.try_acquire_or_renew())
    api.lease["spec"]["holderIdentity"] = "b"
    assert not asyncio.run(a.try_acquire_or_renew())
    assert not a.leading


def test_the_renew_deadline_counts_from_when_a_slow_renewal_was_sent() -> None:
    api, clock = LeaseApi(), Clock()
    a = elector(api, "a", clock)
    asyncio.run(a.try_acquire_or_renew())
    answer = api.get

    async def slow_get(*args):
        clock.now += 8.0  # the API server takes 8 s to answer
        return await answer(*args)

    api.get = slow_get
    sent = clock.now
    assert asyncio.run(a.try_acquire_or_renew())
    # A standby first saw the write no earlier than it was sent: the leader's 10 s count from
    # there, so it stops before the standby's 15 s have passed.
    assert a.renewed_at == sent
