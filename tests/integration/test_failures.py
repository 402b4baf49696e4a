"""Failures are reported where people look, retried with a back-off that a spec fix cuts short,
and nothing hangs: not a pass on a stalled API server, not a helm that never ends."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from osprey.kube import Kube, KubeError, resource
from tests.integration.operator_harness import RunningOperator, control_plane

pytestmark = pytest.mark.integration

# Keystone on MariaDB, RabbitMQ and Memcached: the smallest control plane that runs hooks.
KEYSTONE_ONLY = {"services": {name: {"enabled": False}
                              for name in ("glance", "placement", "neutron", "nova")}}
HELM_STORAGE_LIST = r"/secrets\?.*owner%3Dhelm"


def small_control_plane(namespace, chart_repo, **spec):
    return control_plane("minimal.yaml", namespace, chart_repo.url, **(KEYSTONE_ONLY | spec))


def ready_condition(client, namespace, name):
    return client.condition(namespace, name, "Ready") or {}


def events(client, namespace, name, reason):
    return [e for e in client.list("Event", namespace)
            if e["involvedObject"].get("name") == name and e["reason"] == reason]


def helm_processes(namespace: str, *words: str) -> list[str]:
    """Command lines of running helm processes for the namespace that name all `words`."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            argv = cmdline.read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        if argv and argv[0].endswith("helm") and namespace in argv and all(
                w in argv for w in words):
            found.append(" ".join(argv))
    return found


def test_a_failing_pass_reports_reconcile_error_once_and_recovers(
    kube, sim, client, namespace, chart_repo
):
    body = small_control_plane(namespace, chart_repo)
    name = body["metadata"]["name"]
    sim.faults.fail("GET", rf"/namespaces/{namespace}{HELM_STORAGE_LIST}", status=500,
                    count=None, message="etcdserver: leader changed")
    with RunningOperator(str(kube.kubeconfig), namespace) as op:
        client.apply_control_plane(body)
        failed = client.wait_for(
            lambda: (c := ready_condition(client, namespace, name)).get("reason")
            == "ReconcileError" and c, 60, "Ready=False with reason ReconcileError")
        assert failed["status"] == "False"
        assert failed["message"].startswith(f"GET /api/v1/namespaces/{namespace}/secrets")
        assert "500" in failed["message"] and "etcdserver: leader changed" in failed["message"]
        assert "\n" not in failed["message"]

        plane = op.runtime.control_planes[(namespace, name)]
        client.wait_for(lambda: plane.failures.count >= 3, 60, "three failed passes")
        client.wait_for(lambda: events(client, namespace, name, "ReconcileError"), 30,
                        "the ReconcileError Event")
        assert len(events(client, namespace, name, "ReconcileError")) == 1
        assert op.helm.of(namespace) == []

        sim.faults.clear()
        client.wait_ready(namespace, name)


def test_a_new_generation_is_tried_at_once_despite_the_back_off(
    kube, sim, client, namespace, chart_repo
):
    body = small_control_plane(namespace, chart_repo)
    name = body["metadata"]["name"]
    sim.faults.fail("GET", rf"/namespaces/{namespace}{HELM_STORAGE_LIST}", status=500,
                    count=None)
    # A back-off far longer than this test may take: only the new generation can cut it.
    with RunningOperator(str(kube.kubeconfig), namespace, retry_base_seconds=600.0,
                         retry_max_seconds=900.0) as op:
        client.apply_control_plane(body)
        client.wait_for(
            lambda: ready_condition(client, namespace, name).get("reason") == "ReconcileError",
            60, "Ready=False with reason ReconcileError")
        plane = op.runtime.control_planes[(namespace, name)]
        assert plane.failures.retry_in() > 300
        sim.faults.clear()

        client.patch_spec(namespace, name, {"region": "RegionTwo"})
        ready = client.wait_ready(namespace, name, timeout=180)
    assert ready["metadata"]["generation"] == 2


def test_a_spec_fix_of_a_failing_release_is_tried_at_once(kube, client, namespace, chart_repo):
    body = small_control_plane(namespace, chart_repo, charts={
        "repository": chart_repo.url, "versions": {"keystone": "9.9.9"}})
    name = body["metadata"]["name"]
    with RunningOperator(str(kube.kubeconfig), namespace, retry_base_seconds=600.0,
                         retry_max_seconds=900.0) as op:
        client.apply_control_plane(body)

        def keystone_failed():
            status = (client.get("OpenStackControlPlane", namespace, name) or {}).get("status")
            return "9.9.9" in ((status or {}).get("services", {}).get("keystone") or {}).get(
                "lastError", "")

        client.wait_for(keystone_failed, 120, "keystone's helm upgrade to fail on 9.9.9")
        plane = op.runtime.control_planes[(namespace, name)]
        assert plane.operations.next_retry_in() > 300

        client.patch_spec(namespace, name, {"charts": {"versions": {"keystone": None}}})
        ready = client.wait_ready(namespace, name, timeout=180)
    assert ready["status"]["services"]["keystone"]["lastError"] == ""
    keystone = [o.ok for o in op.helm.of(namespace) if o.release == "keystone"]
    assert keystone == [False, True]


def test_a_hung_helm_is_killed_at_its_deadline_and_its_release_recovered(
    kube, sim, client, namespace, chart_repo
):
    body = small_control_plane(namespace, chart_repo)
    name = body["metadata"]["name"]
    # The API server takes the first StatefulSet (helm applies it server-side) and does not
    # answer in time, then refuses it.
    statefulsets = rf"/namespaces/{namespace}/statefulsets/"
    sim.faults.delay("PATCH", statefulsets, 90, count=1)
    sim.faults.fail("PATCH", statefulsets, status=503, count=1)
    with RunningOperator(str(kube.kubeconfig), namespace, helm_timeout="20s",
                         helm_deadline_seconds=12.0) as op:
        client.apply_control_plane(body)

        def killed():
            status = (client.get("OpenStackControlPlane", namespace, name) or {}).get("status")
            return next(((n, s["lastError"]) for n, s in (status or {}).get(
                "services", {}).items() if "killed" in s.get("lastError", "")), None)

        release, error = client.wait_for(killed, 90, "a release whose helm was killed")
        assert "did not finish within 12s (helm --timeout 20s)" in error
        assert helm_processes(namespace, "upgrade", release) == []

        ready = client.wait_ready(namespace, name, timeout=180)
    assert ready["status"]["services"][release]["phase"] == "Ready"
    assert all(o.operation != "uninstall" for o in op.helm.of(namespace))


def test_a_stalled_api_request_times_out_naming_the_request(kube, sim, namespace):
    sim.faults.delay("GET", rf"/namespaces/{namespace}/configmaps", 5)
    stalled_kube = Kube.from_kubeconfig(str(kube.kubeconfig), timeout=0.5)
    with pytest.raises(KubeError) as stalled:
        asyncio.run(stalled_kube.list(resource("ConfigMap"), namespace))
    assert (stalled.value.status, stalled.value.reason) == (0, "Timeout")
    assert stalled.value.describe().startswith(
        f"GET /api/v1/namespaces/{namespace}/configmaps: Timeout: ")
