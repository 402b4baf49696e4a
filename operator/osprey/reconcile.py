"""One control plane's loop: idempotent passes, one at a time, helm operations in the background.

A pass looks at the spec and the cluster and moves the cluster one step closer: validate ->
credentials -> plan -> observe -> decide -> start what is ready to go -> write status once.
Helm operations run as tasks, bounded process-wide, so a long install of one release never
holds back the next pass; each finished operation wakes the loop. Wake-ups that arrive during
a pass coalesce into one more pass.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from osprey import catalog, heal
from osprey.actions import Action, Kind, decide
from osprey.api import SpecError, validate_spec
from osprey.api.conditions import get_condition, rfc3339
from osprey.api.status import ControlPlaneStatus
from osprey.autoscaling import (
    CONTROL_PLANE_LABEL,
    autoscaled,
    hpa_manifest,
    hpa_name,
    ignored_fields,
)
from osprey.drift import Drift, release_drift
from osprey.health import ReleaseHealth, release_health
from osprey.kube import KubeError, resource
from osprey.observe import ListingObserver, Observer
from osprey.operations import ReleaseOperations
from osprey.plan import Plan, PlanError, plan
from osprey.releases import DeployedRelease, ReleaseDecoder
from osprey.rollup import Observation, invalid_spec_status, rollup
from osprey.secrets import ensure_credentials
from osprey.teardown import teardown

if TYPE_CHECKING:
    from osprey.runtime import Runtime

log = logging.getLogger(__name__)

CONTROL_PLANE = resource("OpenStackControlPlane")
MANAGED_RELEASES = frozenset(entry.name for entry in catalog.CATALOG)


def now_rfc3339() -> str:
    return rfc3339(datetime.now(UTC))


def parse_status(raw: Mapping[str, Any] | None) -> ControlPlaneStatus:
    """Our part of the status (Kopf keeps its own under status.kopf); tolerant of old shapes."""
    ours = {k: v for k, v in (raw or {}).items() if k != "kopf"}
    try:
        return ControlPlaneStatus.model_validate(ours)
    except ValueError:
        return ControlPlaneStatus()


class ControlPlane:
    """The reconcile loop of one OpenStackControlPlane and what it remembers between passes."""

    def __init__(self, runtime: Runtime, namespace: str, name: str):
        self.runtime = runtime
        self.namespace = namespace
        self.name = name
        self._wake = asyncio.Event()
        self.operations = ReleaseOperations(runtime, namespace, on_finished=self.wake)
        self._credentials: dict[str, str] | None = None
        self._settled: dict[tuple[str, str], str] = {}  # objects repaired, at their new version
        self._hpas: dict[str, dict[str, Any]] | None = None  # HPAs applied, by name
        self._decoder = ReleaseDecoder()
        # Where passes look; Kopf's indexes when the daemon hands them over (see run()).
        self.observer: Observer = ListingObserver(runtime.kube)
        self._generation_seen: int | None = None
        self._wake_hint: float | None = None  # sooner next pass, after a pass that failed
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
            self.in_pass = True
            try:
                await self.reconcile(body)
            except Exception:  # the loop must survive anything one pass meets
                log.exception("reconcile pass of %s/%s failed", self.namespace, self.name)
                self._wake_hint = self.runtime.settings.retry_base_seconds
            finally:
                self.in_pass = False
                self.runtime.report_loops()
            await self._sleep(stopped)
        await self.operations.cancel()

    async def _sleep(self, stopped: Any) -> None:
        timeout = self.runtime.settings.resync_seconds
        retry = self.operations.next_retry_in()
        if retry is not None:
            timeout = min(timeout, retry)
        if self._wake_hint is not None:
            timeout = min(timeout, self._wake_hint)
            self._wake_hint = None
        waiters = [asyncio.ensure_future(self._wake.wait())]
        if hasattr(stopped, "wait"):
            waiters.append(asyncio.ensure_future(stopped.wait()))
        try:
            await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()

    # --- one pass -----------------------------------------------------------------------

    async def reconcile(self, body: Mapping[str, Any]) -> str:
        """One idempotent pass; returns its result (ok, invalid, paused, error)."""
        with self.runtime.metrics.reconcile_timer() as outcome:
            outcome.result = await self._pass(body)
            return outcome.result

    async def _pass(self, body: Mapping[str, Any]) -> str:
        self.passes += 1
        meta = body["metadata"]
        generation = int(meta.get("generation") or 1)
        self._generation_seen = meta.get("generation")
        previous = parse_status(body.get("status"))
        try:
            spec = validate_spec(dict(body.get("spec") or {}))
            credentials = await self._ensure_credentials(catalog.credential_keys(spec))
            desired = plan(spec, self.namespace, credentials)
        except (SpecError, PlanError) as exc:
            message = str(exc)
            status = invalid_spec_status(previous, generation, message, now_rfc3339())
            if _ready(previous)[1] != "InvalidSpec":
                self.runtime.events(body, "Warning", "InvalidSpec", message)
            self.runtime.metrics.set_controlplane_ready(self.namespace, self.name, False)
            await self._write_status(body, previous, status)
            return "invalid"
        observed_at = time.monotonic()
        deployed, live = await self._observe()
        health = {n: release_health(d, live) for n, d in deployed.items()}
        ignore = ignored_fields(desired.releases)
        drift = {
            n: release_drift(d, live, ignore=ignore, settled=self._settled)
            for n, d in deployed.items()
            if n in desired and n not in self.operations.running
        }
        actions = decide(desired, deployed, health, managed=MANAGED_RELEASES, drift=drift)
        if not spec.paused:
            await self._act(body, desired, actions, deployed, health, drift, observed_at)
            await self._autoscale(desired)
        self.operations.settle(desired, deployed, health)
        observation = Observation(
            generation=generation,
            plan=desired,
            actions={a.release: a for a in actions},
            deployed=deployed,
            health=health,
            running={n: kind for n, (kind, _) in self.operations.running.items()},
            errors=dict(self.operations.errors),
            paused=spec.paused,
        )
        status = rollup(observation, previous, now_rfc3339())
        self._report(body, previous, status)
        await self._write_status(body, previous, status)
        return "paused" if spec.paused else "ok"

    async def _ensure_credentials(self, keys: list[str]) -> dict[str, str]:
        """Credentials are read once and kept; the Secret is touched again only when a newly
        enabled service needs keys it does not hold."""
        if self._credentials is None or any(k not in self._credentials for k in keys):
            self._credentials = await ensure_credentials(
                self.runtime.kube, self.namespace, self.name, keys
            )
        return self._credentials

    async def _observe(
        self, observer: Observer | None = None
    ) -> tuple[dict[str, DeployedRelease], dict[tuple[str, str], Mapping[str, Any]]]:
        """Helm's record of every release, and the live objects releases may own."""
        storage, live = await (observer or self.observer).observe(self.namespace)
        return self._decoder.latest(self.operations.fresh.merge(storage)), live

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
            if action.kind is Kind.wait or not self.operations.may_act(name, observed_at):
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
            repairs, settled = await heal.restore(self.runtime.kube, release, health, drift)
        except KubeError as exc:
            self.operations.failed(release.name, f"restoring {release.name}: {exc.message}")
            return
        self._settled.update(settled)
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
        if _ready(previous)[0] != now_ready:
            self.runtime.events(body, "Normal" if now_ready == "True" else "Warning", reason,
                                f"Ready is {now_ready}: {message}")

    async def _write_status(
        self, body: Mapping[str, Any], previous: ControlPlaneStatus, status: ControlPlaneStatus
    ) -> None:
        new = status.model_dump(mode="json", exclude_none=True)
        old = previous.model_dump(mode="json", exclude_none=True)
        if new == old:
            return
        for gone in set(old.get("services", {})) - set(new.get("services", {})):
            new.setdefault("services", {})[gone] = None
        try:
            await self.runtime.kube.merge_patch(
                CONTROL_PLANE, self.namespace, self.name, {"status": new}, status=True
            )
        except KubeError as exc:
            if exc.status != 404:  # deleted meanwhile: nothing left to report on
                raise

    # --- deletion -----------------------------------------------------------------------

    async def finalize(self, body: Mapping[str, Any]) -> None:
        """Uninstall every release in reverse dependency order, honouring deletionPolicy."""
        await self.operations.cancel()
        # Deletion must see the latest state: straight from the API server, not a cache.
        deployed, _ = await self._observe(ListingObserver(self.runtime.kube))
        await teardown(self.runtime, self.namespace, self.name, body.get("spec") or {}, deployed,
                       body)


def _ready(status: ControlPlaneStatus) -> tuple[str, str, str]:
    """(status, reason, message) of the Ready condition."""
    cond = get_condition(status.conditions, "Ready")
    return (cond.status.value, cond.reason, cond.message) if cond else ("Unknown", "", "")
