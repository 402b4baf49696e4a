"""Status says why a workload waits, in the words of the pods' status; a converged control
plane's pass reads no pod.

Memcached wants one replica per host (OpenStack-Helm's required anti-affinity): with one more
replica than the cluster has nodes, one pod stays Pending and kube-scheduler says why.
"""

from __future__ import annotations

import re

import pytest

from tests.integration.operator_harness import RunningOperator, control_plane, converged

pytestmark = pytest.mark.integration

KEYSTONE_ONLY = {name: {"enabled": False} for name in ("glance", "placement", "neutron", "nova")}


def ready_nodes(client) -> int:
    nodes = client.run(client.kube.request("GET", "/api/v1/nodes"))["items"]
    return sum(any(c["type"] == "Ready" and c["status"] == "True"
                   for c in (n.get("status") or {}).get("conditions") or ()) for n in nodes)


def service(client, namespace: str, name: str, release: str) -> dict:
    body = client.get("OpenStackControlPlane", namespace, name) or {}
    return ((body.get("status") or {}).get("services") or {}).get(release) or {}


def test_a_pod_the_scheduler_cannot_place_is_named_with_its_message_in_status(
    kube, client, namespace, chart_repo, sim
):
    nodes = ready_nodes(client)
    body = control_plane("minimal.yaml", namespace, chart_repo.url, services=KEYSTONE_ONLY,
                         infrastructure={"memcached": {"replicas": nodes + 1}})
    name = body["metadata"]["name"]
    reason = (rf"pod memcached-memcached-\d+ unschedulable: 0/{nodes} nodes are available: "
              rf"{nodes} node\(s\) didn't match pod anti-affinity rules")
    expected = rf"StatefulSet/memcached-memcached has {nodes}/{nodes + 1} replicas ready: {reason}"
    with RunningOperator(str(kube.kubeconfig), namespace):
        client.apply_control_plane(body)
        # The placed pods may still be starting when the other is found unschedulable.
        memcached = client.wait_for(
            lambda: re.fullmatch(expected, (s := service(client, namespace, name, "memcached"))
                                 .get("message", "")) and s, 120,
            "memcached's placed pods Ready and the other unschedulable")
        ready = client.wait_for(
            lambda: (c := client.condition(namespace, name, "Ready"))
            and c["message"].startswith("memcached: ") and c, 60,
            "Ready to name memcached")
    assert memcached["phase"] == "Progressing"
    assert ready["status"] == "False" and ready["message"] == f"memcached: {memcached['message']}"


def test_the_reason_is_not_written_again_while_the_pod_waits_for_the_same_reason(
    kube, client, namespace, chart_repo, sim
):
    nodes = ready_nodes(client)
    body = control_plane("minimal.yaml", namespace, chart_repo.url, services=KEYSTONE_ONLY,
                         infrastructure={"memcached": {"replicas": nodes + 1}})
    name = body["metadata"]["name"]

    def stuck_on_memcached():
        status = (client.get("OpenStackControlPlane", namespace, name) or {}).get("status") or {}
        services = status.get("services") or {}
        settled = all(services.get(r, {}).get("phase") == "Ready"
                      for r in ("mariadb", "rabbitmq"))
        return settled and "unschedulable" in services.get("memcached", {}).get("message", "")

    with RunningOperator(str(kube.kubeconfig), namespace) as op:
        client.apply_control_plane(body)
        client.wait_for(stuck_on_memcached, 120, "only memcached's pod to wait")
        op.more_passes(client, namespace, name, count=1)  # settle: a pass may be under way
        before = client.get("OpenStackControlPlane", namespace, name)
        with op.recorded_requests() as requests:
            op.more_passes(client, namespace, name, count=2)
        after = client.get("OpenStackControlPlane", namespace, name)
    # The pods come from the watch cache: a pass while memcached waits asks nothing.
    assert [f"{r.method} {r.path}" for r in requests] == [], "no request, no status written"
    assert after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"]


def test_the_reason_goes_once_the_pod_is_scheduled(
    kube, client, namespace, chart_repo, sim, nodes
):
    count = ready_nodes(client)
    body = control_plane("minimal.yaml", namespace, chart_repo.url, services=KEYSTONE_ONLY,
                         infrastructure={"memcached": {"replicas": count + 1}})
    name = body["metadata"]["name"]
    with RunningOperator(str(kube.kubeconfig), namespace):
        client.apply_control_plane(body)
        client.wait_for(lambda: "unschedulable" in service(client, namespace, name, "memcached")
                        .get("message", ""), 120, "memcached's unschedulable pod")
        nodes(count + 1)
        memcached = client.wait_for(
            lambda: (s := service(client, namespace, name, "memcached")).get("phase") == "Ready"
            and s, 60, "memcached Ready once a node fits")
    assert memcached["message"] == ""


def test_a_pass_over_a_converged_control_plane_lists_no_pod(kube, client, namespace,
                                                            chart_repo, nodes):
    body = control_plane("minimal.yaml", namespace, chart_repo.url)
    nodes(body["spec"].get("infrastructure", {}).get("memcached", {}).get("replicas", 1))
    name = body["metadata"]["name"]
    # Listing, not the watch cache (whose converged pass asks nothing at all): the pass's
    # requests are there to look at.
    with converged(str(kube.kubeconfig), client, body, watch_cache=False) as op:
        op.more_passes(client, namespace, name, count=1, timeout=10)  # settle: see converged
        with op.recorded_requests() as requests:
            op.more_passes(client, namespace, name, count=1, timeout=10)
    assert requests, "the pass made its requests"
    assert [r.path for r in requests if "/pods" in r.path] == []


def test_a_running_install_says_which_hook_pod_cannot_pull_its_image(
    kube, client, namespace, chart_repo, sim
):
    image = "quay.io/airshipit/keystone:nosuch"
    sim.faults.fail_images(re.escape(image) + "$")
    services = {**KEYSTONE_ONLY,
                "keystone": {"values": {"images": {"tags": {"keystone_db_sync": image}}}}}
    body = control_plane("minimal.yaml", namespace, chart_repo.url, services=services)
    name = body["metadata"]["name"]
    with RunningOperator(str(kube.kubeconfig), namespace):
        client.apply_control_plane(body)
        keystone = client.wait_for(
            lambda: "ImagePullBackOff" in (s := service(client, namespace, name, "keystone"))
            .get("message", "") and s, 120, "keystone's install to name the pull")
    assert re.fullmatch(
        r"helm install in progress: Job/keystone-db-sync is running: pod keystone-db-sync-\S+: "
        rf'container \S+ ImagePullBackOff: Back-off pulling image "{re.escape(image)}"',
        keystone["message"]), keystone["message"]
    assert keystone["phase"] == "Progressing"
