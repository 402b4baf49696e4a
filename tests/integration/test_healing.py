"""Heal and scale: the spec is kept, whatever happens to the objects underneath."""

from __future__ import annotations

import json
import signal
import subprocess
import time

import pytest

from osprey import catalog
from osprey.api import validate_spec
from osprey.kube import resource
from osprey.plan import plan
from osprey.secrets import ensure_credentials, secret_name
from tests.integration.operator_harness import HELM, RunningOperator, control_plane

pytestmark = pytest.mark.integration


def converge(kube, client, namespace, chart_repo, sample="minimal.yaml", **spec):
    body = control_plane(sample, namespace, chart_repo.url, **spec)
    client.apply_control_plane(body)
    client.wait_ready(namespace, body["metadata"]["name"])
    return body["metadata"]["name"]


def helm_operations_since(op, namespace, start):
    return [(o.release, o.operation) for o in op.helm.of(namespace)[start:]]


def kill_helm_when_pending(kube, client, namespace, release, status, args):
    """Run helm as the operator would, and SIGKILL it once the release is left `status`
    (what happens to helm when the operator's pod is killed)."""
    helm = subprocess.Popen([HELM, *args, "--namespace", namespace], env=kube.env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        client.wait_for(lambda: client.list("Secret", namespace,
                                            f"owner=helm,name={release},status={status}"),
                        30, f"{release} to be {status}")
    finally:
        helm.send_signal(signal.SIGKILL)
        helm.wait()


def heals(op, reason):
    return op.runtime.metrics.registry.get_sample_value("osprey_heals_total",
                                                        {"reason": reason}) or 0


def test_a_deleted_deployment_is_restored_without_helm(kube, client, namespace, chart_repo):
    with RunningOperator(str(kube.kubeconfig), namespace) as op:
        name = converge(kube, client, namespace, chart_repo)
        before = len(op.helm.of(namespace))
        uid = client.get("Deployment", namespace, "keystone-api")["metadata"]["uid"]

        client.delete("Deployment", namespace, "keystone-api")
        restored = client.wait_for(
            lambda: (d := client.get("Deployment", namespace, "keystone-api"))
            and d["metadata"]["uid"] != uid and d,
            30, "keystone-api to be re-created")
        ready = client.wait_ready(namespace, name)

        assert helm_operations_since(op, namespace, before) == []
        assert restored["metadata"]["annotations"]["meta.helm.sh/release-name"] == "keystone"
        assert ready["status"]["services"]["keystone"]["revision"] == 1
        assert heals(op, "missing_object") >= 1


def test_a_modified_deployment_is_put_back(kube, client, namespace, chart_repo):
    with RunningOperator(str(kube.kubeconfig), namespace) as op:
        name = converge(kube, client, namespace, chart_repo)
        before = len(op.helm.of(namespace))
        container = client.get("Deployment", namespace, "keystone-api")["spec"]["template"][
            "spec"]["containers"][0]
        client.run(client.kube.request(
            "PATCH", f"/apis/apps/v1/namespaces/{namespace}/deployments/keystone-api",
            body={"spec": {"template": {"spec": {"containers": [
                {"name": container["name"], "image": "example.com/tampered:1"}]}}}},
            content_type="application/strategic-merge-patch+json"))

        def put_back():
            d = client.get("Deployment", namespace, "keystone-api")
            return d["spec"]["template"]["spec"]["containers"][0]["image"] == container["image"]

        client.wait_for(put_back, 30, "the image to be put back")
        client.wait_ready(namespace, name)
        assert helm_operations_since(op, namespace, before) == []
        assert heals(op, "modified_object") >= 1


def test_a_failing_job_fails_only_its_service_and_recovers_once_fixed(
    kube, sim, client, namespace, chart_repo
):
    sim.faults.fail_jobs(r"^glance-db-sync$")
    body = control_plane("minimal.yaml", namespace, chart_repo.url)
    name = body["metadata"]["name"]
    with RunningOperator(str(kube.kubeconfig), namespace):
        client.apply_control_plane(body)

        def glance_failed():
            status = (client.get("OpenStackControlPlane", namespace, name) or {}).get("status")
            services = (status or {}).get("services", {})
            others = [s for n, s in services.items() if n not in ("glance", "nova")]
            glance = services.get("glance", {})
            return (glance.get("phase") == "Failed" and others
                    and all(s["phase"] == "Ready" for s in others) and status)

        status = client.wait_for(glance_failed, 120, "glance Failed, the others Ready")
        assert "glance-db-sync" in status["services"]["glance"]["lastError"]
        degraded = next(c for c in status["conditions"] if c["type"] == "Degraded")
        assert degraded["status"] == "True" and "glance" in degraded["message"]
        assert status["services"]["nova"]["phase"] == "Pending"

        sim.faults.clear()
        ready = client.wait_ready(namespace, name, timeout=120)
        assert ready["status"]["services"]["glance"]["lastError"] == ""


def test_a_release_left_pending_upgrade_is_rolled_back_and_mariadb_keeps_its_volume(
    kube, sim, client, namespace, chart_repo
):
    with RunningOperator(str(kube.kubeconfig), namespace):
        name = converge(kube, client, namespace, chart_repo)
    claim = client.get("PersistentVolumeClaim", namespace, "mysql-data-mariadb-server-0")
    credentials = client.get("Secret", namespace, secret_name(name))["data"]

    # An upgrade that hangs on the StatefulSet, then dies with the operator (SIGKILL).
    sim.faults.delay("PATCH", rf"/namespaces/{namespace}/statefulsets/mariadb-server", 30)
    kill_helm_when_pending(
        kube, client, namespace, "mariadb", "pending-upgrade",
        ["upgrade", "mariadb", "mariadb", "--repo", chart_repo.url, "--version", "2025.1.0",
         "--reuse-values", "--set", "pod.replicas.server=2"])
    pending_seen = time.monotonic()
    sim.faults.clear()

    # Nothing tells a killed helm from a slow one: the release is left to it for a helm timeout.
    with RunningOperator(str(kube.kubeconfig), namespace, helm_timeout="10s") as op:
        client.wait_for(lambda: any(o.release == "mariadb" and o.operation == "rollback" and o.ok
                                    for o in op.helm.of(namespace)), 60, "a rollback of mariadb")
        ready = client.wait_ready(namespace, name)
        operations = [(o.release, o.operation) for o in op.helm.of(namespace)]
    rollback = next(o for o in op.helm.of(namespace) if o.operation == "rollback")
    assert rollback.started - pending_seen > 10 - 3, "not before the helm timeout (3 s slack)"
    assert ("mariadb", "rollback") in operations
    assert all(operation != "uninstall" for _, operation in operations)
    assert client.get("PersistentVolumeClaim", namespace, "mysql-data-mariadb-server-0")[
        "metadata"]["uid"] == claim["metadata"]["uid"]
    assert client.get("Secret", namespace, secret_name(name))["data"] == credentials
    assert ready["status"]["services"]["mariadb"]["phase"] == "Ready"
    statefulset = client.get("StatefulSet", namespace, "mariadb-server")
    assert statefulset["spec"]["replicas"] == 1, "the spec's replica count, not the killed upgrade's"


def test_pause_stops_all_changes_and_unpause_resumes(kube, client, namespace, chart_repo):
    with RunningOperator(str(kube.kubeconfig), namespace) as op:
        name = converge(kube, client, namespace, chart_repo)
        client.patch_spec(namespace, name, {"paused": True})
        client.wait_for(lambda: client.get("OpenStackControlPlane", namespace, name)[
            "status"].get("phase") == "Paused", 30, "phase Paused")
        before = len(op.helm.of(namespace))

        client.patch_spec(namespace, name, {"services": {"keystone": {"replicas": 2}}})
        client.delete("Deployment", namespace, "placement-api")
        client.wait_for(lambda: client.get("OpenStackControlPlane", namespace, name)[
            "status"].get("observedGeneration") == client.get(
                "OpenStackControlPlane", namespace, name)["metadata"]["generation"],
            30, "the paused spec to be observed")
        time.sleep(1.0)
        assert helm_operations_since(op, namespace, before) == []
        assert client.get("Deployment", namespace, "placement-api") is None

        client.patch_spec(namespace, name, {"paused": False})
        client.wait_ready(namespace, name)
        assert helm_operations_since(op, namespace, before) == [("keystone", "upgrade")]
        assert client.get("Deployment", namespace, "placement-api") is not None


def test_autoscaling_creates_an_hpa_and_the_operator_leaves_replicas_to_it(
    kube, client, namespace, chart_repo
):
    with RunningOperator(str(kube.kubeconfig), namespace) as op:
        name = converge(kube, client, namespace, chart_repo)
        client.patch_spec(namespace, name, {"services": {"keystone": {
            "autoscaling": {"minReplicas": 2, "maxReplicas": 5}}}})
        client.wait_ready(namespace, name)
        hpa = client.wait_for(
            lambda: client.get("HorizontalPodAutoscaler", namespace, "keystone-api"), 30,
            "the keystone HPA")
        assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (2, 5)

        # What the HPA controller would do: scale the API; the operator must not undo it.
        before = len(op.helm.of(namespace))
        client.run(client.kube.request(
            "PATCH", f"/apis/apps/v1/namespaces/{namespace}/deployments/keystone-api/scale",
            body={"spec": {"replicas": 4}}, content_type="application/merge-patch+json"))
        op.more_passes(client, namespace, name, 2)
        assert client.get("Deployment", namespace, "keystone-api")["spec"]["replicas"] == 4
        assert helm_operations_since(op, namespace, before) == []

        client.patch_spec(namespace, name, {"services": {"keystone": {"autoscaling": None}}})
        client.wait_for(
            lambda: client.get("HorizontalPodAutoscaler", namespace, "keystone-api") is None, 30,
            "the HPA to be deleted")


def test_unavailable_replicas_degrade_the_service_without_helm_in_a_loop(
    kube, sim, client, namespace, chart_repo
):
    with RunningOperator(str(kube.kubeconfig), namespace) as op:
        name = converge(kube, client, namespace, chart_repo)
        before = len(op.helm.of(namespace))
        sim.controllers.pause()
        # What a crash-looping pod looks like from the Deployment: no replica available.
        client.run(client.kube.request(
            "PATCH", f"/apis/apps/v1/namespaces/{namespace}/deployments/keystone-api/status",
            body={"status": {"availableReplicas": 0, "readyReplicas": 0}},
            content_type="application/merge-patch+json"))

        def degraded():
            cond = client.condition(namespace, name, "Degraded")
            return cond if cond and cond["status"] == "True" else None

        cond = client.wait_for(degraded, 30, "Degraded=True")
        assert "Deployment/keystone-api" in cond["message"]
        ready = client.condition(namespace, name, "Ready")
        assert (ready["status"], ready["reason"]) == ("False", "KeystoneDegraded")
        time.sleep(2.0)
        assert helm_operations_since(op, namespace, before) == []

        sim.controllers.resume()
        client.run(client.kube.request(
            "PATCH", f"/apis/apps/v1/namespaces/{namespace}/deployments/keystone-api/status",
            body={"status": {"availableReplicas": 1, "readyReplicas": 1}},
            content_type="application/merge-patch+json"))
        client.wait_ready(namespace, name)
        assert client.condition(namespace, name, "Degraded")["status"] == "False"


def test_an_install_killed_midway_is_installed_again_adopting_what_it_created(
    kube, sim, client, namespace, chart_repo, tmp_path
):
    body = control_plane("minimal.yaml", namespace, chart_repo.url)
    spec = validate_spec(body["spec"])
    credentials = client.run(ensure_credentials(
        client.kube, namespace, body["metadata"]["name"], catalog.credential_keys(spec)))
    rabbitmq = plan(spec, namespace, credentials)["rabbitmq"]
    values = tmp_path / "values.json"
    values.write_text(json.dumps(rabbitmq.values))
    # The operator dies while its helm installs rabbitmq: the release stays pending-install.
    # helm 4 creates objects with server-side apply (a PATCH); older helm POSTs them.
    sim.faults.delay("POST|PATCH", rf"/namespaces/{namespace}/statefulsets", 30)
    kill_helm_when_pending(
        kube, client, namespace, "rabbitmq", "pending-install",
        ["install", "rabbitmq", "rabbitmq", "--repo", chart_repo.url,
         "--version", rabbitmq.chart.helm_args()[2], "--values", str(values)])
    sim.faults.clear()

    with RunningOperator(str(kube.kubeconfig), namespace, helm_timeout="10s") as op:
        client.apply_control_plane(body)
        ready = client.wait_ready(namespace, body["metadata"]["name"])
        operations = [(o.release, o.operation) for o in op.helm.of(namespace)]
    assert ("rabbitmq", "upgrade") in operations
    assert all(operation != "uninstall" for _, operation in operations)
    assert ready["status"]["services"]["rabbitmq"]["phase"] == "Ready"
    assert heals(op, "stuck_reinstall") == 1


def test_a_bigger_volume_replaces_the_statefulset_and_expands_its_claims_keeping_the_data(
    kube, client, namespace, chart_repo
):
    with RunningOperator(str(kube.kubeconfig), namespace) as op:
        name = converge(kube, client, namespace, chart_repo)
        claim = client.get("PersistentVolumeClaim", namespace, "mysql-data-mariadb-server-0")
        statefulset = client.get("StatefulSet", namespace, "mariadb-server")
        before = len(op.helm.of(namespace))

        client.patch_spec(namespace, name,
                          {"infrastructure": {"mariadb": {"storage": {"size": "8Gi"}}}})

        def expanded():
            c = client.get("PersistentVolumeClaim", namespace, "mysql-data-mariadb-server-0")
            return c["spec"]["resources"]["requests"]["storage"] == "8Gi" and c

        resized = client.wait_for(expanded, 60, "the claim to be expanded")
        client.wait_ready(namespace, name)
        assert resized["metadata"]["uid"] == claim["metadata"]["uid"], "the same volume"
        replaced = client.get("StatefulSet", namespace, "mariadb-server")
        assert replaced["metadata"]["uid"] != statefulset["metadata"]["uid"]
        assert {o.release for o in op.helm.of(namespace)[before:]} == {"mariadb"}
        assert heals(op, "immutable_statefulset") == 1
        assert heals(op, "expanded_claim") == 1
        assert [o.release for o in op.helm.of(namespace)[before:] if not o.ok] == [], (
            "the StatefulSet is replaced before helm runs, not after it failed")


def test_a_deleted_bootstrap_job_is_re_created_from_a_manifest_with_null_annotations(
    kube, client, namespace, chart_repo
):
    with RunningOperator(str(kube.kubeconfig), namespace) as op:
        name = converge(kube, client, namespace, chart_repo)
        before = len(op.helm.of(namespace))
        uid = client.get("Job", namespace, "nova-bootstrap")["metadata"]["uid"]

        client.delete("Job", namespace, "nova-bootstrap")
        restored = client.wait_for(
            lambda: (j := client.get("Job", namespace, "nova-bootstrap"))
            and j["metadata"]["uid"] != uid and j,
            30, "nova-bootstrap to be re-created")
        ready = client.wait_ready(namespace, name)

    assert helm_operations_since(op, namespace, before) == []
    assert restored["metadata"]["annotations"]["meta.helm.sh/release-name"] == "nova"
    assert ready["status"]["services"]["nova"]["phase"] == "Ready"


def test_a_completed_job_that_differs_from_its_manifest_is_left_alone(
    kube, client, namespace, chart_repo
):
    with RunningOperator(str(kube.kubeconfig), namespace) as op:
        name = converge(kube, client, namespace, chart_repo)
        before = len(op.helm.of(namespace))
        job = client.get("Job", namespace, "nova-bootstrap")
        client.run(client.kube.merge_patch(
            resource("Job"), namespace, "nova-bootstrap",
            {"metadata": {"labels": {"component": "changed-by-hand"}}}))

        op.more_passes(client, namespace, name)
        ready = client.wait_ready(namespace, name)

    kept = client.get("Job", namespace, "nova-bootstrap")
    assert kept["metadata"]["uid"] == job["metadata"]["uid"], "the completed Job was not re-run"
    assert helm_operations_since(op, namespace, before) == []
    assert heals(op, "modified_object") == 0
    assert ready["status"]["services"]["nova"]["phase"] == "Ready"


def test_resources_written_as_the_charts_write_them_are_not_drift(
    kube, client, namespace, chart_repo
):
    # OpenStack-Helm writes "2000m" and "1024Mi"; the API server keeps "2" and "1Gi".
    values = {"pod": {"resources": {"enabled": True}}}
    with RunningOperator(str(kube.kubeconfig), namespace) as op:
        name = converge(kube, client, namespace, chart_repo,
                        services={"keystone": {"values": values}})
        before = len(op.helm.of(namespace))
        op.more_passes(client, namespace, name)
        ready = client.wait_ready(namespace, name)

    container = client.get("Deployment", namespace, "keystone-api")["spec"]["template"]["spec"][
        "containers"][0]
    assert container["resources"]["limits"] == {"cpu": "2", "memory": "1Gi"}
    assert heals(op, "modified_object") == 0
    assert helm_operations_since(op, namespace, before) == []
    assert ready["status"]["services"]["keystone"]["phase"] == "Ready"


def test_a_modified_release_secret_is_put_back(kube, client, namespace, chart_repo):
    """The loop holds Secret bodies between passes (read once per resourceVersion): a change
    made after it has read one is seen and put back."""
    with RunningOperator(str(kube.kubeconfig), namespace) as op:
        converge(kube, client, namespace, chart_repo)
        before = len(op.helm.of(namespace))
        rendered = client.get("Secret", namespace, "keystone-etc")["data"]["keystone.conf"]
        client.run(client.kube.merge_patch(resource("Secret"), namespace, "keystone-etc",
                                           {"data": {"keystone.conf": "dGFtcGVyZWQ="}}))
        client.wait_for(lambda: client.get("Secret", namespace, "keystone-etc")["data"]
                        ["keystone.conf"] == rendered, 30, "keystone.conf to be put back")
        # the repair is counted once its apply has returned, a moment after the object is back
        client.wait_for(lambda: heals(op, "modified_object") >= 1, 10, "the repair counted")
        assert helm_operations_since(op, namespace, before) == []
