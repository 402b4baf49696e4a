"""Workloads run Pods: named and owned as kube-controller-manager names and owns them, their
status comes from their Pods, and their Pods go when they go."""

from __future__ import annotations

import re

from .support import Http, daemonset, deployment, wait_for

RANDOM = "[bcdfghjklmnpqrstvwxz2456789]{5}"


def ok(result) -> str:
    assert result.returncode == 0, f"{result.args}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def pods(http: Http, ns: str, selector: str = "") -> list[dict]:
    params = {"labelSelector": selector} if selector else {}
    return http.get(f"/api/v1/namespaces/{ns}/pods", **params).json()["items"]


def owner(obj: dict) -> tuple[str, str]:
    ref = obj["metadata"]["ownerReferences"][0]
    assert ref["controller"] is True and ref["blockOwnerDeletion"] is True
    return ref["kind"], ref["name"]


def running(pod: dict) -> bool:
    conditions = {c["type"]: c["status"] for c in pod["status"].get("conditions") or []}
    return pod["status"]["phase"] == "Running" and conditions.get("Ready") == "True"


def statefulset(name: str, replicas: int, policy: str = "OrderedReady") -> dict:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "serviceName": name,
            "podManagementPolicy": policy,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "db", "image": "db:1"}]},
            },
            "volumeClaimTemplates": [
                {
                    "metadata": {"name": "data"},
                    "spec": {
                        "accessModes": ["ReadWriteOnce"],
                        "resources": {"requests": {"storage": "1Gi"}},
                    },
                }
            ],
        },
    }


def job(name: str, restart: str = "OnFailure") -> dict:
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name},
        "spec": {
            "backoffLimit": 2,
            "template": {
                "spec": {"restartPolicy": restart, "containers": [{"name": "c", "image": "c:1"}]}
            },
        },
    }


def test_a_deployment_runs_its_pods_through_a_replicaset(kube, http: Http, namespace: str) -> None:
    http.post(f"/apis/apps/v1/namespaces/{namespace}/deployments", deployment("web", replicas=2))
    found = wait_for(
        lambda: len(p := pods(http, namespace, "app=web")) == 2 and all(running(x) for x in p) and p
    )
    replicasets = http.get(f"/apis/apps/v1/namespaces/{namespace}/replicasets").json()["items"]
    assert len(replicasets) == 1
    rs = replicasets[0]
    pod_hash = rs["metadata"]["labels"]["pod-template-hash"]
    assert rs["metadata"]["name"] == f"web-{pod_hash}"
    assert owner(rs) == ("Deployment", "web")
    for pod in found:
        assert re.fullmatch(f"web-{pod_hash}-{RANDOM}", pod["metadata"]["name"])
        assert owner(pod) == ("ReplicaSet", rs["metadata"]["name"])
        assert pod["spec"]["nodeName"] == "kubesim-node-0"
    header, *rows = ok(kube.kubectl("get", "pods", "-n", namespace)).splitlines()
    assert header.split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert sorted(r.split()[1:4] for r in rows) == [["1/1", "Running", "0"]] * 2


def test_workload_readiness_comes_from_its_pods(http: Http, namespace: str, sim) -> None:
    sim.controllers.enable("kubelet", False)
    path = f"/apis/apps/v1/namespaces/{namespace}/deployments"
    http.post(path, deployment("slow"))
    wait_for(
        lambda: (
            pods(http, namespace, "app=slow")
            and all(p["spec"].get("nodeName") for p in pods(http, namespace, "app=slow"))
        )
    )
    status = http.get(f"{path}/slow").json()["status"]
    assert "availableReplicas" not in status and status["unavailableReplicas"] == 1
    sim.controllers.enable("kubelet", True)
    wait_for(lambda: http.get(f"{path}/slow").json()["status"].get("availableReplicas") == 1)


def test_a_new_template_rolls_the_pods_to_a_new_replicaset(http: Http, namespace: str) -> None:
    path = f"/apis/apps/v1/namespaces/{namespace}/deployments"
    http.post(path, deployment("roll", replicas=2))
    wait_for(lambda: http.get(f"{path}/roll").json()["status"].get("availableReplicas") == 2)
    http.patch(
        f"{path}/roll",
        {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "app:2"}]}}}},
        content_type="application/strategic-merge-patch+json",
    )

    def rolled() -> bool:
        d = http.get(f"{path}/roll").json()
        current = pods(http, namespace, "app=roll")
        return (
            d["status"].get("updatedReplicas") == 2
            and d["status"].get("replicas") == 2
            and d["status"].get("availableReplicas") == 2
            and len(current) == 2
            and all(p["spec"]["containers"][0]["image"] == "app:2" for p in current)
        )

    wait_for(rolled)
    d = http.get(f"{path}/roll").json()
    assert d["metadata"]["annotations"]["deployment.kubernetes.io/revision"] == "2"
    sets = {
        rs["metadata"]["name"]: rs["spec"]["replicas"]
        for rs in http.get(f"/apis/apps/v1/namespaces/{namespace}/replicasets").json()["items"]
    }
    assert sorted(sets.values()) == [0, 2]


def test_statefulset_pods_are_ordinals_with_claims_started_in_order(
    http: Http, namespace: str, sim
) -> None:
    sim.workload_delay = 0.3
    http.post(f"/apis/apps/v1/namespaces/{namespace}/statefulsets", statefulset("db", 2))
    first = wait_for(lambda: pods(http, namespace, "app=db"))
    assert [p["metadata"]["name"] for p in first] == ["db-0"]  # db-1 waits for db-0
    wait_for(lambda: len(p := pods(http, namespace, "app=db")) == 2 and all(map(running, p)))
    for ordinal, pod in enumerate(pods(http, namespace, "app=db")):
        labels = pod["metadata"]["labels"]
        assert owner(pod) == ("StatefulSet", "db")
        assert labels["statefulset.kubernetes.io/pod-name"] == f"db-{ordinal}"
        assert labels["apps.kubernetes.io/pod-index"] == str(ordinal)
        assert labels["controller-revision-hash"].startswith("db-")
        assert (pod["spec"]["hostname"], pod["spec"]["subdomain"]) == (f"db-{ordinal}", "db")
        assert {
            "name": "data",
            "persistentVolumeClaim": {"claimName": f"data-db-{ordinal}"},
        } in pod["spec"]["volumes"]
    status = http.get(f"/apis/apps/v1/namespaces/{namespace}/statefulsets/db").json()["status"]
    assert (status["readyReplicas"], status["currentReplicas"], status["updatedReplicas"]) == (
        2,
        2,
        2,
    )


def test_a_daemonset_runs_one_pod_per_matching_node(http: Http, namespace: str) -> None:
    body = daemonset("ovs", {"openvswitch": "enabled"})
    http.post(f"/apis/apps/v1/namespaces/{namespace}/daemonsets", body)
    pod = wait_for(lambda: [p for p in pods(http, namespace, "app=ovs") if running(p)])[0]
    assert re.fullmatch(f"ovs-{RANDOM}", pod["metadata"]["name"])
    assert owner(pod) == ("DaemonSet", "ovs")
    affinity = pod["spec"]["affinity"]["nodeAffinity"]
    assert affinity["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"] == [
        {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["kubesim-node-0"]}]}
    ]
    status = wait_for(
        lambda: (
            (
                s := http.get(f"/apis/apps/v1/namespaces/{namespace}/daemonsets/ovs").json()[
                    "status"
                ]
            ).get("numberReady")
            == 1
            and s
        )
    )
    assert (status["desiredNumberScheduled"], status["updatedNumberScheduled"]) == (1, 1)


def test_a_job_completes_from_its_pod(http: Http, namespace: str) -> None:
    http.post(f"/apis/batch/v1/namespaces/{namespace}/jobs", job("migrate"))
    wait_for(
        lambda: (
            http.get(f"/apis/batch/v1/namespaces/{namespace}/jobs/migrate")
            .json()
            .get("status", {})
            .get("succeeded")
            == 1
        )
    )
    (pod,) = pods(http, namespace, "job-name=migrate")
    assert re.fullmatch(f"migrate-{RANDOM}", pod["metadata"]["name"])
    assert owner(pod) == ("Job", "migrate")
    terminated = pod["status"]["containerStatuses"][0]["state"]["terminated"]
    assert (pod["status"]["phase"], terminated["exitCode"], terminated["reason"]) == (
        "Succeeded",
        0,
        "Completed",
    )


def test_a_job_matching_a_failure_rule_fails_with_its_pod(http: Http, namespace: str, sim) -> None:
    sim.faults.fail_jobs(r"^broken$")
    http.post(f"/apis/batch/v1/namespaces/{namespace}/jobs", job("broken", restart="Never"))
    status = wait_for(
        lambda: (
            (
                s := http.get(f"/apis/batch/v1/namespaces/{namespace}/jobs/broken")
                .json()
                .get("status", {})
            ).get("conditions")
            and s
        )
    )
    assert [c["type"] for c in status["conditions"]] == ["FailureTarget", "Failed"]
    assert status["failed"] == 3  # backoffLimit + 1: the retries are not run one by one
    (pod,) = pods(http, namespace, "job-name=broken")
    assert pod["status"]["phase"] == "Failed"


def test_deleting_a_workload_collects_its_pods(http: Http, namespace: str) -> None:
    path = f"/apis/apps/v1/namespaces/{namespace}/deployments"
    http.post(path, deployment("gone", replicas=2))
    wait_for(lambda: len(pods(http, namespace, "app=gone")) == 2)
    http.delete(f"{path}/gone")
    wait_for(lambda: not pods(http, namespace, "app=gone"))
    assert http.get(f"/apis/apps/v1/namespaces/{namespace}/replicasets").json()["items"] == []


def test_deleting_a_job_without_a_policy_orphans_its_pods_with_a_warning(
    http: Http, namespace: str
) -> None:
    path = f"/apis/batch/v1/namespaces/{namespace}/jobs"
    http.post(path, job("keep"))
    wait_for(lambda: pods(http, namespace, "job-name=keep"))
    response = http.delete(f"{path}/keep")
    assert (
        "child pods are preserved by default when jobs are deleted" in response.headers["Warning"]
    )
    wait_for(lambda: http.get(f"{path}/keep").status_code == 404)
    (pod,) = pods(http, namespace, "job-name=keep")
    assert "ownerReferences" not in pod["metadata"]
    http.post(path, job("drop"))
    wait_for(lambda: pods(http, namespace, "job-name=drop"))
    http.delete(f"{path}/drop", {"propagationPolicy": "Background"})
    wait_for(lambda: not pods(http, namespace, "job-name=drop"))


def test_pods_orphaned_by_a_statefulset_are_adopted_by_its_successor(
    http: Http, namespace: str
) -> None:
    path = f"/apis/apps/v1/namespaces/{namespace}/statefulsets"
    http.post(path, statefulset("mq", 2, "Parallel"))
    before = wait_for(
        lambda: len(p := pods(http, namespace, "app=mq")) == 2 and all(map(running, p)) and p
    )
    http.delete(f"{path}/mq", {"propagationPolicy": "Orphan"})
    wait_for(lambda: http.get(f"{path}/mq").status_code == 404)
    http.post(path, statefulset("mq", 2, "Parallel"))

    def adopted() -> list[dict]:
        found = pods(http, namespace, "app=mq")
        return all(p["metadata"].get("ownerReferences") for p in found) and found

    after = wait_for(adopted)
    assert [p["metadata"]["uid"] for p in after] == [p["metadata"]["uid"] for p in before]


def test_kubectl_get_pods_wide_adds_ip_and_node(kube, http: Http, namespace: str) -> None:
    http.post(f"/apis/apps/v1/namespaces/{namespace}/deployments", deployment("wide"))
    wait_for(lambda: any(map(running, pods(http, namespace, "app=wide"))))
    header, row = ok(kube.kubectl("get", "pods", "-n", namespace, "-o", "wide")).splitlines()
    assert header.split()[:7] == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE"]
    assert row.split()[6] == "kubesim-node-0"
    assert re.fullmatch(r"10\.244\.\d+\.\d+", row.split()[5])


def test_a_rolling_deployment_keeps_its_old_pod_until_the_new_one_is_ready(
    http: Http, namespace: str, sim
) -> None:
    path = f"/apis/apps/v1/namespaces/{namespace}/deployments"
    http.post(path, deployment("surge"))
    wait_for(lambda: http.get(f"{path}/surge").json()["status"].get("availableReplicas") == 1)
    sim.workload_delay = 1.0
    http.patch(
        f"{path}/surge",
        {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "app:2"}]}}}},
        content_type="application/strategic-merge-patch+json",
    )

    def surging() -> dict | None:
        d = http.get(f"{path}/surge").json()
        status = d["status"]
        rolled = status.get("observedGeneration") == d["metadata"]["generation"]
        return status if rolled and status.get("updatedReplicas") == 1 else None

    # maxSurge 25% of 1 rounds up to 1, maxUnavailable rounds down to 0: the old pod stays
    # available while the new one starts, so these counts alone do not say "rolled out".
    status = wait_for(surging)
    assert (status["replicas"], status["updatedReplicas"], status["availableReplicas"]) == (2, 1, 1)
    assert {c["type"]: c["status"] for c in status["conditions"]}["Available"] == "True"
    wait_for(lambda: http.get(f"{path}/surge").json()["status"].get("replicas") == 1)


def test_a_statefulset_reports_no_updated_replicas_until_a_pod_is_updated(
    http: Http, namespace: str
) -> None:
    path = f"/apis/apps/v1/namespaces/{namespace}/statefulsets"
    sts = statefulset("held", 2, "Parallel")
    sts["spec"]["updateStrategy"] = {"type": "OnDelete"}
    http.post(path, sts)
    wait_for(lambda: http.get(f"{path}/held").json()["status"].get("readyReplicas") == 2)
    http.patch(
        f"{path}/held",
        {"spec": {"template": {"spec": {"containers": [{"name": "db", "image": "db:2"}]}}}},
        content_type="application/strategic-merge-patch+json",
    )

    def observed() -> dict | None:
        d = http.get(f"{path}/held").json()
        status = d["status"]
        return status if status.get("observedGeneration") == d["metadata"]["generation"] else None

    status = wait_for(observed)
    assert status["updateRevision"] != status["currentRevision"]
    # Zero is omitted from the JSON, as kube-controller-manager's status is.
    assert "updatedReplicas" not in status
    assert (status["readyReplicas"], status["currentReplicas"]) == (2, 2)


def test_a_replicaset_name_taken_by_another_counts_a_collision(http: Http, namespace: str) -> None:
    path = f"/apis/apps/v1/namespaces/{namespace}/deployments"
    sets = f"/apis/apps/v1/namespaces/{namespace}/replicasets"
    http.post(path, deployment("clash"))
    (taken,) = wait_for(lambda: http.get(sets).json()["items"])
    http.delete(f"{path}/clash", {"propagationPolicy": "Orphan"})
    wait_for(lambda: http.get(f"{path}/clash").status_code == 404)
    # The orphan no longer matches the selector: the new Deployment cannot adopt it.
    http.patch(f"{sets}/{taken['metadata']['name']}", {"metadata": {"labels": {"app": None}}})
    http.post(path, deployment("clash"))
    status = wait_for(
        lambda: (
            (s := http.get(f"{path}/clash").json().get("status", {})).get("availableReplicas") == 1
            and s
        )
    )
    assert status["collisionCount"] == 1
    names = sorted(rs["metadata"]["name"] for rs in http.get(sets).json()["items"])
    assert len(names) == 2 and taken["metadata"]["name"] in names


def test_a_pod_whose_image_cannot_be_pulled_waits_in_image_pull_back_off(
    http: Http, namespace: str, sim
) -> None:
    sim.faults.fail_images(r":nosuch$")
    http.post(f"/apis/apps/v1/namespaces/{namespace}/deployments",
              deployment("pull", image="registry.example/app:nosuch"))
    (pod,) = wait_for(lambda: (p := pods(http, namespace, "app=pull"))
                      and p[0]["status"].get("containerStatuses") and p)
    status = pod["status"]
    assert status["phase"] == "Pending"
    assert status["containerStatuses"][0]["state"] == {"waiting": {
        "reason": "ImagePullBackOff",
        "message": 'Back-off pulling image "registry.example/app:nosuch"'}}
    ready = next(c for c in status["conditions"] if c["type"] == "Ready")
    assert (ready["status"], ready["reason"]) == ("False", "ContainersNotReady")
    sim.call(sim.controllers.resync)
    deployment_status = http.get(
        f"/apis/apps/v1/namespaces/{namespace}/deployments/pull").json()["status"]
    assert deployment_status.get("readyReplicas", 0) == 0


def test_an_init_container_that_cannot_be_pulled_holds_the_others_in_pod_initializing(
    http: Http, namespace: str, sim
) -> None:
    sim.faults.fail_images(r"entrypoint:nosuch$")
    body = job("init-pull")
    body["spec"]["template"]["spec"]["initContainers"] = [
        {"name": "init", "image": "entrypoint:nosuch"}]
    http.post(f"/apis/batch/v1/namespaces/{namespace}/jobs", body)
    (pod,) = wait_for(lambda: (p := pods(http, namespace, "job-name=init-pull"))
                      and p[0]["status"].get("initContainerStatuses") and p)
    status = pod["status"]
    assert status["initContainerStatuses"][0]["state"]["waiting"]["reason"] == "ImagePullBackOff"
    assert status["containerStatuses"][0]["state"] == {"waiting": {"reason": "PodInitializing"}}
    initialized = next(c for c in status["conditions"] if c["type"] == "Initialized")
    assert (initialized["status"], initialized["reason"]) == ("False", "ContainersNotInitialized")
    job_status = http.get(f"/apis/batch/v1/namespaces/{namespace}/jobs/init-pull").json()
    assert not job_status["status"].get("conditions")
