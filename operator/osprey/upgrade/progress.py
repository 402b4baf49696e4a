"""Where an upgrade stands, moved one pass at a time. Pure.

The state lives in status.upgrade and in Helm's records, never in memory: a pass reads the
previous record, checks the current step against what Helm deployed and what is ready, and
writes the next record. A step is done when its release is deployed as the step renders it,
its Jobs completed and its workloads Ready; completed steps are never looked at again, so an
operator killed mid-step resumes at that step and re-runs nothing that completed.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from osprey.actions import is_ready
from osprey.api.status import StepState, UpgradePhase, UpgradeStatus, UpgradeStep
from osprey.health import ReleaseHealth
from osprey.releases import DeployedRelease
from osprey.upgrade.plan import UpgradePlan
from osprey.upgrade.preflight import preflight

BACKUP_RELEASE = "mariadb"


class Backup(StrEnum):
    """The MariaDB backup Job of an upgrade, as the cluster shows it."""

    absent = "absent"
    running = "running"
    complete = "complete"
    failed = "failed"
    unavailable = "unavailable"  # no CronJob to take it from


@dataclass(frozen=True)
class BackupState:
    name: str
    state: Backup
    message: str = ""


@dataclass(frozen=True)
class Facts:
    """What one pass saw, as far as the upgrade cares."""

    deployed: Mapping[str, DeployedRelease]
    health: Mapping[str, ReleaseHealth]
    busy: Collection[str]  # releases our helm is working on
    errors: Mapping[str, str]  # the last helm failure per release, until it succeeds
    paused: bool
    now: str
    backup: BackupState | None = None


@dataclass(frozen=True)
class Condition:
    status: bool
    reason: str
    message: str


@dataclass(frozen=True)
class Progress:
    """The next record, which step's rendering applies, and what to tell people."""

    record: UpgradeStatus
    current: int  # -1: nothing moves yet (pre-flight, backup); len(steps): all done
    condition: Condition
    events: tuple[tuple[str, str, str], ...] = ()  # (type, reason, message)
    wants_backup: bool = False

    @property
    def done(self) -> bool:
        return self.record.phase is UpgradePhase.Completed


@dataclass
class _Pass:
    plan: UpgradePlan
    facts: Facts
    record: UpgradeStatus
    events: list[tuple[str, str, str]] = field(default_factory=list)

    def event(self, kind: str, reason: str, message: str) -> None:
        self.events.append((kind, reason, message))

    def result(self, current: int, condition: Condition, wants_backup: bool = False) -> Progress:
        return Progress(self.record, current, condition, tuple(self.events), wants_backup)


def backup_name(plan: UpgradePlan) -> str:
    """The Job the backup of this upgrade runs as (one per upgrade, so never taken twice)."""
    return f"mariadb-backup-{plan.source}-to-{plan.target}".replace(".", "-")


def start(plan: UpgradePlan, now: str) -> UpgradeStatus:
    steps = [UpgradeStep(service=s.name, release=s.release, chartVersion=s.chart_version)
             for s in plan.steps]
    return UpgradeStatus(source=plan.source, to=plan.target, phase=UpgradePhase.Preflight,
                         startedAt=now, steps=steps)


def _steps_of(plan: UpgradePlan, record: UpgradeStatus) -> list[UpgradeStep]:
    """The record's steps for the plan's (services enabled or disabled meanwhile keep the
    state recorded for them; new ones start pending)."""
    known = {s.service: s for s in record.steps}
    return [known.get(s.name) or UpgradeStep(service=s.name, release=s.release,
                                             chartVersion=s.chart_version)
            for s in plan.steps]


def advance(plan: UpgradePlan, previous: UpgradeStatus | None, facts: Facts) -> Progress:
    """The upgrade one pass further."""
    same = previous is not None and (previous.source, previous.to) == (plan.source, plan.target)
    record = previous if same and previous is not None else start(plan, facts.now)
    record = record.model_copy(update={"steps": _steps_of(plan, record)})
    run = _Pass(plan, facts, record)
    if not same:
        run.event("Normal", "UpgradeStarted", (
            f"upgrading from {plan.source} to {plan.target} in {len(plan.steps)} steps: "
            f"{', '.join(plan.names)}"))
    if record.phase is UpgradePhase.Completed:
        return run.result(len(plan.steps), _completed(plan))
    if record.phase is UpgradePhase.Preflight:
        problems = preflight(plan.old, facts.deployed, facts.health, facts.busy)
        if problems:
            return run.result(-1, Condition(False, "PreflightFailed", (
                f"the upgrade to {plan.target} waits for a converged control plane: "
                + "; ".join(problems))))
        run.record = run.record.model_copy(update={"phase": UpgradePhase.BackingUp if (
            BACKUP_RELEASE in plan.new) else UpgradePhase.Running})
    if run.record.phase is UpgradePhase.BackingUp:
        waiting = _backup(run)
        if waiting is not None:
            return waiting
    return _steps(run)


def _backup(run: _Pass) -> Progress | None:
    """The backup before the first migration; None once it completed."""
    backup = run.facts.backup
    name = backup.name if backup else backup_name(run.plan)
    if backup is not None and backup.state is Backup.complete:
        run.record = run.record.model_copy(update={"backup": name,
                                                   "phase": UpgradePhase.Running})
        run.event("Normal", "UpgradeBackupTaken", f"MariaDB backup {name} completed")
        return None
    if backup is not None and backup.state in (Backup.failed, Backup.unavailable):
        return run.result(-1, Condition(False, "BackupFailed", backup.message), True)
    return run.result(-1, Condition(True, "BackingUp", (
        f"MariaDB backup {name} runs before the first database migration")), True)


def _failure(step: UpgradeStep, facts: Facts) -> str:
    error = facts.errors.get(step.release, "")
    failed = facts.health.get(step.release)
    broken = [w.described for w in (failed.failed if failed else ())]
    return "; ".join([error] * bool(error) + broken)


def _steps(run: _Pass) -> Progress:
    plan, facts = run.plan, run.facts
    steps = list(run.record.steps)
    index = next((i for i, s in enumerate(steps) if s.state is not StepState.Completed),
                 len(steps))
    while index < len(steps):
        step = steps[index]
        current = facts.deployed.get(step.release)
        wanted = plan.rendering(step.release, index)
        if (step.release in facts.busy or not wanted.satisfied_by(current)
                or not is_ready(current, facts.health.get(step.release))):
            break
        steps[index] = step.model_copy(update={
            "state": StepState.Completed, "message": "",
            "startedAt": step.startedAt or facts.now, "finishedAt": facts.now})
        run.event("Normal", "UpgradeStepCompleted", (
            f"step {index + 1}/{len(steps)} {step.service} completed: {step.release} "
            f"{step.chartVersion}"))
        index += 1
    if index == len(steps):
        run.record = run.record.model_copy(update={
            "steps": steps, "phase": UpgradePhase.Completed, "step": None,
            "finishedAt": facts.now})
        run.event("Normal", "UpgradeCompleted", f"upgraded from {plan.source} to {plan.target}")
        return run.result(index, _completed(plan))
    step = steps[index]
    failure = _failure(step, facts)
    kind = plan.steps[index].kind
    if failure:
        if step.state is not StepState.Failed:
            run.event("Warning", "UpgradeStepFailed", f"step {step.service} failed: {failure}")
        steps[index] = step.model_copy(update={"state": StepState.Failed, "message": failure})
        phase, condition = UpgradePhase.Failed, Condition(False, "StepFailed", (
            f"step {index + 1}/{len(steps)} {step.service} failed: {failure}; the steps after "
            "it wait, nothing is rolled back; fixed, it resumes"))
    elif facts.paused and step.state is StepState.Pending:
        phase, condition = UpgradePhase.Paused, Condition(False, "Paused", (
            f"spec.paused holds the upgrade before step {index + 1}/{len(steps)} "
            f"{step.service}"))
    else:
        if step.state is StepState.Pending:
            run.event("Normal", "UpgradeStepStarted", (
                f"step {index + 1}/{len(steps)} {step.service}: {kind.describes}"))
        steps[index] = step.model_copy(update={
            "state": StepState.Running, "message": "",
            "startedAt": step.startedAt or facts.now})
        phase, condition = UpgradePhase.Running, Condition(True, "StepRunning", (
            f"step {index + 1}/{len(steps)} {step.service}: {kind.describes}"))
    run.record = run.record.model_copy(update={"steps": steps, "phase": phase,
                                               "step": step.service})
    return run.result(index, condition)


def _completed(plan: UpgradePlan) -> Condition:
    return Condition(False, "UpgradeCompleted", f"upgraded from {plan.source} to {plan.target}")
