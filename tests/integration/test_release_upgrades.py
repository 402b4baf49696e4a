"""OpenStack release upgrades on the fixture charts: one step at a time in the documented
order, a MariaDB backup first, a failed step stopping the rest, pause, and an operator
killed mid-step resuming where it stopped."""

from __future__ import annotations

import json
import subprocess

import pytest

from osprey.api import validate_spec
from osprey.catalog import credential_keys, load_release_catalog
from osprey.upgrade.plan import upgrade_plan
from tests.fixtures.chartrepo import HELM
from tests.integration.operator_harness import RunningOperator, control_plane

pytestmark = pytest.mark.integration
FIXTURE_ONLY = pytest.mark.fixture_charts(reason="faults and timing on the fixture charts")

SAMPLE = "minimal.yaml"  # the compute kit: keystone, glance, placement, neutron, nova


def planned_steps(body, namespace):
    spec = validate_spec({**body["spec"], "openstackRelease": "2025.2"})
    plan = upgrade_plan(spec, namespace, dict.fromkeys(credential_keys(spec), "x"), "2025.1")
    return [(s.name, s.release) for s in plan.steps]


def converge(client, namespace, chart_repo):
    body = control_plane(SAMPLE, namespace, chart_repo.url)
    client.apply_control_plane(body)
    ready = client.wait_ready(namespace, body["metadata"]["name"], timeout=300)
    assert ready["status"]["deployedRelease"] == "2025.1"
    return body


def upgrade(client, namespace, name):
    return (client.get("OpenStackControlPlane", namespace, name)["status"] or {}).get(
        "upgrade") or {}


def wait_upgraded(client, namespace, name, timeout=600):
    client.wait_for(lambda: upgrade(client, namespace, name).get("phase") == "Completed",
                    timeout, "the upgrade to complete")
    return client.wait_ready(namespace, name)


def helm_values(kube, namespace, release, revision):
    out = subprocess.run([str(HELM), "get", "values", release, "--revision", str(revision),
                          "--namespace", namespace, "-o", "json"], env=kube.env(),
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def helm_release(kube, namespace, release):
    out = subprocess.run([str(HELM), "list", "--filter", f"^{release}$",
                          "--namespace", namespace, "-o", "json"], env=kube.env(),
                         capture_output=True, text=True, check=True).stdout
    (found,) = json.loads(out)
    return found["status"], found["chart"]


def test_the_compute_kit_upgrades_one_release_at_a_time_in_the_documented_order(
    kube, client, namespace, chart_repo
):
    with RunningOperator(str(kube.kubeconfig), namespace) as op:
        body = converge(client, namespace, chart_repo)
        name = body["metadata"]["name"]
        steps = planned_steps(body, namespace)
        before = len(op.helm.of(namespace))
        client.patch_spec(namespace, name, {"openstackRelease": "2025.2"})
        ready = wait_upgraded(client, namespace, name)
        operations = op.helm.of(namespace)[before:]

    assert [(o.release, o.operation, o.ok) for o in operations] == [
        (release, "upgrade", True) for _, release in steps], "one helm upgrade per step, in order"
    assert [step for step, _ in steps] == [
        "mariadb", "rabbitmq", "memcached", "openvswitch", "keystone", "glance", "placement",
        "neutron", "neutron-agents", "nova", "libvirt", "nova-compute"]
    status = ready["status"]
    assert status["deployedRelease"] == "2025.2"
    record = status["upgrade"]
    assert (record["from"], record["to"], record["phase"]) == ("2025.1", "2025.2", "Completed")
    assert [(s["service"], s["state"]) for s in record["steps"]] == [
        (step, "Completed") for step, _ in steps]
    finished = [s["finishedAt"] for s in record["steps"]]
    assert finished == sorted(finished)
    upgrading = next(c for c in status["conditions"] if c["type"] == "Upgrading")
    assert (upgrading["status"], upgrading["reason"]) == ("False", "UpgradeCompleted")
    events = [e["reason"] for e in client.list("Event", namespace)
              if e["involvedObject"]["name"] == name]
    assert events.count("UpgradeStepCompleted") == len(steps)
    assert_backup_before_the_first_migration(client, namespace, record)
    assert_nova_compute_moved_last_with_the_rpc_pinned_meanwhile(kube, client, namespace, status)
    # The 2025.2 charts add volume mounts between others: what helm applied is what reads back.
    assert op.runtime.metrics.registry.get_sample_value(
        "osprey_heals_total", {"reason": "modified_object"}) in (None, 0)


def assert_backup_before_the_first_migration(client, namespace, record):
    job = client.get("Job", namespace, record["backup"])
    assert record["backup"] == "mariadb-backup-2025-1-to-2025-2"
    assert job["metadata"]["ownerReferences"][0]["name"] == "mariadb-backup"
    assert any(c["type"] == "Complete" and c["status"] == "True"
               for c in job["status"]["conditions"])
    assert job["status"]["completionTime"] <= record["steps"][0]["startedAt"]


def assert_nova_compute_moved_last_with_the_rpc_pinned_meanwhile(kube, client, namespace, status):
    revision = status["services"]["nova"]["revision"]
    old, new = (load_release_catalog(r).image_tags("nova") for r in ("2025.1", "2025.2"))
    control_step = helm_values(kube, namespace, "nova", revision - 1)
    compute_step = helm_values(kube, namespace, "nova", revision)
    tags = control_step["images"]["tags"]
    assert (tags["nova_api"], tags["nova_compute"]) == (new["nova_api"], old["nova_compute"])
    assert control_step["conf"]["nova"]["upgrade_levels"] == {"compute": "auto"}
    assert control_step["annotations"]["pod"]["nova_conductor"] == {
        "osprey.dev/openstack-release": "2025.1"}, "control services not restarted yet"
    assert compute_step["images"]["tags"]["nova_compute"] == new["nova_compute"]
    assert "upgrade_levels" not in compute_step["conf"]["nova"]
    assert compute_step["annotations"]["pod"]["nova_conductor"] == {
        "osprey.dev/openstack-release": "2025.2"}, "restarted: the pin is released"
    daemonset = client.get("DaemonSet", namespace, "nova-compute-default")
    assert daemonset["spec"]["template"]["spec"]["containers"][0]["image"] == new["nova_compute"]


@FIXTURE_ONLY
def test_a_failing_step_stops_the_upgrade_there_and_resumes_once_fixed(
    kube, sim, client, namespace, chart_repo
):
    with RunningOperator(str(kube.kubeconfig), namespace) as op:
        body = converge(client, namespace, chart_repo)
        name = body["metadata"]["name"]
        sim.faults.fail_jobs(r"^keystone-db-sync")
        before = len(op.helm.of(namespace))
        client.patch_spec(namespace, name, {"openstackRelease": "2025.2"})
        failed = client.wait_for(
            lambda: (c := client.condition(namespace, name, "Upgrading")) and c[
                "reason"] == "StepFailed" and c, 300, "the keystone step to fail")
        record = upgrade(client, namespace, name)
        op.more_passes(client, namespace, name)
        later = [o.release for o in op.helm.of(namespace)[before:]]
        sim.faults.clear()
        ready = wait_upgraded(client, namespace, name)

    assert failed["status"] == "False"
    assert "keystone" in failed["message"]
    assert (record["phase"], record["step"]) == ("Failed", "keystone")
    keystone = next(s for s in record["steps"] if s["service"] == "keystone")
    assert keystone["state"] == "Failed" and keystone["message"]
    assert "glance" not in later and "nova" not in later, "the steps after it wait"
    assert ready["status"]["deployedRelease"] == "2025.2"


@FIXTURE_ONLY
def test_paused_holds_the_upgrade_between_steps_and_unpausing_resumes(
    kube, client, namespace, chart_repo
):
    with RunningOperator(str(kube.kubeconfig), namespace) as op:
        body = converge(client, namespace, chart_repo)
        name = body["metadata"]["name"]
        client.patch_spec(namespace, name, {"openstackRelease": "2025.2"})
        client.wait_for(lambda: upgrade(client, namespace, name).get("step") == "keystone",
                        300, "the keystone step")
        client.patch_spec(namespace, name, {"paused": True})
        held = client.wait_for(
            lambda: upgrade(client, namespace, name).get("phase") == "Paused"
            and upgrade(client, namespace, name), 300, "the upgrade to be held")
        count = len(op.helm.of(namespace))
        op.more_passes(client, namespace, name)
        assert len(op.helm.of(namespace)) == count, "nothing runs while paused"
        client.patch_spec(namespace, name, {"paused": False})
        ready = wait_upgraded(client, namespace, name)
    states = {s["service"]: s["state"] for s in held["steps"]}
    assert states[held["step"]] == "Pending"
    assert ready["status"]["deployedRelease"] == "2025.2"


@FIXTURE_ONLY
def test_an_operator_killed_mid_step_resumes_at_that_step_and_reruns_nothing_completed(
    kube, client, namespace, chart_repo
):
    with RunningOperator(str(kube.kubeconfig), namespace):
        body = converge(client, namespace, chart_repo)
        name = body["metadata"]["name"]
        client.patch_spec(namespace, name, {"openstackRelease": "2025.2"})
        client.wait_for(lambda: upgrade(client, namespace, name).get("step") == "glance",
                        300, "the glance step")
    # The operator is gone mid-step (its helm killed with it), or just after glance's helm
    # upgrade returned but before the step was recorded: then the step is found done.
    record = upgrade(client, namespace, name)
    completed = {s["service"]: s for s in record["steps"] if s["state"] == "Completed"}
    glance = next(s for s in record["steps"] if s["service"] == "glance")
    status, chart = helm_release(kube, namespace, "glance")
    version = glance["chartVersion"]  # a version or a release line
    glance_done = status == "deployed" and (
        chart == f"glance-{version}" or chart.startswith(f"glance-{version}."))
    with RunningOperator(str(kube.kubeconfig), namespace, helm_timeout="10s") as op:
        ready = wait_upgraded(client, namespace, name)
        operations = [o.release for o in op.helm.of(namespace) if o.operation == "upgrade"]
    assert {"mariadb", "rabbitmq", "keystone"} <= set(completed)
    assert not set(operations) & set(completed), "no completed step runs again"
    assert operations[0] == ("placement" if glance_done else "glance")
    after = {s["service"]: s for s in ready["status"]["upgrade"]["steps"]}
    assert all(after[s]["finishedAt"] == completed[s]["finishedAt"] for s in completed)
