"""Helm operations of one control plane's releases: which are running, which failed, and
when each may be tried again (exponential back-off with jitter, capped, per release, so one
failing release never holds back the others; a new generation is tried at once). Every
install and upgrade labels the release as this control plane's (osprey.ownership).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from osprey import catalog, heal, immutable, teardown
from osprey.actions import Action, Kind, is_ready
from osprey.backoff import backoff_seconds
from osprey.health import ReleaseHealth
from osprey.helm import HelmError
from osprey.kube import KubeError, resource
from osprey.observe import FreshRecords
from osprey.plan import Plan, ReleasePlan
from osprey.releases import HELM_STORAGE_SELECTOR, DeployedRelease
from osprey.shared import apply_shared

if TYPE_CHECKING:
    from osprey.runtime import Runtime

log = logging.getLogger(__name__)

# How long a replaced object may take to go (a Job waits for its pods to terminate).
REPLACE_TIMEOUT_SECONDS = 300.0

EVENT_REASONS = {
    Kind.install: "Installed",
    Kind.upgrade: "Upgraded",
    Kind.rollback: "RolledBack",
    Kind.reinstall: "Reinstalled",
    Kind.uninstall: "Uninstalled",
}
# The helm command each kind of operation runs, as a user would name it (a first install runs
# `helm upgrade --install`, but it is an install that failed).
HELM_VERBS = {
    Kind.install: "install",
    Kind.upgrade: "upgrade",
    Kind.rollback: "rollback",
    Kind.reinstall: "install",
    Kind.uninstall: "uninstall",
}


def done_message(action: Action, release: ReleasePlan | None, version: str | None = None) -> str:
    """What an operation that succeeded did, for its Event: `keystone: installed chart ...`,
    naming the chart version helm resolved (`version`) or else the pin."""
    name, why = action.release, action.reason
    chart = (f"chart {release.chart.name} {version or release.chart.version}" if release
             else "its chart")
    return {
        Kind.install: f"{name}: installed {chart}",
        Kind.upgrade: f"{name}: upgraded to {chart} ({why})",
        Kind.rollback: f"{name}: rolled back to revision {action.revision} ({why})",
        Kind.reinstall: f"{name}: installed {chart} again, keeping its objects ({why})",
        Kind.uninstall: f"{name}: uninstalled ({why})",
    }[action.kind]


def failed_message(action: Action, helm_message: str) -> str:
    """`keystone: helm install failed: <Helm's error>`, for the Event of a failed operation."""
    return f"{action.release}: helm {HELM_VERBS[action.kind]} failed: {helm_message}"


class ReleaseOperations:
    """Background helm operations of one control plane, and their failures."""

    def __init__(
        self,
        runtime: Runtime,
        namespace: str,
        on_finished: Callable[[], None],
        labels: Mapping[str, str] | None = None,
    ):
        self.runtime = runtime
        self.namespace = namespace
        self._on_finished = on_finished
        self._labels = dict(labels or {})  # put on the releases it installs and upgrades
        self.running: dict[str, tuple[Kind, asyncio.Task]] = {}
        self.errors: dict[str, str] = {}  # last failure per release, until it is ready again
        self._finished_at: dict[str, float] = {}
        self._attempts: dict[str, int] = {}
        self._retry_at: dict[str, float] = {}
        self.fresh = FreshRecords()

    def may_act(self, name: str, observed_at: float) -> bool:
        """Not running, not backing off, and not finished since the pass observed it (what
        was observed would predate the operation's outcome: look again first)."""
        return (
            name not in self.running
            and self._finished_at.get(name, 0.0) < observed_at
            and self._retry_at.get(name, 0.0) <= time.monotonic()
        )

    def next_retry_in(self) -> float | None:
        """Seconds until the next back-off ends (a pass is owed then), if any is pending."""
        now = time.monotonic()
        pending = [at - now for at in self._retry_at.values() if at > now]
        return max(0.05, min(pending)) if pending else None

    def attempted(self, name: str) -> None:
        """A repair was made: give it time to take effect before repairing again."""
        self._attempts[name] = self._attempts.get(name, 0) + 1
        self._retry_at[name] = time.monotonic() + self._backoff(name)

    def failed(self, name: str, message: str) -> bool:
        """Record a failure; True if it is not the one already recorded (worth an Event)."""
        new = self.errors.get(name) != message
        self.errors[name] = message
        self.attempted(name)
        log.warning("release %s/%s failed (attempt %d): %s", self.namespace, name,
                    self._attempts[name], message)
        return new

    def retry_now(self) -> None:
        """A new generation: every release may be tried at once, backing off from the start
        (errors stay on show until the release succeeds)."""
        self._attempts.clear()
        self._retry_at.clear()

    def _backoff(self, name: str) -> float:
        settings = self.runtime.settings
        return backoff_seconds(self._attempts.get(name, 1), settings.retry_base_seconds,
                               settings.retry_max_seconds)

    def settle(
        self,
        desired: Plan,
        deployed: Mapping[str, DeployedRelease],
        health: Mapping[str, ReleaseHealth],
    ) -> None:
        """Forget failures and back-off of releases that are ready and up to date again."""
        for name in list(self._attempts):
            current = deployed.get(name)
            if (
                name in desired
                and name not in self.running
                and is_ready(current, health.get(name))
                and desired[name].satisfied_by(current)
            ):
                self._attempts.pop(name, None)
                self._retry_at.pop(name, None)
                self.errors.pop(name, None)

    def start(
        self,
        body: Mapping[str, Any],
        action: Action,
        desired: Plan,
        current: DeployedRelease | None = None,
    ) -> None:
        """Run the action's helm operation in the background (`current`: the release as the
        pass observed it). Not once the operator is shutting down: a successor will."""
        if self.runtime.draining:
            log.debug("helm %s %s/%s left to the next leader: shutting down", action.kind.value,
                     self.namespace, action.release)
            return
        task = asyncio.create_task(self._operate(body, action, desired, current))
        self.running[action.release] = (action.kind, task)
        log.info("helm %s %s/%s: %s", action.kind.value, self.namespace, action.release,
                 action.reason)

    async def cancel(self) -> None:
        tasks = [task for _, task in self.running.values()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _operate(
        self,
        body: Mapping[str, Any],
        action: Action,
        desired: Plan,
        current: DeployedRelease | None,
    ) -> None:
        name = action.release
        helm = self.runtime.helm
        read_back = False
        try:
            async with self.runtime.helm_slots:
                if action.kind is Kind.rollback:
                    await helm.rollback(self.namespace, name, action.revision)
                elif action.kind is Kind.uninstall:
                    await self._uninstall(name, current)
                else:
                    if action.kind is Kind.reinstall:
                        await self._forget_pending_install(name)
                    await self._install_or_upgrade(desired[name], current)
        except HelmError as exc:
            if self.failed(name, exc.message):
                self.runtime.events(body, "Warning", "Failed", failed_message(action, exc.message))
        except KubeError as exc:
            if self.failed(name, exc.describe()):
                self.runtime.events(body, "Warning", "Failed", f"{name}: {exc.describe()}")
        except Exception as exc:  # e.g. helm missing: reported and backed off like the rest
            log.debug("helm %s of %s/%s failed", action.kind.value, self.namespace, name,
                      exc_info=True)
            message = f"{type(exc).__name__}: {exc}"
            if self.failed(name, message):
                self.runtime.events(body, "Warning", "Failed", f"{name}: {message}")
        else:
            self.errors.pop(name, None)
            if action.kind in (Kind.rollback, Kind.reinstall):
                self.runtime.metrics.heal(f"stuck_{action.kind.value}")
            await self._read_back(name)
            read_back = True
            planned = None if action.kind is Kind.uninstall else desired[name]
            message = done_message(action, planned, self.fresh.chart_version(name))
            log.info("%s/%s", self.namespace, message)
            self.runtime.events(body, "Normal", EVENT_REASONS[action.kind], message)
        finally:
            if not read_back:
                await self._read_back(name)
            self.running.pop(name, None)
            self._finished_at[name] = time.monotonic()
            self._on_finished()

    async def refresh(self, cached: list[Mapping[str, Any]]) -> None:
        """Read again the records of releases the cache has not caught up with since our
        operation on them (see `FreshRecords`): one metadata list each."""
        for name in self.fresh.behind(cached):
            await self._read_back(name)

    async def _read_back(self, name: str) -> None:
        """Read Helm's record of the release as the operation left it, so the next pass does
        not act on a cache that has not seen it yet (and, say, install it twice)."""
        kube, secret = self.runtime.kube, resource("Secret")
        try:
            secrets = await kube.list_metadata(
                secret, self.namespace, labels=f"{HELM_STORAGE_SELECTOR},name={name}"
            )
            if secrets:  # the newest revision whole; older ones are known by their labels
                newest = max(secrets, key=lambda s: int(s["metadata"]["labels"]["version"]))
                whole = self.fresh.whole(name, newest)
                if whole is None:  # not read at this version yet
                    whole = await kube.get(secret, self.namespace, newest["metadata"]["name"])
                secrets = [s for s in secrets if s is not newest] + ([whole] if whole else [])
        except (KubeError, OSError) as exc:
            log.warning("could not read back release %s/%s: %s", self.namespace, name, exc)
            return
        self.fresh.put(name, secrets)

    async def _uninstall(self, name: str, current: DeployedRelease | None) -> None:
        """A disabled service keeps its data, as it keeps its volumes: its delete hooks do
        not run; the hook Jobs it leaves are removed."""
        if current is None:
            await self.runtime.helm.uninstall(self.namespace, name, hooks=False)
        else:
            await teardown.uninstall(self.runtime, current, hooks=False)

    async def _install_or_upgrade(
        self, release: ReleasePlan, current: DeployedRelease | None
    ) -> None:
        """helm upgrade --install, after replacing the objects whose immutable fields it would
        change (Helm cannot patch them, and never deletes them by itself)."""
        if current is not None and immutable.has_candidates(current):
            await self._replace_immutable(release, current)
        if catalog.entry(release.name).renders_shared:
            await self._apply_shared(release)
        await self.runtime.helm.install_or_upgrade(self.namespace, release.name, release.chart,
                                                   release.values, labels=self._labels,
                                                   pull_secrets=release.pull_secrets)

    async def _apply_shared(self, release: ReleasePlan) -> None:
        """Apply the objects of the release the cluster shares (its CRDs), which the release
        itself leaves out (osprey.shared)."""
        objects = await self.runtime.helm.render(self.namespace, release.name, release.chart,
                                                 release.values, shared=True)
        applied = await apply_shared(self.runtime.kube, objects)
        if applied:
            log.info("applied the shared objects of %s/%s: %s", self.namespace, release.name,
                     ", ".join(applied))

    async def _replace_immutable(self, release: ReleasePlan, current: DeployedRelease) -> None:
        """Render the upgrade's manifest (`helm template`, same chart, version and values),
        and delete each live Job or StatefulSet whose immutable fields it changes, waiting
        until it is gone; the upgrade then creates it anew."""
        kube = self.runtime.kube
        rendered = await self.runtime.helm.render(self.namespace, release.name, release.chart,
                                                  release.values,
                                                  pull_secrets=release.pull_secrets)
        live = {}
        for kind, name in immutable.candidates(rendered):
            obj = await kube.get(resource(kind), self.namespace, name)
            if obj is not None:
                live[(kind, name)] = obj
        for item in immutable.replacements(rendered, current, live):
            res = resource(item.kind)
            await kube.delete(res, self.namespace, item.name, propagation=item.propagation)
            await heal.wait_gone(kube, res, self.namespace, item.name,
                                 timeout=REPLACE_TIMEOUT_SECONDS)
            self.runtime.metrics.heal(f"immutable_{item.kind.lower()}")
            log.info("replaced %s of %s/%s before its upgrade: %s change", item.ref,
                     self.namespace, release.name, ", ".join(item.fields))

    async def _forget_pending_install(self, name: str) -> None:
        """Drop Helm's record of an install that never finished (the operator was killed
        mid-install) so it can be installed again. Only Helm's storage Secret goes; every
        object the install created stays, and the new install adopts it."""
        kube = self.runtime.kube
        secrets = await kube.list_metadata(resource("Secret"), self.namespace,
                                           labels=f"{HELM_STORAGE_SELECTOR},name={name}")
        for secret in secrets:
            if secret["metadata"].get("labels", {}).get("status", "").startswith("pending-"):
                await kube.delete(resource("Secret"), self.namespace, secret["metadata"]["name"])
