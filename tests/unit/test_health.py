"""Readiness of a release from its workloads."""

from osprey.health import release_health, workload_state
from osprey.releases import DeployedRelease


def deployment(name, replicas=1, available=1, generation=1, observed=1, updated=None):
    return {
        "kind": "Deployment",
        "metadata": {"name": name, "generation": generation},
        "spec": {"replicas": replicas},
        "status": {
            "observedGeneration": observed,
            "availableReplicas": available,
            "updatedReplicas": available if updated is None else updated,
        },
    }


def job(name, condition=None, message=""):
    status = {"conditions": [{"type": condition, "status": "True", "message": message}]} if condition else {}
    return {"kind": "Job", "metadata": {"name": name}, "status": status}


def release(manifest=(), hooks=()):
    return DeployedRelease(
        name="keystone", namespace="ns", revision=1, status="deployed", chart="keystone",
        version="1", values={}, manifest=tuple(manifest), hooks=tuple(hooks),
    )


HOOK = {"kind": "Job", "metadata": {"name": "keystone-db-sync",
                                    "annotations": {"helm.sh/hook": "post-install,post-upgrade"}}}
API = {"kind": "Deployment", "metadata": {"name": "keystone-api"}}


def test_a_deployment_with_all_replicas_available_is_ready():
    assert workload_state("Deployment", "d", deployment("d", 3, 3), hook=False).ready


def test_a_deployment_short_of_replicas_is_not_ready_and_says_how_many():
    state = workload_state("Deployment", "d", deployment("d", 3, 1), hook=False)
    assert not state.ready and "1/3" in state.detail


def test_a_rollout_not_yet_observed_is_not_ready():
    assert not workload_state("Deployment", "d", deployment("d", generation=2), hook=False).ready


def test_a_failed_job_is_failed_and_carries_its_reason():
    state = workload_state("Job", "j", job("j", "Failed", "BackoffLimitExceeded"), hook=False)
    assert state.failed and "BackoffLimitExceeded" in state.detail


def test_a_hook_job_removed_after_success_counts_as_done():
    assert workload_state("Job", "j", None, hook=True).ready


def test_a_missing_manifest_workload_is_missing():
    assert workload_state("Deployment", "d", None, hook=False).missing


def test_release_health_counts_manifest_workloads_and_install_hooks():
    live = {("Deployment", "keystone-api"): deployment("keystone-api"),
            ("Job", "keystone-db-sync"): job("keystone-db-sync", "Complete")}
    health = release_health(release([API], [HOOK]), live)
    assert (health.ready, health.desired) == (2, 2) and health.is_ready


def test_test_hooks_do_not_count():
    test_hook = {"kind": "Job", "metadata": {"name": "keystone-test",
                                             "annotations": {"helm.sh/hook": "test"}}}
    health = release_health(release([API], [test_hook]), {("Deployment", "keystone-api"): deployment("keystone-api")})
    assert health.desired == 1


def test_the_message_names_the_waiting_workloads():
    health = release_health(release([API], [HOOK]), {("Job", "keystone-db-sync"): job("keystone-db-sync")})
    assert "Deployment/keystone-api is missing" in health.message
    assert "Job/keystone-db-sync is running" in health.message


def test_a_deployment_mid_rollout_is_not_ready_while_an_old_pod_serves():
    # kube-controller-manager's status while the new pod starts and the old one still serves.
    mid = deployment("d", replicas=1, available=1, updated=1)
    mid["status"]["replicas"] = 2
    state = workload_state("Deployment", "d", mid, hook=False)
    assert not state.ready and "1 old replica" in state.detail


def statefulset(replicas=2, ready=2, updated=None, current="sts-a", update="sts-a",
                strategy=None):
    status = {"observedGeneration": 1, "replicas": replicas, "readyReplicas": ready,
              "currentRevision": current, "updateRevision": update}
    if updated:  # kube omits updatedReplicas while it is 0
        status["updatedReplicas"] = updated
    spec = {"replicas": replicas}
    if strategy:
        spec["updateStrategy"] = {"type": strategy}
    return {"kind": "StatefulSet", "metadata": {"name": "sts", "generation": 1},
            "spec": spec, "status": status}


def test_a_statefulset_whose_pods_all_run_the_new_revision_is_ready():
    assert workload_state("StatefulSet", "sts", statefulset(updated=2), hook=False).ready


def test_a_statefulset_with_no_pod_updated_yet_is_not_ready():
    rolling = statefulset(updated=None, current="sts-a", update="sts-b")
    state = workload_state("StatefulSet", "sts", rolling, hook=False)
    assert not state.ready and "0/2 replicas updated" in state.detail


def test_an_on_delete_statefulset_is_ready_on_its_old_revision():
    # With OnDelete, pods move to a new revision only when someone deletes them.
    on_delete = statefulset(updated=None, current="sts-a", update="sts-b", strategy="OnDelete")
    assert workload_state("StatefulSet", "sts", on_delete, hook=False).ready
