"""What a pass decides to do for each release, as data."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from osprey.actions import Constraints, Kind, decide, decide_release, pending_recovery_at
from osprey.health import ReleaseHealth, WorkloadState
from osprey.helm import ChartRef
from osprey.plan import Plan, ReleasePlan
from osprey.releases import DeployedRelease


def planned(name, ready=(), installed=(), values=None, stateful=False, version="1.0.0"):
    return ReleasePlan(
        name=name, chart=ChartRef(name, version, "https://charts.example"),
        values=values or {"v": 1}, requires_ready=tuple(ready), requires_installed=tuple(installed),
        stateful=stateful, workloads=(), api_workload=None, autoscaling=None,
    )


def deployed(plan_release, status="deployed", revision=1, deployed_revision=1, values=None,
             version=None):
    return DeployedRelease(
        name=plan_release.name, namespace="ns", revision=revision, status=status,
        chart=plan_release.chart.name, version=version or plan_release.chart.version,
        values=plan_release.values if values is None else values,
        deployed_revision=deployed_revision,
    )


READY = ReleaseHealth((WorkloadState("Deployment", "x", ready=True),))
NOT_READY = ReleaseHealth((WorkloadState("Deployment", "x", ready=False, detail="has 0/1"),))
MISSING = ReleaseHealth((WorkloadState("Deployment", "x", ready=False, missing=True),))
FAILED_JOB = ReleaseHealth((WorkloadState("Job", "db-sync", ready=False, failed=True),))

MARIADB = planned("mariadb", stateful=True)
KEYSTONE = planned("keystone", ready=["mariadb"])


def test_a_release_whose_dependencies_are_ready_is_installed():
    action = decide_release(KEYSTONE, {"mariadb": deployed(MARIADB)}, {"mariadb": READY})
    assert action.kind is Kind.install


def test_a_release_waits_while_a_dependency_is_not_ready():
    action = decide_release(KEYSTONE, {"mariadb": deployed(MARIADB)}, {"mariadb": NOT_READY})
    assert action.kind is Kind.wait and "mariadb" in action.reason


def test_an_installed_only_dependency_need_not_be_ready():
    nova = planned("nova", installed=["libvirt"])
    libvirt = planned("libvirt")
    action = decide_release(nova, {"libvirt": deployed(libvirt)}, {"libvirt": NOT_READY})
    assert action.kind is Kind.install


def test_an_unchanged_healthy_release_is_left_alone():
    action = decide_release(MARIADB, {"mariadb": deployed(MARIADB)}, {"mariadb": READY})
    assert action.kind is Kind.wait and not action.uses_helm


def test_changed_values_upgrade_the_release():
    current = deployed(MARIADB, values={"v": 0})
    assert decide_release(MARIADB, {"mariadb": current}, {"mariadb": READY}).kind is Kind.upgrade


def claim(name, annotations=None):
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": name, "annotations": annotations or {}}}


def test_a_release_stored_with_a_claim_helm_would_delete_is_upgraded_once_to_keep_it():
    stored = replace(deployed(MARIADB), manifest=(claim("mariadb-backup-data"),))
    action = decide_release(MARIADB, {"mariadb": stored}, {"mariadb": READY})
    assert action.kind is Kind.upgrade and "mariadb-backup-data" in action.reason
    kept = replace(stored, manifest=(claim("mariadb-backup-data",
                                           {"helm.sh/resource-policy": "keep"}),))
    assert decide_release(MARIADB, {"mariadb": kept}, {"mariadb": READY}).kind is Kind.wait


def test_keeping_a_claim_waits_for_the_release_dependencies():
    glance = planned("glance", ready=["mariadb"])
    stored = replace(deployed(glance), manifest=(claim("glance-images"),))
    action = decide_release(glance, {"glance": stored, "mariadb": deployed(MARIADB)},
                            {"mariadb": NOT_READY, "glance": READY})
    assert action.kind is Kind.wait and "mariadb" in action.reason


def test_a_missing_workload_is_restored_without_helm():
    action = decide_release(MARIADB, {"mariadb": deployed(MARIADB)}, {"mariadb": MISSING})
    assert action.kind is Kind.restore and not action.uses_helm


def test_a_failed_job_is_restored_without_helm():
    action = decide_release(MARIADB, {"mariadb": deployed(MARIADB)}, {"mariadb": FAILED_JOB})
    assert action.kind is Kind.restore


def test_a_stuck_upgrade_is_rolled_back_to_the_last_deployed_revision():
    current = deployed(MARIADB, status="pending-upgrade", revision=3, deployed_revision=2)
    action = decide_release(MARIADB, {"mariadb": current}, {"mariadb": READY})
    assert (action.kind, action.revision) == (Kind.rollback, 2)


def test_a_stuck_first_install_is_reinstalled_never_uninstalled():
    current = deployed(MARIADB, status="pending-install", deployed_revision=None)
    action = decide_release(MARIADB, {"mariadb": current}, {})
    assert action.kind is Kind.reinstall


def test_a_failed_release_is_upgraded_again():
    current = deployed(MARIADB, status="failed", revision=2, deployed_revision=1)
    assert decide_release(MARIADB, {"mariadb": current}, {"mariadb": READY}).kind is Kind.upgrade


def test_a_managed_release_the_plan_no_longer_has_is_uninstalled():
    plan = Plan("ns", (MARIADB,))
    horizon = planned("horizon")
    actions = decide(plan, {"mariadb": deployed(MARIADB), "horizon": deployed(horizon)},
                     {"mariadb": READY}, managed={"mariadb", "horizon"})
    assert [(a.release, a.kind) for a in actions if a.uses_helm] == [("horizon", Kind.uninstall)]


def test_releases_osprey_does_not_manage_are_never_touched():
    plan = Plan("ns", (MARIADB,))
    other = planned("something-else")
    actions = decide(plan, {"mariadb": deployed(MARIADB), "something-else": deployed(other)},
                     {"mariadb": READY}, managed={"mariadb"})
    assert all(a.release != "something-else" for a in actions)


def test_a_modified_object_is_restored_without_helm():
    from osprey.drift import Drift

    drift = {"mariadb": (Drift("ConfigMap", "mariadb-etc", missing=False, fields=("data.my.cnf",)),)}
    action = decide_release(MARIADB, {"mariadb": deployed(MARIADB)}, {"mariadb": READY}, drift)
    assert action.kind is Kind.restore and "ConfigMap/mariadb-etc" in action.reason


def test_a_change_waits_until_its_dependencies_have_applied_theirs():
    mariadb_changed = planned("mariadb", values={"v": 2})
    keystone_changed = planned("keystone", ready=["mariadb"], values={"v": 2})
    plan = Plan("ns", (mariadb_changed, keystone_changed))
    current = {"mariadb": deployed(MARIADB), "keystone": deployed(KEYSTONE)}
    health = {"mariadb": READY, "keystone": READY}
    first = {a.release: a.kind for a in decide(plan, current, health, managed=set())}
    assert first == {"mariadb": Kind.upgrade, "keystone": Kind.wait}

    current["mariadb"] = deployed(mariadb_changed)
    second = {a.release: a.kind for a in decide(plan, current, health, managed=set())}
    assert second == {"mariadb": Kind.wait, "keystone": Kind.upgrade}


# --- ownership, obstacles and pending releases ---------------------------------------------

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)


def started(release, seconds_ago):
    stamp = (NOW - timedelta(seconds=seconds_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return replace(release, last_deployed=stamp)


def test_a_release_of_another_owner_is_never_upgraded_and_its_status_says_why():
    current = deployed(MARIADB, values={"v": 0})
    action = decide_release(MARIADB, {"mariadb": current}, {"mariadb": READY},
                            constraints=Constraints(foreign={"mariadb": "not ours"}))
    assert (action.kind, action.reason) == (Kind.blocked, "not ours")
    assert not action.uses_helm


def test_a_release_of_another_owner_is_never_uninstalled_nor_built_upon():
    horizon = planned("horizon")
    plan = Plan("ns", (KEYSTONE,))
    actions = decide(plan, {"mariadb": deployed(MARIADB), "horizon": deployed(horizon)},
                     {"mariadb": READY, "horizon": READY}, managed={"mariadb", "horizon"},
                     constraints=Constraints(foreign={"mariadb": "not ours", "horizon": "nor"}))
    assert [(a.release, a.kind) for a in actions] == [("keystone", Kind.wait)]
    assert "mariadb" in actions[0].reason


def test_a_stuck_release_of_another_owner_is_not_rolled_back():
    current = started(deployed(MARIADB, status="pending-upgrade", revision=3,
                               deployed_revision=2), 3600)
    action = decide_release(MARIADB, {"mariadb": current}, {"mariadb": READY}, constraints=(
        Constraints(foreign={"mariadb": "not ours"}, now=NOW, pending_timeout=60)))
    assert action.kind is Kind.blocked


def test_a_release_pending_for_less_than_the_helm_timeout_is_left_to_whoever_holds_it():
    current = started(deployed(MARIADB, status="pending-upgrade", revision=3,
                               deployed_revision=2), 30)
    action = decide_release(MARIADB, {"mariadb": current}, {"mariadb": READY},
                            constraints=Constraints(now=NOW, pending_timeout=1200))
    assert action.kind is Kind.wait
    assert "pending-upgrade since 2026-01-01T11:59:30Z" in action.reason
    assert "20m" in action.reason


def test_a_release_pending_for_longer_than_the_helm_timeout_is_rolled_back():
    current = started(deployed(MARIADB, status="pending-upgrade", revision=3,
                               deployed_revision=2), 1300)
    action = decide_release(MARIADB, {"mariadb": current}, {"mariadb": READY},
                            constraints=Constraints(now=NOW, pending_timeout=1200))
    assert (action.kind, action.revision) == (Kind.rollback, 2)


def test_a_pending_release_our_own_helm_is_running_is_waited_for_however_old():
    current = started(deployed(MARIADB, status="pending-install", deployed_revision=None), 9999)
    action = decide_release(MARIADB, {"mariadb": current}, {}, constraints=Constraints(
        busy={"mariadb"}, now=NOW, pending_timeout=60))
    assert action.kind is Kind.wait


def test_when_a_pending_release_may_be_recovered_is_known():
    current = started(deployed(MARIADB, status="pending-upgrade"), 30)
    assert pending_recovery_at(current, Constraints(now=NOW, pending_timeout=60)) == (
        NOW + timedelta(seconds=30))
    assert pending_recovery_at(deployed(MARIADB), Constraints(now=NOW)) is None


def test_a_claim_helm_cannot_change_refuses_the_upgrade_before_helm_runs():
    current = deployed(MARIADB, values={"v": 0})
    action = decide_release(MARIADB, {"mariadb": current}, {"mariadb": READY},
                            constraints=Constraints(conflicts={"mariadb": "spec.storageClass: x"}))
    assert (action.kind, action.reason) == (Kind.blocked, "spec.storageClass: x")


def test_a_claim_conflict_does_not_stop_healing_an_up_to_date_release():
    action = decide_release(MARIADB, {"mariadb": deployed(MARIADB)}, {"mariadb": MISSING},
                            constraints=Constraints(conflicts={"mariadb": "spec.storageClass: x"}))
    assert action.kind is Kind.restore


def test_a_release_at_any_patch_of_its_pinned_line_is_up_to_date():
    line = planned("mariadb", version="2025.1")
    for version in ("2025.1.0+0ee5adeff", "2025.1.3+1234567"):
        action = decide_release(line, {"mariadb": deployed(line, version=version)},
                                {"mariadb": READY})
        assert (action.kind, action.reason) == (Kind.wait, "up to date"), version


def test_an_exact_pin_is_satisfied_by_its_version_whatever_the_build_metadata():
    exact = planned("mariadb", version="2025.1.0")
    current = {"mariadb": deployed(exact, version="2025.1.0+0ee5adeff")}
    assert decide_release(exact, current, {"mariadb": READY}).kind is Kind.wait


def test_another_line_or_patch_than_pinned_upgrades_the_release():
    line = planned("mariadb", version="2025.2")
    current = {"mariadb": deployed(line, version="2025.1.3+0ee5adeff")}
    assert decide_release(line, current, {"mariadb": READY}).kind is Kind.upgrade
    exact = planned("mariadb", version="2025.1.3")
    current = {"mariadb": deployed(exact, version="2025.1.0+0ee5adeff")}
    assert decide_release(exact, current, {"mariadb": READY}).kind is Kind.upgrade


def test_a_dependency_at_a_patch_of_its_line_does_not_hold_back_its_dependents():
    mariadb = planned("mariadb", version="2025.1")
    keystone = planned("keystone", ready=["mariadb"], version="2025.1")
    plan = Plan("ns", (mariadb, keystone))
    current = {"mariadb": deployed(mariadb, version="2025.1.3+0ee5adeff")}
    actions = {a.release: a.kind for a in decide(plan, current, {"mariadb": READY},
                                                  managed=set())}
    assert actions == {"mariadb": Kind.wait, "keystone": Kind.install}
