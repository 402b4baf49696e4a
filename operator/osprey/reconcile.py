"""One control plane's loop: idempotent passes, one at a time, helm operations in the background.

A pass looks at the spec and the cluster and moves the cluster one step closer: validate ->
observe -> hold the namespace -> credentials -> plan -> which releases are ours -> decide ->
start what is ready to go -> write status once. Helm operations run as tasks, bounded
process-wide, so a long install of one release never holds back the next pass; each finished
operation wakes the loop. Wake-ups that arrive during a pass coalesce into one more pass.

A pass that fails sets Ready=False (ReconcileError) with a one-line message, posts one Event
per distinct error and is retried after a back-off, which only a new generation (or a
deletion) cuts short.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from osprey import catalog, heal
from osprey.actions import Action, Constraints, Kind, decide, pending_recovery_at
from osprey.api import SpecError
from osprey.api.conditions import get_condition, rfc3339
from osprey.api.status import ControlPlaneStatus, NodePoolSizes
from osprey.autoscaling import (
    CONTROL_PLANE_LABEL,
    autoscaled,
    hpa_manifest,
    hpa_name,
    ignored_fields,
)
from osprey.backoff import PassFailures
from osprey.catalog.values.exposure import public_urls
from osprey.claims import claim_conflicts
from osprey.custody import Custody
from osprey.drift import Drift, release_drift
from osprey.halts import HALTING, Halt, halt_reason
from osprey.health import ReleaseHealth, release_health
from osprey.kube import KubeError, resource
from osprey.narrowing import STAMP, Stamping
from osprey.observe import (
    ChangedBodiesObserver,
    HelmRecords,
    ListingObserver,
    Observer,
    pods_of,
)
from osprey.operations import ReleaseOperations
from osprey.ownership import owner_value
from osprey.plan import Plan, PlanMemo
from osprey.prerequisites import prerequisite_conditions
from osprey.releases import OWNER_LABEL, DeployedRelease
from osprey.rollup import Observation, failed_pass_status, halted_status, rollup
from osprey.rotation.driver import Rotations
from osprey.status_record import StatusRecord
from osprey.teardown import teardown
from osprey.upgrade.driver import Upgrades
from osprey.valuesfrom import read_sources, resolve, sources
from osprey.waiting import explained, unready_workloads
from osprey.watchcache import CachedObserver

if TYPE_CHECKING:
    from osprey.runtime import Runtime

log = logging.getLogger(__name__)

MANAGED_RELEASES = frozenset(entry.name for entry in catalog.CATALOG)


def now_rfc3339() -> str:
    return rfc3339(datetime.now(UTC))


def describe_failure(exc: BaseException) -> str:
    """One line for status and Events: what failed, never a traceback."""
    if isinstance(exc, KubeError):
        text = exc.describe()
    else:
        text = f"{type(exc).__name__}: {exc}".strip()
    line = text.splitlines()[0] if text else type(exc).__name__
    return line if len(line) <= 1000 else line[:997] + "..."


class ControlPlane:
    """The reconcile loop of one OpenStackControlPlane and what it remembers between passes."""

    def __init__(self, runtime: Runtime, namespace: str, name: str):
        self.runtime = runtime
        self.namespace = namespace
        self.name = name
        self._wake = asyncio.Event()
        self._urgent = False  # the wake-up is a new generation or a deletion
        self.operations = ReleaseOperations(runtime, namespace, on_finished=self.wake,
                                            labels={OWNER_LABEL: owner_value(name), **STAMP})
        settings = runtime.settings
        self.failures = PassFailures(settings.retry_base_seconds, settings.retry_max_seconds)
        self.custody = Custody(runtime, namespace, name)
        self.stamping = Stamping(runtime.kube, namespace)
        self.upgrades = Upgrades(runtime, namespace)
        self.rotations = Rotations(runtime, namespace, name)
        self._settled: dict[tuple[str, str], str] = {}  # objects repaired, at their new version
        # Objects drift found as rendered (see release_drift); None compares all, every pass.
        self.drift_memo: dict[tuple[str, str], tuple] | None = {}
        self._hpas: dict[str, dict[str, Any]] | None = None  # HPAs applied, by name
        self._helm_records = HelmRecords(runtime.kube, namespace)
        # The status this loop last wrote: Kopf's body may not show it yet, and comparing with
        # an older one would report a flip twice.
        # Where passes look: the watch cache; lists (Secret and ConfigMap bodies read once
        # per change) without it, or while it is not synced.
        listing = ChangedBodiesObserver(runtime.kube)
        self.observer: Observer = (listing if runtime.watch_cache is None
                                   else CachedObserver(runtime.watch_cache, listing))
        self._generation_seen: int | None = None
        self.plans = PlanMemo()  # the last plan, made again only when its inputs change
        self._wake_hint: float | None = None  # sooner next pass: a pending release to take over
        # Generated passwords and values taken from Secrets: never in status, Events, logs.
        self.secrets: frozenset[str] = frozenset()
        self.status = StatusRecord(runtime.kube, namespace, name, lambda: self.secrets)
        self.in_pass = False
        self.passes = 0

    # --- wake-ups -----------------------------------------------------------------------

    @property
    def wake_pending(self) -> bool:
        return self._wake.is_set()

    def wake(self) -> None:
        self._wake.set()

    def notice(self, body: Mapping[str, Any]) -> None:
        """The resource changed: wake for a new generation or a deletion, not for our own
        status writes."""
        meta = body.get("metadata", {})
        if meta.get("generation") != self._generation_seen or meta.get("deletionTimestamp"):
            self._urgent = True
            self.wake()

    async def run(
        self, body: Mapping[str, Any], stopped: Any, observer: Observer | None = None
    ) -> None:
        """Pass after pass until Kopf stops the daemon; `body` is Kopf's live view."""
        if observer is not None:
            self.observer = observer
        self.wake()
        while not stopped:
            self._wake.clear()
            self._urgent = False
            self.in_pass = True
            started = time.monotonic()
            try:
                await self.reconcile(body)
            finally:
                self.in_pass = False
                self.runtime.report_loops()
            await self._sleep(stopped)
            await self._pace(started)
        await self.operations.cancel()

    async def _pace(self, started: float) -> None:
        """Hold the next pass until `pass_interval_seconds` after this one started, so that
        the events of a burst gather into it (unless urgent)."""
        held = started + self.runtime.settings.pass_interval_seconds - time.monotonic()
        if held > 0 and not self._urgent:
            await asyncio.sleep(held)

    def _sleep_seconds(self) -> float:
        backing_off = self.failures.retry_in()
        if backing_off is not None:  # a failing pass: nothing else is owed before its retry
            return backing_off
        timeout = self.runtime.settings.resync_seconds
        for sooner in (self.operations.next_retry_in(), self._wake_hint):
            if sooner is not None:
                timeout = min(timeout, sooner)
        return timeout

    async def _sleep(self, stopped: Any) -> None:
        """Until a wake-up or the next pass owed. While a failing pass backs off, only a new
        generation or a deletion cuts the wait short; other wake-ups join the retry."""
        deadline = time.monotonic() + self._sleep_seconds()
        while (remaining := deadline - time.monotonic()) > 0:
            waiters = [asyncio.ensure_future(self._wake.wait())]
            if hasattr(stopped, "wait"):
                waiters.append(asyncio.ensure_future(stopped.wait()))
            try:
                await asyncio.wait(waiters, timeout=remaining, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for waiter in waiters:
                    waiter.cancel()
            if stopped or not self._wake.is_set():
                return
            if self.failures.retry_in() is None or self._urgent:
                return
            self._wake.clear()

    # --- one pass -----------------------------------------------------------------------

    async def reconcile(self, body: Mapping[str, Any]) -> str:
        """One idempotent pass; returns its result (ok, invalid, refused, paused, error)."""
        with self.runtime.metrics.reconcile_timer() as outcome:
            try:
                outcome.result = await self._pass(body)
            except Exception as exc:  # noqa: BLE001 - the loop must survive anything a pass meets
                outcome.result = "error"
                await self._pass_failed(body, exc)
            else:
                self.failures.succeeded()
            return outcome.result

    async def _pass(self, body: Mapping[str, Any]) -> str:
        self.passes += 1
        meta = body["metadata"]
        generation = int(meta.get("generation") or 1)
        if meta.get("generation") != self._generation_seen:  # a spec fix is tried at once
            self.operations.retry_now()
            self.failures.retry_now()
        self._generation_seen = meta.get("generation")
        previous = self.status.previous(body)
        try:
            return await self._converge(body, previous, generation)
        except Halt as halt:
            return await self._halt(body, previous, generation, halt.reason, halt.message,
                                    halt.pools)
        except HALTING as exc:
            return await self._halt(body, previous, generation, halt_reason(exc), str(exc))

    async def _converge(
        self, body: Mapping[str, Any], previous: ControlPlaneStatus, generation: int
    ) -> str:
        """The pass proper: raises `Halt` (or one of `HALTING`) to stop before any change."""
        spec = self.runtime.specs.of(body, name=self.name)
        policy = self.runtime.settings.policy
        if violations := policy.violations(spec):
            raise SpecError(violations)
        observed_at = time.monotonic()
        await self.stamping.ensure()  # Secrets and ConfigMaps are listed by the watch label
        deployed, live = await self._observe()
        self.stamping.observed(deployed)
        holder = await self.custody.holder(body, deployed)
        if holder is not None:
            raise Halt("NamespaceTaken", (
                f"namespace {self.namespace} belongs to control plane {holder}: one control "
                "plane per namespace (release names are the chart names); this one changes "
                "nothing - delete it, or create it in a namespace of its own"))
        pool_overlap, pools = await self.custody.node_pools(body, spec)
        if pool_overlap is not None:
            raise Halt("NodePoolsOverlap", pool_overlap.message(), pools)
        charts = [e.name for e in catalog.enabled_entries(spec)]
        data = await read_sources(self.runtime.kube, self.namespace, sources(spec, charts))
        resolved = resolve(spec, charts, data)
        if violations := policy.violations(spec, resolved):
            raise SpecError(violations)
        credentials, since = await self.custody.credentials(body, spec, live, deployed)
        self.secrets = resolved.secret_strings | frozenset(credentials.values())
        desired = self.plans.plan(spec, self.namespace, credentials, resolved.charts)
        releases = await self.custody.releases(body, spec, desired, deployed, credentials,
                                               since)
        ours = releases.ours

        health = {n: release_health(d, live) for n, d in ours.items()}
        waiting = unready_workloads(health, live)  # why they wait, from their pods
        cache = self.runtime.watch_cache
        health = explained(health, waiting, await pods_of(
            self.runtime.kube, self.namespace, waiting,
            cache.pods(self.namespace) if cache is not None and waiting else None))
        # A rotation may have put new passwords into the credentials Secret.
        rotation = await self.rotations.advance(body, spec, previous, credentials, ours,
                                                health, now_rfc3339())
        self.secrets |= rotation.staged | frozenset(rotation.credentials.values())
        if rotation.credentials != credentials:
            credentials = rotation.credentials
            desired = self.plans.plan(spec, self.namespace, credentials, resolved.charts)
        # While an upgrade runs, the plan of its current step.
        staged = await self.upgrades.stage(
            body, spec, desired, credentials, previous, ours, health,
            frozenset(self.operations.running), dict(self.operations.errors), now_rfc3339(),
            resolved.charts)
        desired = staged.plan
        ignore = ignored_fields(desired.releases)
        drift = {
            n: release_drift(d, live, ignore=ignore, settled=self._settled,
                             clean=self.drift_memo)
            for n, d in ours.items()
            if n in desired and n not in self.operations.running
        }
        if self.drift_memo is not None:
            self.drift_memo = {key: at for key, at in self.drift_memo.items() if key in live}
        constraints = Constraints(
            foreign=releases.foreign,
            conflicts=claim_conflicts(spec, live),
            busy=frozenset(self.operations.running),
            now=datetime.now(UTC),
            pending_timeout=self.runtime.settings.pending_timeout_seconds,
        )
        actions = decide(desired, deployed, health, managed=MANAGED_RELEASES, drift=drift,
                         constraints=constraints)
        self._wake_hint = _sooner(_pending_wake_up(ours.values(), constraints), rotation.wake_in)
        if not spec.paused:
            await self._act(body, desired, actions, ours, health, drift, observed_at)
            await self._autoscale(desired)
        self.operations.settle(desired, ours, health)
        observation = Observation(
            generation=generation,
            plan=desired,
            actions={a.release: a for a in actions},
            deployed=ours,
            health=health,
            running={n: kind for n, (kind, _) in self.operations.running.items()},
            errors=dict(self.operations.errors),
            paused=spec.paused,
        )
        status = rotation.report(staged.report(rollup(observation, previous, now_rfc3339())))
        status = status.model_copy(update={"nodePools": pools, "endpoints": public_urls(spec)})
        status, warning = await prerequisite_conditions(
            self.runtime.kube, self.namespace, spec, desired, ours, previous, status,
            generation, now_rfc3339())
        if warning is not None:
            self.runtime.events(body, "Warning", *warning)
        self._report(body, previous, status)
        await self.status.write(body, previous, status)
        return "paused" if spec.paused else "ok"

    async def _halt(
        self,
        body: Mapping[str, Any],
        previous: ControlPlaneStatus,
        generation: int,
        reason: str,
        message: str,
        pools: NodePoolSizes | None = None,
    ) -> str:
        """Stop before changing anything; say why in Ready (one Event when it changes)."""
        status = halted_status(previous, generation, reason, message, now_rfc3339())
        if pools is not None:
            status = status.model_copy(update={"nodePools": pools})
        if _ready(previous)[1:] != (reason, message):
            self.runtime.events(body, "Warning", reason, message)
        self.runtime.metrics.set_controlplane_ready(self.namespace, self.name, False)
        await self.status.write(body, previous, status)
        return "invalid" if reason == "InvalidSpec" else "refused"

    async def _pass_failed(self, body: Mapping[str, Any], exc: Exception) -> None:
        message = describe_failure(exc)
        log.warning("reconcile pass of %s/%s failed (retry %d): %s", self.namespace, self.name,
                    self.failures.count + 1, message)
        log.debug("reconcile pass of %s/%s failed", self.namespace, self.name, exc_info=exc)
        if self.failures.failed(message):
            self.runtime.events(body, "Warning", "ReconcileError", message)
        self.runtime.metrics.set_controlplane_ready(self.namespace, self.name, False)
        previous = self.status.previous(body)
        generation = int(body["metadata"].get("generation") or 1)
        status = failed_pass_status(previous, generation, message, now_rfc3339())
        try:
            await self.status.write(body, previous, status)
        except Exception as write_error:  # noqa: BLE001 - the API server may be what failed
            log.warning("could not report the failure in %s/%s's status: %s", self.namespace,
                        self.name, describe_failure(write_error))

    async def _observe(
        self, observer: Observer | None = None
    ) -> tuple[dict[str, DeployedRelease], dict[tuple[str, str], Mapping[str, Any]]]:
        """Helm's record of every release, and the live objects releases may own."""
        storage, live = await (observer or self.observer).observe(self.namespace)
        await self.operations.refresh(storage)
        return await self._helm_records.latest(self.operations.fresh.merge(storage)), live

    # --- acting -------------------------------------------------------------------------

    async def _act(
        self,
        body: Mapping[str, Any],
        desired: Plan,
        actions: list[Action],
        deployed: Mapping[str, DeployedRelease],
        health: Mapping[str, ReleaseHealth],
        drift: Mapping[str, tuple[Drift, ...]],
        observed_at: float,
    ) -> None:
        for action in actions:
            name = action.release
            waiting = action.kind in (Kind.wait, Kind.blocked)
            if waiting or not self.operations.may_act(name, observed_at):
                continue
            if action.kind is Kind.restore:
                await self._restore(body, deployed[name], health[name], drift.get(name, ()))
            else:
                self.operations.start(body, action, desired, deployed.get(name))

    async def _restore(
        self,
        body: Mapping[str, Any],
        release: DeployedRelease,
        health: ReleaseHealth,
        drift: tuple[Drift, ...],
    ) -> None:
        try:
            repairs, settled = await heal.restore(self.runtime.kube, release, health, drift,
                                                  self._settled)
        except KubeError as exc:
            self.operations.failed(release.name, f"restoring {release.name}: {exc.message}")
            return
        self._settled.update(settled)
        if not repairs:  # all as rendered already: what the pass saw was older
            return
        self.operations.attempted(release.name)
        for repair in repairs:
            self.runtime.metrics.heal(repair.reason)
            self.runtime.events(body, "Normal", "Healed", f"{release.name}: restored {repair.ref}")

    async def _autoscale(self, desired: Plan) -> None:
        """Apply the HPA of every autoscaled API when it changed; delete the ones no longer
        wanted. What was applied is remembered, so a no-op pass makes no request."""
        wanted = {hpa_name(r): hpa_manifest(r, self.name) for r in autoscaled(desired.releases)}
        kube, hpa = self.runtime.kube, resource("HorizontalPodAutoscaler")
        if self._hpas is None:  # first pass of this process: learn what an earlier one left
            existing = await kube.list(hpa, self.namespace,
                                       labels=f"{CONTROL_PLANE_LABEL}={self.name}")
            self._hpas = {o["metadata"]["name"]: {} for o in existing}
        for name, manifest in wanted.items():
            if self._hpas.get(name) != manifest:
                await kube.apply(manifest, self.namespace)
                self._hpas[name] = manifest
        for name in set(self._hpas) - set(wanted):
            await kube.delete(hpa, self.namespace, name)
            del self._hpas[name]

    # --- status -------------------------------------------------------------------------

    def _report(
        self, body: Mapping[str, Any], previous: ControlPlaneStatus, status: ControlPlaneStatus
    ) -> None:
        metrics = self.runtime.metrics
        for name, svc in status.services.items():
            metrics.set_release_ready(self.namespace, self.name, name, svc.phase.value == "Ready")
        for name in set(previous.services) - set(status.services):
            metrics.forget_release(self.namespace, self.name, name)
        now_ready, reason, message = _ready(status)
        metrics.set_controlplane_ready(self.namespace, self.name, now_ready == "True")
        was_ready = _ready(previous)[0]
        if was_ready != now_ready:
            log.info("%s/%s Ready is %s: %s", self.namespace, self.name, now_ready, message)
        # A new control plane is not ready yet: that is no warning.
        if was_ready != now_ready and (was_ready, now_ready) != ("Unknown", "False"):
            self.runtime.events(body, "Normal" if now_ready == "True" else "Warning", reason,
                                f"Ready is {now_ready}: {message}")

    # --- deletion -----------------------------------------------------------------------

    async def finalize(self, body: Mapping[str, Any]) -> None:
        """Uninstall this control plane's releases in reverse dependency order, honouring
        deletionPolicy; releases of anyone else stay."""
        await self.operations.cancel()
        # Deletion must see the latest state: straight from the API server, not a cache.
        deployed, live = await self._observe(ListingObserver(self.runtime.kube))
        ours = await self.custody.releases_to_remove(body, deployed, live)
        await teardown(self.runtime, self.namespace, self.name, body.get("spec") or {}, ours,
                       body)


def _pending_wake_up(releases, constraints: Constraints) -> float | None:
    """Seconds until the first pending release waiting on another helm may be taken over."""
    now = constraints.now
    times = [pending_recovery_at(r, constraints) for r in releases
             if r.pending and r.name not in constraints.busy]
    ahead = [(t - now).total_seconds() for t in times if t is not None and now and t > now]
    return min(ahead) + 1.0 if ahead else None


def _sooner(*seconds: float | None) -> float | None:
    known = [s for s in seconds if s is not None]
    return min(known) if known else None


def _ready(status: ControlPlaneStatus) -> tuple[str, str, str]:
    """(status, reason, message) of the Ready condition."""
    cond = get_condition(status.conditions, "Ready")
    return (cond.status.value, cond.reason, cond.message) if cond else ("Unknown", "", "")
