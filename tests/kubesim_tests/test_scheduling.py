"""The scheduler and the nodes: nodeSelector, required pod anti-affinity, taints, cordons;
Pending pods with kube-scheduler's FailedScheduling events; nodes changed through the API."""

from __future__ import annotations

import time

from tests.kubesim import Simulator

from .support import Http, daemonset, wait_for

ANTI_AFFINITY = {
    "podAntiAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": [
            {
                "labelSelector": {"matchLabels": {"app": "db"}},
                "topologyKey": "kubernetes.io/hostname",
            }
        ]
    }
}


def ok(result) -> str:
    assert result.returncode == 0, f"{result.args}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def statefulset(name: str, replicas: int, **pod_spec) -> dict:
    labels = {"app": name}
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "serviceName": name,
            "podManagementPolicy": "Parallel",
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {"containers": [{"name": "c", "image": "c:1"}], **pod_spec},
            },
        },
    }


def pod(name: str, **spec) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {"app": name}},
        "spec": {"containers": [{"name": "c", "image": "c:1"}], **spec},
    }


def get_pod(http: Http, ns: str, name: str) -> dict:
    return http.get(f"/api/v1/namespaces/{ns}/pods/{name}").json()


def scheduled(pod_obj: dict) -> dict | None:
    return next(
        (
            c
            for c in pod_obj.get("status", {}).get("conditions") or []
            if c["type"] == "PodScheduled"
        ),
        None,
    )


def unschedulable(http: Http, ns: str, name: str) -> dict:
    def check() -> dict | None:
        cond = scheduled(get_pod(http, ns, name))
        return cond if cond and cond["status"] == "False" else None

    return wait_for(check)


def events_of(http: Http, ns: str, name: str) -> list[dict]:
    selector = f"involvedObject.kind=Pod,involvedObject.name={name}"
    return http.get(f"/api/v1/namespaces/{ns}/events", fieldSelector=selector).json()["items"]


def test_a_pod_whose_node_selector_matches_no_node_stays_pending_with_one_event(
    http: Http, namespace: str, sim
) -> None:
    http.post(f"/api/v1/namespaces/{namespace}/pods", pod("lost", nodeSelector={"gpu": "yes"}))
    cond = unschedulable(http, namespace, "lost")
    message = (
        "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. "
        "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."
    )
    assert (cond["reason"], cond["message"]) == ("Unschedulable", message)
    found = get_pod(http, namespace, "lost")
    assert found["status"]["phase"] == "Pending" and "nodeName" not in found["spec"]
    sim.call(sim.controllers.resync)  # an informer resync: the pod is tried again
    time.sleep(0.2)
    (event,) = events_of(http, namespace, "lost")
    assert (event["type"], event["reason"], event["message"]) == (
        "Warning",
        "FailedScheduling",
        message,
    )
    assert event["reportingComponent"] == "default-scheduler"


def test_required_anti_affinity_keeps_the_second_replica_pending_on_one_node(
    kube, http: Http, namespace: str
) -> None:
    sts = statefulset("db", 2, affinity=ANTI_AFFINITY)
    http.post(f"/apis/apps/v1/namespaces/{namespace}/statefulsets", sts)
    wait_for(lambda: get_pod(http, namespace, "db-0").get("status", {}).get("phase") == "Running")
    cond = unschedulable(http, namespace, "db-1")
    assert cond["message"] == (
        "0/1 nodes are available: 1 node(s) didn't match pod anti-affinity rules. "
        "preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod."
    )
    time.sleep(0.3)
    status = http.get(f"/apis/apps/v1/namespaces/{namespace}/statefulsets/db").json()["status"]
    assert (status["replicas"], status.get("readyReplicas")) == (2, 1)
    described = ok(kube.kubectl("describe", "pod", "db-1", "-n", namespace))
    assert "FailedScheduling" in described and "didn't match pod anti-affinity rules" in described


def test_anti_affinity_spreads_replicas_over_the_nodes_there_are(
    http: Http, namespace: str, sim
) -> None:
    sim.add_node("kubesim-node-1")
    sts = statefulset("db", 2, affinity=ANTI_AFFINITY)
    http.post(f"/apis/apps/v1/namespaces/{namespace}/statefulsets", sts)

    def placed() -> list[str]:
        nodes = [
            get_pod(http, namespace, f"db-{i}").get("spec", {}).get("nodeName") for i in range(2)
        ]
        return all(nodes) and sorted(nodes)

    assert wait_for(placed) == ["kubesim-node-0", "kubesim-node-1"]


def test_a_pending_pod_is_scheduled_once_a_node_is_labelled_to_fit(
    kube, http: Http, namespace: str, sim
) -> None:
    http.post(f"/api/v1/namespaces/{namespace}/pods", pod("waits", nodeSelector={"gpu": "yes"}))
    unschedulable(http, namespace, "waits")
    ok(kube.kubectl("label", "node", "kubesim-node-0", "gpu=yes"))
    wait_for(lambda: get_pod(http, namespace, "waits")["spec"].get("nodeName") == "kubesim-node-0")


def test_untolerated_taints_keep_pods_off_a_node_and_tolerations_let_them_on(
    kube, http: Http, namespace: str, sim
) -> None:
    ok(kube.kubectl("taint", "node", "kubesim-node-0", "dedicated=ceph:NoSchedule"))
    http.post(f"/api/v1/namespaces/{namespace}/pods", pod("plain"))
    cond = unschedulable(http, namespace, "plain")
    assert cond["message"].startswith(
        "0/1 nodes are available: 1 node(s) had untolerated taint {dedicated: ceph}. "
    )
    tolerated = pod(
        "ceph",
        tolerations=[
            {"key": "dedicated", "operator": "Equal", "value": "ceph", "effect": "NoSchedule"}
        ],
    )
    http.post(f"/api/v1/namespaces/{namespace}/pods", tolerated)
    wait_for(lambda: get_pod(http, namespace, "ceph")["spec"].get("nodeName"))
    ok(kube.kubectl("taint", "node", "kubesim-node-0", "dedicated=ceph:NoSchedule-"))
    wait_for(lambda: get_pod(http, namespace, "plain")["spec"].get("nodeName"))


def test_a_cordoned_node_takes_no_new_pods(kube, http: Http, namespace: str, sim) -> None:
    ok(kube.kubectl("cordon", "kubesim-node-0"))
    http.post(f"/api/v1/namespaces/{namespace}/pods", pod("cordoned"))
    cond = unschedulable(http, namespace, "cordoned")
    assert cond["message"].startswith("0/1 nodes are available: 1 node(s) were unschedulable.")
    _, row = ok(kube.kubectl("get", "node", "kubesim-node-0")).splitlines()
    assert row.split()[1] == "Ready,SchedulingDisabled"
    ok(kube.kubectl("uncordon", "kubesim-node-0"))
    wait_for(lambda: get_pod(http, namespace, "cordoned")["spec"].get("nodeName"))


def test_daemonsets_follow_the_nodes_and_their_labels(
    kube, http: Http, namespace: str, sim
) -> None:
    ds = daemonset("agent", {"openstack-compute-node": "enabled"})
    http.post(f"/apis/apps/v1/namespaces/{namespace}/daemonsets", ds)
    path = f"/apis/apps/v1/namespaces/{namespace}/daemonsets/agent"

    def ready(count: int) -> bool:
        status = http.get(path).json().get("status", {})
        return status.get("desiredNumberScheduled") == count and status.get("numberReady") == count

    def nodes_with_pods() -> list[str]:
        items = http.get(f"/api/v1/namespaces/{namespace}/pods", labelSelector="app=agent")
        return sorted(p["spec"].get("nodeName", "") for p in items.json()["items"])

    wait_for(lambda: ready(1))
    sim.add_node("kubesim-node-1")
    wait_for(lambda: ready(2))
    assert nodes_with_pods() == ["kubesim-node-0", "kubesim-node-1"]
    ok(kube.kubectl("label", "node", "kubesim-node-1", "openstack-compute-node-"))
    wait_for(lambda: ready(1) and nodes_with_pods() == ["kubesim-node-0"])


def test_pods_of_a_removed_node_are_deleted(http: Http, namespace: str, sim) -> None:
    sim.add_node("kubesim-node-1", labels={"role": "spare"})
    http.post(f"/api/v1/namespaces/{namespace}/pods", pod("spare", nodeSelector={"role": "spare"}))
    wait_for(lambda: get_pod(http, namespace, "spare")["spec"].get("nodeName") == "kubesim-node-1")
    sim.remove_node("kubesim-node-1")
    wait_for(lambda: http.get(f"/api/v1/namespaces/{namespace}/pods/spare").status_code == 404)


def test_nodes_are_a_setting_of_the_simulator() -> None:
    nodes = [
        {"name": "control", "labels": {"openstack-control-plane": "enabled"}},
        {
            "name": "compute",
            "labels": {"openstack-compute-node": "enabled"},
            "taints": [{"key": "compute", "value": "only", "effect": "NoSchedule"}],
        },
    ]
    with Simulator(nodes=nodes) as sim:
        http = Http(sim.url)
        listed = http.get("/api/v1/nodes").json()["items"]
        by_name = {n["metadata"]["name"]: n for n in listed}
        assert sorted(by_name) == ["compute", "control"]
        assert by_name["control"]["metadata"]["labels"]["kubernetes.io/hostname"] == "control"
        assert "openstack-compute-node" not in by_name["control"]["metadata"]["labels"]
        assert by_name["compute"]["spec"]["taints"] == nodes[1]["taints"]
    with Simulator(nodes=3) as sim:
        names = [n["metadata"]["name"] for n in Http(sim.url).get("/api/v1/nodes").json()["items"]]
        assert names == ["kubesim-node-0", "kubesim-node-1", "kubesim-node-2"]
