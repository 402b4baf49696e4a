"""Where upgrades meet a reconcile pass: which OpenStack release is deployed, the plan the
pass acts on while an upgrade runs, the MariaDB backup, and status.upgrade.

The seam is small: the pass hands over what it observed and gets back the plan to act on
(the staged plan of the current step) and a function that adds the upgrade to the status.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from osprey.api.conditions import get_condition, set_condition
from osprey.api.spec import ControlPlaneSpec, OpenStackRelease
from osprey.api.status import ControlPlaneStatus, Phase, UpgradePhase
from osprey.health import ReleaseHealth
from osprey.kube import Kube
from osprey.plan import Plan
from osprey.releases import DeployedRelease
from osprey.upgrade.backup import read_backup, take_backup
from osprey.upgrade.plan import ORDER, upgrade_plan
from osprey.upgrade.progress import Backup, BackupState, Facts, Progress, advance, backup_name

if TYPE_CHECKING:
    from osprey.runtime import Runtime

log = logging.getLogger(__name__)

UPGRADING = "Upgrading"


@dataclass(frozen=True)
class Staged:
    """What a pass acts on and reports."""

    plan: Plan
    report: Callable[[ControlPlaneStatus], ControlPlaneStatus]


def deployed_release(
    spec: ControlPlaneSpec, previous: ControlPlaneStatus, deployed: Mapping[str, DeployedRelease]
) -> str | None:
    """The OpenStack release the control plane runs: the running upgrade's source, the one
    status recorded, or (a control plane from before status.deployedRelease) the oldest
    release line of its deployed charts. None: nothing deployed yet."""
    upgrade = previous.upgrade
    if upgrade is not None and upgrade.phase is not UpgradePhase.Completed:
        return upgrade.source
    if previous.deployedRelease:
        return previous.deployedRelease
    if spec.charts.version or spec.charts.versions:
        return None  # pinned charts say nothing of the OpenStack release
    lines = {".".join(d.version.split(".")[:2]) for d in deployed.values()}
    known = [r for r in ORDER if r in lines]
    return known[0] if known else None


def running_target(previous: ControlPlaneStatus, source: str, wanted: str) -> str:
    """The release this upgrade goes to. An upgrade under way finishes first when the spec
    moved on meanwhile (2025.1 -> 2025.2 running, then the spec says 2026.1: admission allows
    it against the previous spec, and going back would be a downgrade); the next upgrade
    starts from there. Anything else two releases ahead is refused by check_transition."""
    upgrade = previous.upgrade
    if (upgrade is not None and upgrade.phase is not UpgradePhase.Completed
            and upgrade.source == source and upgrade.to in ORDER and wanted in ORDER
            and ORDER.index(upgrade.to) < ORDER.index(wanted)):
        return upgrade.to
    return wanted


class Upgrades:
    """The upgrade side of one control plane's passes."""

    def __init__(self, runtime: Runtime, namespace: str):
        self.runtime = runtime
        self.kube: Kube = runtime.kube
        self.namespace = namespace

    async def stage(
        self,
        body: Mapping[str, Any],
        spec: ControlPlaneSpec,
        desired: Plan,
        credentials: Mapping[str, str],
        previous: ControlPlaneStatus,
        deployed: Mapping[str, DeployedRelease],
        health: Mapping[str, ReleaseHealth],
        busy: Collection[str],
        errors: Mapping[str, str],
        now: str,
        values_from: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> Staged:
        """The plan of this pass; raises UpgradeRefused (a skip or a downgrade) or PlanError.
        `values_from` as for `plan` (osprey.valuesfrom)."""
        target = spec.openstackRelease.value
        source = deployed_release(spec, previous, deployed)
        if source is None or source == target:
            return Staged(desired, lambda status: _settled(status, previous, target))
        target = running_target(previous, source, target)
        if target != spec.openstackRelease.value:
            spec = spec.model_copy(update={"openstackRelease": OpenStackRelease(target)})
        upgrade = upgrade_plan(spec, self.namespace, credentials, source, values_from)
        record = previous.upgrade
        backup = None
        if record is None or record.phase in (UpgradePhase.Preflight, UpgradePhase.BackingUp) \
                or (record.source, record.to) != (source, target):
            backup = await read_backup(self.kube, self.namespace, backup_name(upgrade))
        facts = Facts(deployed=deployed, health=health, busy=busy, errors=errors,
                      paused=spec.paused, now=now, backup=backup)
        record = record if record is not None and record.to == target else None
        progress = advance(upgrade, record, facts)
        if progress.wants_backup and not spec.paused and (
                backup is None or backup.state is Backup.absent):
            backup = await take_backup(self.kube, self.namespace, backup_name(upgrade))
            progress = advance(upgrade, record, replace(facts, backup=backup))
        for kind, reason, message in progress.events:
            self.runtime.events(body, kind, reason, message)
        self._warn(body, previous, progress)
        return Staged(upgrade.staged(progress.current),
                      lambda status: _report(status, previous, progress, now))

    def _warn(self, body: Mapping[str, Any], previous: ControlPlaneStatus,
              progress: Progress) -> None:
        """One Warning when the upgrade is newly held by a check or the backup."""
        cond = progress.condition
        if cond.reason not in ("PreflightFailed", "BackupFailed"):
            return
        before = get_condition(previous.conditions, UPGRADING)
        if before is None or (before.reason, before.message) != (cond.reason, cond.message):
            self.runtime.events(body, "Warning", cond.reason, cond.message)


def _keep_upgrading(status: ControlPlaneStatus, previous: ControlPlaneStatus) -> list:
    """The rollup keeps only its own conditions: carry Upgrading over."""
    before = get_condition(previous.conditions, UPGRADING)
    conditions = [c for c in status.conditions if c.type != UPGRADING]
    return conditions + [before] if before is not None else conditions


def _settled(status: ControlPlaneStatus, previous: ControlPlaneStatus, target: str
             ) -> ControlPlaneStatus:
    """No upgrade runs: the release is deployed once every service is ready."""
    ready = get_condition(status.conditions, "Ready")
    release = target if ready is not None and ready.status.value == "True" else \
        previous.deployedRelease
    return status.model_copy(update={"deployedRelease": release, "upgrade": previous.upgrade,
                                     "conditions": _keep_upgrading(status, previous)})


def _report(status: ControlPlaneStatus, previous: ControlPlaneStatus, progress: Progress,
            now: str) -> ControlPlaneStatus:
    cond = progress.condition
    conditions = set_condition(_keep_upgrading(status, previous), UPGRADING,
                               "True" if cond.status else "False", cond.reason, cond.message,
                               status.observedGeneration, now)
    update: dict[str, Any] = {"upgrade": progress.record}
    if progress.done:
        update["deployedRelease"] = progress.record.to
    else:
        # Ready means the spec is deployed: not while the upgrade runs, even where every
        # release is ready as the current step renders it (pre-flight, backup, between steps).
        record = progress.record
        update["deployedRelease"] = record.source
        conditions = set_condition(conditions, "Ready", "False", "Upgrading", (
            f"upgrading from {record.source} to {record.to}: {cond.message}"),
            status.observedGeneration, now)
        if status.phase is Phase.Ready:
            update["phase"] = Phase.Progressing
    return status.model_copy(update={**update, "conditions": conditions})


__all__ = ["BackupState", "Staged", "Upgrades", "deployed_release", "running_target"]
