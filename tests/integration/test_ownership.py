"""What a control plane touches is its own: one control plane per namespace, releases it did
not install left alone, its passwords never regenerated, a release another helm holds left to
it, a claim that cannot change refused before helm runs."""

from __future__ import annotations

import subprocess

import pytest

from osprey.kube import resource
from osprey.releases import OWNER_LABEL
from osprey.secrets import secret_name
from tests.integration.operator_harness import HELM, RunningOperator, control_plane

pytestmark = pytest.mark.integration

KEYSTONE_ONLY = {"services": {name: {"enabled": False}
                              for name in ("glance", "placement", "neutron", "nova")}}


def small_control_plane(namespace, chart_repo, name="openstack", **spec):
    body = control_plane("minimal.yaml", namespace, chart_repo.url, **(KEYSTONE_ONLY | spec))
    body["metadata"]["name"] = name
    return body


def converge(client, body):
    client.apply_control_plane(body)
    return client.wait_ready(body["metadata"]["namespace"], body["metadata"]["name"])


def storage(client, namespace, release=None):
    selector = "owner=helm" + (f",name={release}" if release else "")
    return client.list("Secret", namespace, selector)


def events(client, namespace, name, reason):
    return [e for e in client.list("Event", namespace)
            if e["involvedObject"].get("name") == name and e["reason"] == reason]


def test_a_second_control_plane_in_the_namespace_is_refused_and_deleting_it_leaves_the_first(
    kube, client, namespace, chart_repo
):
    first = small_control_plane(namespace, chart_repo, name="first")
    second = small_control_plane(namespace, chart_repo, name="second", deletionPolicy="Delete")
    with RunningOperator(str(kube.kubeconfig), namespace) as op:
        converge(client, first)
        before = len(op.helm.of(namespace))
        records = {s["metadata"]["name"]: s["metadata"]["resourceVersion"]
                   for s in storage(client, namespace)}

        client.apply_control_plane(second)
        refused = client.wait_for(
            lambda: (c := client.condition(namespace, "second", "Ready"))
            and c["reason"] == "NamespaceTaken" and c, 60, "second to be refused")
        assert refused["status"] == "False"
        assert "control plane first" in refused["message"]
        assert client.get("Secret", namespace, secret_name("second")) is None
        assert op.helm.of(namespace)[before:] == []

        client.delete("OpenStackControlPlane", namespace, "second")
        client.wait_for(lambda: client.get("OpenStackControlPlane", namespace, "second") is None,
                        60, "second to be gone")
        client.wait_ready(namespace, "first")
    assert op.helm.of(namespace)[before:] == []
    assert {s["metadata"]["name"]: s["metadata"]["resourceVersion"]
            for s in storage(client, namespace)} == records
    assert client.get("Secret", namespace, secret_name("first")) is not None


def test_releases_carry_the_name_of_their_control_plane(kube, client, namespace, chart_repo):
    body = small_control_plane(namespace, chart_repo)
    with RunningOperator(str(kube.kubeconfig), namespace):
        ready = converge(client, body)
    for release in ready["status"]["services"]:
        labels = [s["metadata"]["labels"] for s in storage(client, namespace, release)]
        assert labels and all(lab.get(OWNER_LABEL) == "openstack" for lab in labels), release


def test_a_release_installed_by_hand_is_never_touched_and_says_so(
    kube, client, namespace, chart_repo
):
    installed = kube.helm("install", "memcached", "memcached", "--repo", chart_repo.url,
                          "--version", "2025.1.0", "--namespace", namespace, timeout=120)
    assert installed.returncode == 0, installed.stderr
    record = storage(client, namespace, "memcached")[0]["metadata"]["resourceVersion"]
    body = small_control_plane(namespace, chart_repo)
    with RunningOperator(str(kube.kubeconfig), namespace) as op:
        client.apply_control_plane(body)

        def memcached_refused():
            status = (client.get("OpenStackControlPlane", namespace, "openstack") or {}).get(
                "status") or {}
            memcached = status.get("services", {}).get("memcached", {})
            return memcached.get("phase") == "Failed" and memcached

        memcached = client.wait_for(memcached_refused, 120, "memcached reported as not ours")
        client.wait_for(lambda: client.list("Secret", namespace, "owner=helm,name=mariadb"), 60,
                        "the rest of the control plane to be installed")
    assert memcached["message"].startswith(
        "release memcached exists and is not managed by this control plane")
    assert all(o.release != "memcached" for o in op.helm.of(namespace))
    assert storage(client, namespace, "memcached")[0]["metadata"]["resourceVersion"] == record


def test_a_deleted_credentials_secret_comes_back_with_the_same_passwords(
    kube, client, namespace, chart_repo
):
    body = small_control_plane(namespace, chart_repo)
    with RunningOperator(str(kube.kubeconfig), namespace) as op:
        converge(client, body)
        before = len(op.helm.of(namespace))
        original = client.get("Secret", namespace, secret_name("openstack"))

        client.delete("Secret", namespace, secret_name("openstack"))
        restored = client.wait_for(
            lambda: (s := client.get("Secret", namespace, secret_name("openstack")))
            and s["metadata"]["uid"] != original["metadata"]["uid"] and s,
            60, "the credentials Secret to be back")
        client.wait_for(lambda: events(client, namespace, "openstack", "CredentialsRecovered"),
                        30, "the CredentialsRecovered Event")
        client.wait_ready(namespace, "openstack")
    assert restored["data"] == original["data"]
    assert op.helm.of(namespace)[before:] == [], "the same values: nothing to upgrade"


def test_releases_an_earlier_osprey_installed_without_labels_are_adopted_without_helm(
    kube, client, namespace, chart_repo
):
    body = small_control_plane(namespace, chart_repo)
    with RunningOperator(str(kube.kubeconfig), namespace):
        ready = converge(client, body)
    for secret in storage(client, namespace):  # what an Osprey without labels left behind
        client.run(client.kube.merge_patch(
            resource("Secret"), namespace,
            secret["metadata"]["name"], {"metadata": {"labels": {OWNER_LABEL: None}}}))

    with RunningOperator(str(kube.kubeconfig), namespace) as op:
        client.wait_for(lambda: all(s["metadata"]["labels"].get(OWNER_LABEL) == "openstack"
                                    for s in storage(client, namespace)),
                        60, "every release to be labelled again")
        client.wait_ready(namespace, "openstack")
    assert op.helm.of(namespace) == []
    adopted = {e["message"].split(":")[0]
               for e in events(client, namespace, "openstack", "Adopted")}
    assert adopted == set(ready["status"]["services"])


def test_a_pending_release_another_helm_holds_is_left_to_it(
    kube, sim, client, namespace, chart_repo
):
    body = small_control_plane(namespace, chart_repo)
    with RunningOperator(str(kube.kubeconfig), namespace) as op:
        converge(client, body)
        before = len(op.helm.of(namespace))
        plane = op.runtime.control_planes[(namespace, "openstack")]

        async def wake():
            plane.wake()

        # A person's helm upgrade, held up by the API server, then refused by it.
        api = rf"/namespaces/{namespace}/deployments/keystone-api"
        sim.faults.delay("PATCH", api, 20, count=1)
        sim.faults.fail("PATCH", api, status=500, count=1)
        person = subprocess.Popen(
            [HELM, "upgrade", "keystone", "keystone", "--repo", chart_repo.url, "--version",
             "2025.1.0", "--reuse-values", "--set", "pod.replicas.api=2",
             "--namespace", namespace],
            env=kube.env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            client.wait_for(lambda: client.list(
                "Secret", namespace, "owner=helm,name=keystone,status=pending-upgrade"),
                30, "keystone to be pending-upgrade")
            passes = plane.passes
            op.thread.call(wake)
            client.wait_for(lambda: plane.passes >= passes + 1 and not plane.in_pass, 30,
                            "a pass over the pending release")
            keystone = client.get("OpenStackControlPlane", namespace, "openstack")["status"][
                "services"]["keystone"]
            assert person.poll() is None, "the person's helm still holds the release"
            assert keystone["phase"] == "Progressing"
            assert keystone["message"].startswith("pending-upgrade since ")
            assert "another helm may still be running it" in keystone["message"]
            assert op.helm.of(namespace)[before:] == []
        finally:
            person.wait(60)

        client.wait_ready(namespace, "openstack")
    operations = [(o.release, o.operation) for o in op.helm.of(namespace)[before:]]
    assert ("keystone", "rollback") not in operations
    assert client.get("Deployment", namespace, "keystone-api")["spec"]["replicas"] == 1


def test_a_retained_glance_claim_of_another_class_is_refused_before_helm_naming_the_field(
    kube, client, namespace, chart_repo
):
    retained = {  # what a deleted control plane with deletionPolicy Retain leaves behind
        "apiVersion": "v1", "kind": "PersistentVolumeClaim",
        "metadata": {
            "name": "glance-images",
            "labels": {"app.kubernetes.io/managed-by": "Helm"},
            "annotations": {"meta.helm.sh/release-name": "glance",
                            "meta.helm.sh/release-namespace": namespace,
                            "helm.sh/resource-policy": "keep"},
        },
        "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "slow",
                 "resources": {"requests": {"storage": "10Gi"}}},
    }
    client.run(client.kube.create(resource("PersistentVolumeClaim"), namespace, retained))
    services = {**KEYSTONE_ONLY["services"],
                "glance": {"storage": {"size": "10Gi", "storageClass": "fast"}}}
    body = small_control_plane(namespace, chart_repo, services=services)
    with RunningOperator(str(kube.kubeconfig), namespace) as op:
        client.apply_control_plane(body)
        refused = client.wait_for(
            lambda: (c := client.condition(namespace, "openstack", "GlanceReady"))
            and c["status"] == "False" and c["message"].startswith("spec.") and c,
            120, "glance to be refused")
        assert refused["message"].startswith(
            "spec.services.glance.storage.storageClass: the existing claim glance-images has "
            "storage class slow, not fast")
        assert all(o.release != "glance" for o in op.helm.of(namespace))

        client.patch_spec(namespace, "openstack", {"services": {"glance": {"storage": {
            "storageClass": "slow"}}}})
        client.wait_ready(namespace, "openstack")
    claim = client.get("PersistentVolumeClaim", namespace, "glance-images")
    assert claim["spec"]["storageClassName"] == "slow"
