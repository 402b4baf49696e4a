"""Status from observations: phases, conditions and their transition times."""

from dataclasses import replace

from osprey.actions import Action, Kind
from osprey.api.status import Condition, ControlPlaneStatus, Phase
from osprey.health import ReleaseHealth, WorkloadState
from osprey.helm import ChartRef
from osprey.plan import Plan, ReleasePlan
from osprey.releases import DeployedRelease
from osprey.rollup import (
    Observation,
    condition_type,
    failed_pass_status,
    halted_status,
    invalid_spec_status,
    rollup,
)


def planned(name):
    return ReleasePlan(name=name, chart=ChartRef(name, "1.0.0", "https://x"), values={"v": 1},
                       requires_ready=(), requires_installed=(), stateful=False, workloads=(),
                       api_workload=None, autoscaling=None)


def deployed(p, values=None):
    return DeployedRelease(name=p.name, namespace="ns", revision=1, status="deployed",
                           chart=p.chart.name, version=p.chart.version,
                           values=p.values if values is None else values, deployed_revision=1)


READY = ReleaseHealth((WorkloadState("Deployment", "a", ready=True),))
DOWN = ReleaseHealth((WorkloadState("Deployment", "keystone-api", ready=False,
                                    detail="has 0/1 replicas ready"),))
FAILED = ReleaseHealth((WorkloadState("Job", "keystone-db-sync", ready=False, failed=True,
                                      detail="failed: BackoffLimitExceeded"),))
MARIADB, KEYSTONE = planned("mariadb"), planned("keystone")
PLAN = Plan("ns", (MARIADB, KEYSTONE))


def observe(health=None, running=None, errors=None, deployed_=None, paused=False, generation=1,
            actions=None):
    dep = deployed_ if deployed_ is not None else {"mariadb": deployed(MARIADB),
                                                   "keystone": deployed(KEYSTONE)}
    return Observation(generation=generation, plan=PLAN,
                       actions={n: Action(n, Kind.wait, "up to date") for n in PLAN.names}
                       | (actions or {}),
                       deployed=dep, health=health or {"mariadb": READY, "keystone": READY},
                       running=running or {}, errors=errors or {}, paused=paused)


def cond(status, type_):
    return next(c for c in status.conditions if c.type == type_)


def test_all_releases_ready_make_the_control_plane_ready():
    status = rollup(observe(), ControlPlaneStatus(), "t1")
    assert status.phase is Phase.Ready and status.servicesReady == "2/2"
    assert cond(status, "Ready").status.value == "True"
    assert cond(status, "KeystoneReady").status.value == "True"
    assert cond(status, "InfrastructureReady").status.value == "True"
    assert cond(status, "Degraded").status.value == "False"


def test_a_running_install_is_progressing_and_ready_names_it():
    status = rollup(observe(running={"keystone": Kind.install},
                            deployed_={"mariadb": deployed(MARIADB)}),
                    ControlPlaneStatus(), "t1")
    assert status.phase is Phase.Progressing
    ready = cond(status, "Ready")
    assert ready.status.value == "False" and ready.reason == "KeystoneProgressing"
    assert cond(status, "Progressing").status.value == "True"


def test_a_release_that_was_ready_and_is_not_any_more_is_degraded_naming_the_workload():
    before = rollup(observe(), ControlPlaneStatus(), "t1")
    after = rollup(observe(health={"mariadb": READY, "keystone": DOWN}), before, "t2")
    assert after.services["keystone"].phase is Phase.Degraded
    assert "Deployment/keystone-api" in cond(after, "Degraded").message
    assert cond(after, "Ready").reason == "KeystoneDegraded"


def test_a_failed_job_fails_only_its_release_with_the_job_named():
    status = rollup(observe(health={"mariadb": READY, "keystone": FAILED}),
                    ControlPlaneStatus(), "t1")
    assert status.services["keystone"].phase is Phase.Failed
    assert status.services["mariadb"].phase is Phase.Ready
    assert "keystone-db-sync" in cond(status, "Ready").message


def test_last_transition_time_moves_only_when_the_status_flips():
    first = rollup(observe(), ControlPlaneStatus(), "t1")
    second = rollup(observe(generation=2), first, "t2")
    assert cond(second, "Ready").lastTransitionTime == "t1"
    assert cond(second, "Ready").observedGeneration == 2
    third = rollup(observe(health={"mariadb": READY, "keystone": DOWN}), second, "t3")
    assert cond(third, "Ready").lastTransitionTime == "t3"


def test_conditions_of_releases_no_longer_planned_are_dropped():
    stale = ControlPlaneStatus(conditions=[Condition(type=condition_type("horizon"),
                                                     status="True", reason="Ready",
                                                     lastTransitionTime="t0")])
    status = rollup(observe(), stale, "t1")
    assert all(c.type != "HorizonReady" for c in status.conditions)


def test_paused_says_so():
    status = rollup(observe(paused=True), ControlPlaneStatus(), "t1")
    assert status.phase is Phase.Paused
    assert cond(status, "Progressing").reason == "Paused"


def test_an_invalid_spec_sets_ready_false_with_reason_invalid_spec():
    ok = rollup(observe(), ControlPlaneStatus(), "t1")
    status = invalid_spec_status(ok, 2, "spec.services.nova.replicas.api: must be >= 0", "t2")
    ready = cond(status, "Ready")
    assert (ready.status.value, ready.reason) == ("False", "InvalidSpec")
    assert "spec.services.nova.replicas.api" in ready.message
    assert status.observedGeneration == 2 and status.services == ok.services


def test_a_change_held_by_pause_is_paused_not_degraded():
    before = rollup(observe(), ControlPlaneStatus(), "t1")
    changed = {"mariadb": deployed(MARIADB), "keystone": deployed(KEYSTONE, values={"v": 0})}
    status = rollup(observe(paused=True, deployed_=changed), before, "t2")
    assert status.services["keystone"].phase is Phase.Paused
    assert cond(status, "Degraded").status.value == "False"


def test_a_ready_release_whose_change_waits_for_a_dependency_says_so():
    before = rollup(observe(), ControlPlaneStatus(), "t1")
    changed = {"mariadb": deployed(MARIADB), "keystone": deployed(KEYSTONE, values={"v": 2})}
    waiting = Observation(
        generation=2, plan=PLAN, deployed=changed, health={"mariadb": READY, "keystone": READY},
        actions={"mariadb": Action("mariadb", Kind.wait, "up to date"),
                 "keystone": Action("keystone", Kind.wait, "change waiting for mariadb")},
        running={}, errors={})
    keystone = rollup(waiting, before, "t2").services["keystone"]
    assert keystone.phase is Phase.Degraded
    assert keystone.message == "change waiting for mariadb"


def test_a_release_that_is_not_ours_fails_its_service_saying_why():
    reason = "release keystone exists and is not managed by this control plane"
    status = rollup(observe(deployed_={"mariadb": deployed(MARIADB)},
                            actions={"keystone": Action("keystone", Kind.blocked, reason)}),
                    ControlPlaneStatus(), "t1")
    assert status.services["keystone"].phase is Phase.Failed
    assert status.services["keystone"].message == reason
    assert (cond(status, "Ready").reason, cond(status, "Ready").message) == (
        "KeystoneFailed", f"keystone: {reason}")


def test_a_release_pending_in_another_helm_is_progressing_with_the_reason_it_waits():
    pending = replace(deployed(KEYSTONE), status="pending-upgrade")
    reason = "pending-upgrade since 2026-01-01T00:00:00Z: another helm may still be running it"
    status = rollup(observe(deployed_={"mariadb": deployed(MARIADB), "keystone": pending},
                            health={"mariadb": READY, "keystone": DOWN},
                            actions={"keystone": Action("keystone", Kind.wait, reason)}),
                    ControlPlaneStatus(), "t1")
    assert status.services["keystone"].phase is Phase.Progressing
    assert status.services["keystone"].message == reason


def test_a_refused_control_plane_says_why_and_keeps_the_rest_of_its_status():
    ok = rollup(observe(), ControlPlaneStatus(), "t1")
    status = halted_status(ok, 2, "NamespaceTaken", "namespace ns already has cloud", "t2")
    ready = cond(status, "Ready")
    assert (ready.status.value, ready.reason, ready.message) == (
        "False", "NamespaceTaken", "namespace ns already has cloud")
    assert cond(status, "Progressing").reason == "NamespaceTaken"
    assert status.phase is Phase.Failed and status.observedGeneration == 2


def test_a_failed_pass_fails_ready_with_the_error_and_leaves_services_as_last_seen():
    ok = rollup(observe(), ControlPlaneStatus(), "t1")
    status = failed_pass_status(ok, 1, "GET /api/v1/namespaces/ns/secrets: 500 InternalError: x",
                                "t2")
    ready = cond(status, "Ready")
    assert (ready.status.value, ready.reason) == ("False", "ReconcileError")
    assert ready.message.startswith("GET /api/v1/namespaces/ns/secrets: 500")
    assert ready.lastTransitionTime == "t2"
    assert cond(status, "Progressing") == cond(ok, "Progressing")
    assert status.services == ok.services and status.phase is Phase.Failed


SYNC_PULLING = ReleaseHealth((WorkloadState(
    "Job", "keystone-db-sync", ready=False, detail="is running",
    waiting="pod keystone-db-sync-x: container db-sync ImagePullBackOff: Back-off pulling "
            'image "e:1"', stuck=True),))
API_STARTING = ReleaseHealth((WorkloadState(
    "Deployment", "keystone-api", ready=False, detail="has 0/1 replicas ready",
    waiting="pod keystone-api-x not ready"),))


def test_a_running_install_says_what_its_hooks_wait_on_in_vain():
    status = rollup(observe(running={"keystone": Kind.install},
                            health={"mariadb": READY, "keystone": SYNC_PULLING}),
                    ControlPlaneStatus(), "t1")
    assert status.services["keystone"].message == (
        "helm install in progress: Job/keystone-db-sync is running: pod keystone-db-sync-x: "
        'container db-sync ImagePullBackOff: Back-off pulling image "e:1"')
    assert cond(status, "Ready").message == f"keystone: {status.services['keystone'].message}"


def test_a_running_install_does_not_name_pods_only_not_ready_yet():
    status = rollup(observe(running={"keystone": Kind.install},
                            health={"mariadb": READY, "keystone": API_STARTING}),
                    ControlPlaneStatus(), "t1")
    assert status.services["keystone"].message == "helm install in progress"


def test_a_waiting_workload_says_why_in_the_service_message():
    before = rollup(observe(), ControlPlaneStatus(), "t1")
    after = rollup(observe(health={"mariadb": READY, "keystone": API_STARTING}), before, "t2")
    assert after.services["keystone"].message == (
        "Deployment/keystone-api has 0/1 replicas ready: pod keystone-api-x not ready")
