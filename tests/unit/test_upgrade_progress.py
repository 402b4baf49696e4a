"""The upgrade's state machine: pre-flight, backup, one step at a time, failure, pause."""

from __future__ import annotations

from osprey.api import validate_spec
from osprey.api.status import StepState, UpgradePhase
from osprey.catalog import credential_keys
from osprey.health import ReleaseHealth, WorkloadState
from osprey.releases import DeployedRelease
from osprey.upgrade.plan import upgrade_plan
from osprey.upgrade.progress import Backup, BackupState, Facts, advance
from tests.integration.operator_harness import load_sample

NOW = "2026-01-01T00:00:00Z"


def the_plan():
    spec = validate_spec({**load_sample("minimal.yaml")["spec"], "openstackRelease": "2025.2"})
    return upgrade_plan(spec, "openstack", dict.fromkeys(credential_keys(spec), "pw"), "2025.1")


def release(planned, status="deployed"):
    version = planned.chart.version + ".3+abc"
    return DeployedRelease(planned.name, "openstack", 1, status, planned.chart.name, version,
                           dict(planned.values), deployed_revision=1)


def ready():
    return ReleaseHealth((WorkloadState("Deployment", "x", True),))


def facts(plan, current, *, backup=Backup.complete, errors=None, paused=False, health=None,
          deployed=None):
    staged = plan.staged(current)
    return Facts(
        deployed=deployed or {r.name: release(r) for r in staged.releases},
        health=health or {r.name: ready() for r in staged.releases},
        busy=(), errors=errors or {}, paused=paused, now=NOW,
        backup=BackupState("mariadb-backup-2025-1-to-2025-2", backup))


def test_a_control_plane_not_ready_is_refused_by_preflight_and_nothing_moves():
    plan = the_plan()
    seen = facts(plan, -1, health={"keystone": ReleaseHealth(
        (WorkloadState("Deployment", "keystone-api", False),))})
    progress = advance(plan, None, seen)
    assert progress.current == -1
    assert progress.record.phase is UpgradePhase.Preflight
    assert (progress.condition.status, progress.condition.reason) == (False, "PreflightFailed")
    assert "keystone is not ready (0/1 workloads ready)" in progress.condition.message


def test_the_backup_runs_before_the_first_step_and_its_name_is_recorded():
    plan = the_plan()
    progress = advance(plan, None, facts(plan, -1, backup=Backup.running))
    assert (progress.current, progress.record.phase) == (-1, UpgradePhase.BackingUp)
    assert progress.wants_backup
    done = advance(plan, progress.record, facts(plan, -1, backup=Backup.complete))
    assert done.record.backup == "mariadb-backup-2025-1-to-2025-2"
    assert (done.current, done.record.step) == (0, "mariadb")
    assert done.record.steps[0].state is StepState.Running


def test_a_failed_backup_holds_the_upgrade_with_a_condition():
    plan = the_plan()
    progress = advance(plan, None, facts(plan, -1, backup=Backup.failed))
    assert progress.current == -1 and progress.condition.reason == "BackupFailed"


def test_a_step_completes_when_its_release_is_deployed_as_rendered_and_ready():
    plan = the_plan()
    first = advance(plan, None, facts(plan, -1))
    second = advance(plan, first.record, facts(plan, 0))
    assert second.record.steps[0].state is StepState.Completed
    assert second.record.step == "rabbitmq" and second.current == 1
    assert ("Normal", "UpgradeStepCompleted",
            "step 1/12 mariadb completed: mariadb 2025.2") in second.events


def test_a_failed_step_stops_the_upgrade_with_step_failed():
    plan = the_plan()
    record = advance(plan, None, facts(plan, -1)).record
    keystone = plan.index("keystone")
    for index in range(keystone):
        record = advance(plan, record, facts(plan, index)).record
    failed = advance(plan, record, facts(plan, keystone - 1, errors={
        "keystone": "helm upgrade keystone: job keystone-db-sync failed"}))
    assert failed.current == keystone
    assert failed.record.phase is UpgradePhase.Failed
    assert failed.record.steps[keystone].state is StepState.Failed
    assert (failed.condition.status, failed.condition.reason) == (False, "StepFailed")
    assert "keystone-db-sync failed" in failed.condition.message


def test_a_step_failed_by_its_job_says_why_once():
    plan = the_plan()
    record = advance(plan, None, facts(plan, -1)).record
    keystone = plan.index("keystone")
    for index in range(keystone):
        record = advance(plan, record, facts(plan, index)).record
    job = WorkloadState("Job", "keystone-db-sync", ready=False, failed=True,
                        detail="failed: BackoffLimitExceeded: Job has reached the specified "
                               "backoff limit")
    health = {r.name: ready() for r in plan.staged(keystone).releases}
    health["keystone"] = ReleaseHealth((job,))
    failed = advance(plan, record, facts(plan, keystone, health=health))
    assert failed.record.steps[keystone].message == (
        "Job/keystone-db-sync failed: BackoffLimitExceeded: Job has reached the specified "
        "backoff limit")


def test_paused_holds_before_the_next_step():
    plan = the_plan()
    first = advance(plan, None, facts(plan, -1))
    held = advance(plan, first.record, facts(plan, 0, paused=True))
    assert held.record.phase is UpgradePhase.Paused
    assert held.record.steps[1].state is StepState.Pending
    assert held.condition.reason == "Paused"


def test_a_resumed_upgrade_never_reconsiders_completed_steps():
    plan = the_plan()
    record = advance(plan, None, facts(plan, -1)).record
    record = advance(plan, record, facts(plan, 0)).record
    # mariadb was since upgraded again by someone: the completed step stays completed.
    again = advance(plan, record, facts(plan, 0, errors={"mariadb": "boom"}))
    assert again.record.steps[0].state is StepState.Completed
    assert again.record.step == "rabbitmq"


def test_the_last_step_completes_the_upgrade():
    plan = the_plan()
    record = advance(plan, None, facts(plan, -1)).record
    for index in range(len(plan.steps)):
        progress = advance(plan, record, facts(plan, index))
        record = progress.record
    assert progress.done and progress.current == len(plan.steps)
    assert progress.condition.reason == "UpgradeCompleted"
    assert record.finishedAt == NOW
