"""Simulated controllers: readiness after delays, rollouts, Jobs, PVCs, pausing."""

from __future__ import annotations

import time

from .support import Http, deployment, wait_for


def deploy_path(ns: str, name: str = "") -> str:
    return f"/apis/apps/v1/namespaces/{ns}/deployments" + (f"/{name}" if name else "")


def is_available(obj: dict) -> bool:
    status = obj.get("status") or {}
    conditions = {c["type"]: c["status"] for c in status.get("conditions") or []}
    return (
        conditions.get("Available") == "True"
        and status.get("observedGeneration") == obj["metadata"]["generation"]
        and status.get("readyReplicas") == obj["spec"]["replicas"]
    )


def test_deployment_becomes_available_after_the_workload_delay(
    http: Http, namespace: str, sim
) -> None:
    sim.workload_delay = 0.3
    began = time.monotonic()
    http.post(deploy_path(namespace), deployment("web", replicas=2))
    assert not is_available(http.get(deploy_path(namespace, "web")).json())
    ready = wait_for(
        lambda: is_available(o := http.get(deploy_path(namespace, "web")).json()) and o
    )
    assert time.monotonic() - began >= 0.3
    assert ready["status"]["availableReplicas"] == 2 and ready["status"]["updatedReplicas"] == 2


def test_spec_change_makes_a_deployment_not_ready_for_the_delay(
    http: Http, namespace: str, sim
) -> None:
    sim.workload_delay = 0.05
    http.post(deploy_path(namespace), deployment("roll"))
    wait_for(lambda: is_available(http.get(deploy_path(namespace, "roll")).json()))
    sim.workload_delay = 0.3
    http.patch(deploy_path(namespace, "roll"), {"spec": {"replicas": 3}})
    time.sleep(0.1)
    assert not is_available(http.get(deploy_path(namespace, "roll")).json())
    wait_for(lambda: is_available(http.get(deploy_path(namespace, "roll")).json()))


def test_paused_controllers_leave_status_alone_until_resumed(
    http: Http, namespace: str, sim
) -> None:
    sim.workload_delay = 0.0
    sim.controllers.pause()
    http.post(deploy_path(namespace), deployment("paused"))
    time.sleep(0.2)
    assert "status" not in http.get(deploy_path(namespace, "paused")).json()
    sim.controllers.resume()
    wait_for(lambda: is_available(http.get(deploy_path(namespace, "paused")).json()))


def job(name: str) -> dict:
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name},
        "spec": {
            "template": {
                "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "i"}]}
            }
        },
    }


def job_condition(http: Http, ns: str, name: str) -> str | None:
    status = http.get(f"/apis/batch/v1/namespaces/{ns}/jobs/{name}").json().get("status") or {}
    done = [
        c["type"]
        for c in status.get("conditions") or []
        if c["type"] in ("Complete", "Failed") and c["status"] == "True"
    ]
    return done[0] if done else None


def test_job_completes_after_the_job_delay(http: Http, namespace: str, sim) -> None:
    http.post(f"/apis/batch/v1/namespaces/{namespace}/jobs", job("migrate"))
    assert wait_for(lambda: job_condition(http, namespace, "migrate")) == "Complete"
    status = http.get(f"/apis/batch/v1/namespaces/{namespace}/jobs/migrate").json()["status"]
    assert status["succeeded"] == 1 and status["completionTime"]


def test_job_matching_a_failure_rule_fails(http: Http, namespace: str, sim) -> None:
    sim.faults.fail_jobs(r"-db-sync$")
    http.post(f"/apis/batch/v1/namespaces/{namespace}/jobs", job("nova-db-sync"))
    assert wait_for(lambda: job_condition(http, namespace, "nova-db-sync")) == "Failed"


def test_statefulset_gets_bound_claims_per_template_and_ordinal(
    http: Http, namespace: str, sim
) -> None:
    sts = {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "mariadb"},
        "spec": {
            "replicas": 2,
            "serviceName": "mariadb",
            "selector": {"matchLabels": {"app": "db"}},
            "template": {
                "metadata": {"labels": {"app": "db"}},
                "spec": {"containers": [{"name": "db", "image": "m"}]},
            },
            "volumeClaimTemplates": [
                {
                    "metadata": {"name": "data"},
                    "spec": {
                        "accessModes": ["ReadWriteOnce"],
                        "resources": {"requests": {"storage": "5Gi"}},
                    },
                }
            ],
        },
    }
    http.post(f"/apis/apps/v1/namespaces/{namespace}/statefulsets", sts)
    pvcs = f"/api/v1/namespaces/{namespace}/persistentvolumeclaims"

    def bound() -> list[str]:
        items = http.get(pvcs).json()["items"]
        return sorted(
            i["metadata"]["name"] for i in items if i.get("status", {}).get("phase") == "Bound"
        )

    assert wait_for(lambda: bound() == ["data-mariadb-0", "data-mariadb-1"])
    claim = http.get(f"{pvcs}/data-mariadb-0").json()
    assert claim["status"]["capacity"] == {"storage": "5Gi"}
    assert claim["metadata"]["labels"] == {"app": "db"}
    http.delete(f"/apis/apps/v1/namespaces/{namespace}/statefulsets/mariadb")
    time.sleep(0.2)
    assert http.get(f"{pvcs}/data-mariadb-0").status_code == 200


def test_daemonset_reports_one_ready_pod_per_node(http: Http, namespace: str, sim) -> None:
    ds = {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": "agent"},
        "spec": {
            "selector": {"matchLabels": {"app": "agent"}},
            "template": {
                "metadata": {"labels": {"app": "agent"}},
                "spec": {"containers": [{"name": "a", "image": "a"}]},
            },
        },
    }
    http.post(f"/apis/apps/v1/namespaces/{namespace}/daemonsets", ds)

    def ready() -> dict | None:
        status = (
            http.get(f"/apis/apps/v1/namespaces/{namespace}/daemonsets/agent").json().get("status")
            or {}
        )
        return status if status.get("numberReady") == 1 else None

    status = wait_for(ready)
    assert status["desiredNumberScheduled"] == 1 and status["numberAvailable"] == 1


def test_a_fresh_cluster_has_a_ready_all_in_one_node(http: Http) -> None:
    node = http.get("/api/v1/nodes/kubesim-node-0").json()
    assert node["metadata"]["labels"]["openstack-compute-node"] == "enabled"
    assert {c["type"]: c["status"] for c in node["status"]["conditions"]} == {
        "Ready": "True",
        "MemoryPressure": "False",
        "DiskPressure": "False",
        "PIDPressure": "False",
    }
