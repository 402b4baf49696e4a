"""One active replica: a `coordination.k8s.io/v1` Lease, kept the way client-go's
leaderelection keeps one.

A candidate reads the Lease every retry period. It may take it when nobody holds it, when the
holder released it (empty holderIdentity), or when the record has not changed for the
holder's leaseDurationSeconds as measured on the candidate's own clock since it last saw it
change (clocks of different nodes are never compared). Every write carries the
resourceVersion that was read, so of two candidates only one wins. The leader renews every
retry period; when it has not renewed for the renew deadline it stops acting, which is before
anyone else may take over (lease duration > renew deadline). On shutdown the leader releases
the Lease, so a successor takes over at its next retry instead of waiting out the lease.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from osprey.kube import Kube, KubeError, Resource

log = logging.getLogger(__name__)

LEASE = Resource("coordination.k8s.io/v1", "Lease", "leases")
JITTER = 1.2  # client-go's JitterFactor: a retry waits retry_period * [1, 1.2)


class LeaseTimingError(ValueError):
    pass


@dataclass(frozen=True)
class LeaseTiming:
    """client-go's defaults for a controller: 15 s lease, 10 s renew deadline, 2 s retry."""

    lease_duration: float = 15.0
    renew_deadline: float = 10.0
    retry_period: float = 2.0

    def __post_init__(self) -> None:
        # The leader must give up before a candidate may take over, and must get a retry in
        # before it gives up (client-go refuses the same combinations).
        if self.lease_duration <= self.renew_deadline:
            raise LeaseTimingError(
                f"lease duration ({self.lease_duration:g}s) must be greater than the renew "
                f"deadline ({self.renew_deadline:g}s)")
        if self.renew_deadline <= JITTER * self.retry_period:
            raise LeaseTimingError(
                f"renew deadline ({self.renew_deadline:g}s) must be greater than "
                f"{JITTER:g} x the retry period ({self.retry_period:g}s)")
        if self.retry_period <= 0:
            raise LeaseTimingError(f"retry period must be positive, got {self.retry_period:g}s")


@dataclass(frozen=True)
class LeaseConfig:
    """Where the Lease lives and who we are (the pod's name in a cluster)."""

    namespace: str
    identity: str
    name: str = "osprey"
    timing: LeaseTiming = LeaseTiming()


@dataclass(frozen=True)
class LeaseRecord:
    """The spec of a Lease: who holds it, for how long, since when."""

    holder: str  # "" once released
    duration_seconds: int
    acquired: str | None = None  # RFC 3339 with microseconds (metav1.MicroTime)
    renewed: str | None = None
    transitions: int = 0

    @classmethod
    def of(cls, lease: dict[str, Any]) -> LeaseRecord:
        spec = lease.get("spec") or {}
        return cls(
            holder=spec.get("holderIdentity") or "",
            duration_seconds=int(spec.get("leaseDurationSeconds") or 0),
            acquired=spec.get("acquireTime"),
            renewed=spec.get("renewTime"),
            transitions=int(spec.get("leaseTransitions") or 0),
        )

    def spec(self) -> dict[str, Any]:
        spec: dict[str, Any] = {
            "holderIdentity": self.holder,
            "leaseDurationSeconds": self.duration_seconds,
            "leaseTransitions": self.transitions,
        }
        if self.acquired:
            spec["acquireTime"] = self.acquired
        if self.renewed:
            spec["renewTime"] = self.renewed
        return spec


def micro_time(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def claim(
    current: LeaseRecord | None,
    *,
    identity: str,
    duration_seconds: int,
    observed_at: float,
    now: float,
    wall: str,
) -> LeaseRecord | None:
    """The record that acquires or renews the Lease for `identity`, or None while another
    holder's lease still runs. `observed_at` is when (on our monotonic clock) `current` was
    first seen as it is; `now` the same clock now; `wall` the time to write."""
    if current is None:
        return LeaseRecord(identity, duration_seconds, wall, wall, 0)
    held_by_another = current.holder and current.holder != identity
    if held_by_another and observed_at + current.duration_seconds > now:
        return None
    if current.holder == identity:
        return replace(current, duration_seconds=duration_seconds, renewed=wall)
    return LeaseRecord(identity, duration_seconds, wall, wall, current.transitions + 1)


def released(current: LeaseRecord, wall: str) -> LeaseRecord:
    """What a leader writes on its way out: nobody holds it, a successor need not wait."""
    return LeaseRecord("", 1, wall, wall, current.transitions)


def renewal_overdue(last_renewed: float, now: float, timing: LeaseTiming) -> bool:
    """The leader has not renewed for the renew deadline: it must stop acting now."""
    return now - last_renewed >= timing.renew_deadline


class LeadershipLost(Exception):
    """The Lease could not be renewed in time; another replica may lead now."""


class LeaderElector:
    """Acquire, renew and release one Lease for one identity."""

    def __init__(
        self,
        kube: Kube,
        namespace: str,
        name: str,
        identity: str,
        timing: LeaseTiming = LeaseTiming(),
        *,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], datetime] = lambda: datetime.now(UTC),
    ):
        self.kube = kube
        self.namespace = namespace
        self.name = name
        self.identity = identity
        self.timing = timing
        self._clock = clock
        self._wall = wall
        self._observed: LeaseRecord | None = None
        self._observed_at = 0.0
        self.leading = False
        self.renewed_at = 0.0  # our clock, when the last successful write was started
        self._attempt_at = 0.0

    @property
    def where(self) -> str:
        return f"Lease {self.namespace}/{self.name}"

    async def try_acquire_or_renew(self) -> bool:
        """One attempt; True when we hold the Lease after it."""
        # A write lands after the attempt starts, so a standby's clock for it starts later
        # too: counting the renew deadline from here keeps the leader's end before it.
        self._attempt_at = self._clock()
        try:
            lease = await self.kube.get(LEASE, self.namespace, self.name)
            if lease is None:
                return await self._create()
            record = LeaseRecord.of(lease)
            if record != self._observed:
                self._observed, self._observed_at = record, self._clock()
            if self.leading and record.holder != self.identity:
                self.leading = False  # taken over: we must stop at once
                log.error("%s: now held by %r", self.where, record.holder)
                return False
            wanted = claim(record, identity=self.identity,
                           duration_seconds=int(self.timing.lease_duration),
                           observed_at=self._observed_at, now=self._clock(),
                           wall=micro_time(self._wall()))
            if wanted is None:
                return False
            return await self._write(lease, wanted)
        except KubeError as exc:
            if exc.status != 409:  # 409: another candidate wrote first
                log.warning("%s: %s", self.where, exc.describe())
            return False

    async def _create(self) -> bool:
        wall = micro_time(self._wall())
        record = claim(None, identity=self.identity,
                       duration_seconds=int(self.timing.lease_duration),
                       observed_at=0.0, now=0.0, wall=wall)
        created = await self.kube.create(LEASE, self.namespace, {
            "apiVersion": LEASE.api_version, "kind": LEASE.kind,
            "metadata": {"name": self.name, "namespace": self.namespace},
            "spec": record.spec(),
        })
        self._took(record, created)
        return True

    async def _write(self, lease: dict[str, Any], record: LeaseRecord) -> bool:
        # The resourceVersion read: a candidate that wrote in between makes this a 409.
        body = {"apiVersion": LEASE.api_version, "kind": LEASE.kind,
                "metadata": lease["metadata"], "spec": record.spec()}
        written = await self.kube.replace(LEASE, self.namespace, self.name, body)
        self._took(record, written)
        return True

    def _took(self, record: LeaseRecord, lease: dict[str, Any]) -> None:
        if not self.leading:
            log.info("%s acquired by %s (transition %d)", self.where, self.identity,
                     record.transitions)
        self.leading = True
        self._observed, self._observed_at = record, self._clock()
        self.renewed_at = self._attempt_at

    def _retry_seconds(self) -> float:
        return self.timing.retry_period * random.uniform(1.0, JITTER)

    async def acquire(self, stop: asyncio.Event, on_standby: Callable[[], None] = lambda: None,
                      ) -> bool:
        """Try every retry period until we lead (True) or `stop` is set (False)."""
        while not stop.is_set():
            if await self.try_acquire_or_renew():
                return True
            on_standby()
            if await _wait(stop, self._retry_seconds()):
                return False
        return False

    async def hold(self, stop: asyncio.Event) -> None:
        """Renew every retry period until `stop` is set; raise LeadershipLost when no renewal
        succeeded for the renew deadline."""
        while not await _wait(stop, self.timing.retry_period):
            # A stalled request must not outlast the deadline (client-go bounds it the same).
            left = self.renewed_at + self.timing.renew_deadline - self._clock()
            started = self._clock()
            try:
                if await asyncio.wait_for(self.try_acquire_or_renew(), timeout=max(left, 0.1)):
                    continue
            except TimeoutError:
                pass
            log.warning("%s: renewal failed after %.1fs, %.1fs left to renew", self.where,
                        self._clock() - started, left - (self._clock() - started))
            if not self.leading or renewal_overdue(self.renewed_at, self._clock(), self.timing):
                self.leading = False
                raise LeadershipLost(f"{self.where}: not renewed for "
                                     f"{self.timing.renew_deadline:g}s, or taken over")

    async def release(self) -> None:
        """Give the Lease up, if we still hold it, so a successor takes over at once."""
        if not self.leading:
            return
        self.leading = False
        try:
            lease = await self.kube.get(LEASE, self.namespace, self.name)
            if lease is None or LeaseRecord.of(lease).holder != self.identity:
                return
            record = released(LeaseRecord.of(lease), micro_time(self._wall()))
            await self.kube.replace(LEASE, self.namespace, self.name, {
                "apiVersion": LEASE.api_version, "kind": LEASE.kind,
                "metadata": lease["metadata"], "spec": record.spec(),
            })
            log.info("%s released by %s", self.where, self.identity)
        except KubeError as exc:  # the successor waits out the lease instead
            log.warning("%s: could not release: %s", self.where, exc.describe())


async def _wait(stop: asyncio.Event, seconds: float) -> bool:
    """Sleep `seconds` unless `stop` is set first; True when it was."""
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        return False
    return True


class LeaseThread:
    """Renews the Lease from a thread with an event loop of its own, as client-go renews from
    a goroutine of its own: an operator loop busy with hundreds of passes and watch events
    must not make the leader miss its renew deadline while it is alive and acting."""

    def __init__(self, elector: LeaderElector):
        self.elector = elector
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._started = threading.Event()
        self._outcome: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._thread = threading.Thread(target=self._main, name="osprey-lease", daemon=True)

    def _main(self) -> None:
        async def renew() -> None:
            self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
            self._started.set()
            await self.elector.hold(self._stop)

        try:
            asyncio.run(renew())
        except BaseException as exc:  # noqa: BLE001 - handed to the operator's loop
            self._outcome.set_exception(exc)
        else:
            self._outcome.set_result(None)

    async def hold(self, stop: asyncio.Event) -> None:
        """Until `stop` is set; raises LeadershipLost when the thread could not renew."""
        self._thread.start()
        await asyncio.to_thread(self._started.wait)
        outcome = asyncio.wrap_future(self._outcome)
        stopping = asyncio.ensure_future(stop.wait())
        try:
            await asyncio.wait({outcome, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
            if not outcome.done():
                self._loop.call_soon_threadsafe(self._stop.set)
        await outcome
