"""Upgrades that change what Kubernetes will not change in place: immutable objects are
replaced on purpose, decided from the rendered manifest before helm runs."""

from __future__ import annotations

import pytest

from osprey import catalog
from osprey.api import validate_spec
from osprey.catalog import load_release_catalog
from tests.integration.operator_harness import control_plane, converged

pytestmark = pytest.mark.integration


def heals(op, reason):
    return op.runtime.metrics.registry.get_sample_value("osprey_heals_total",
                                                        {"reason": reason}) or 0


def image_of(job):
    return job["spec"]["template"]["spec"]["containers"][0]["image"]


def test_an_openstack_release_upgrade_replaces_the_bootstrap_jobs_and_no_helm_call_fails(
    kube, client, namespace, chart_repo
):
    body = control_plane("minimal.yaml", namespace, chart_repo.url)
    name = body["metadata"]["name"]
    with converged(str(kube.kubeconfig), client, body) as op:
        before = len(op.helm.of(namespace))
        jobs = {job: client.get("Job", namespace, job) for job in ("nova-bootstrap",
                                                                   "nova-cell-setup")}

        client.patch_spec(namespace, name, {"openstackRelease": "2025.2"})
        ready = client.wait_ready(namespace, name, timeout=300)
        operations = op.helm.of(namespace)[before:]

    releases = [e.name for e in catalog.enabled_entries(validate_spec(ready["spec"]))]
    assert [(o.release, o.ok) for o in operations if not o.ok] == [], "no helm call failed"
    # One upgrade per release; neutron and nova twice: agents and nova-compute move last.
    assert sorted(o.release for o in operations) == sorted(releases + ["neutron", "nova"])
    images = load_release_catalog("2025.2").image_tags("nova")
    for job, old in jobs.items():
        new = client.get("Job", namespace, job)
        assert new["metadata"]["uid"] != old["metadata"]["uid"], f"{job} replaced"
    assert image_of(client.get("Job", namespace, "nova-bootstrap")) == images["bootstrap"]
    assert image_of(client.get("Job", namespace, "nova-cell-setup")) == images["nova_cell_setup"]
    assert heals(op, "immutable_job") == 2
    assert {n: s["chartVersion"] for n, s in ready["status"]["services"].items()} == {
        n: chart_repo.newest_version(n, "2025.2") for n in releases
    }


def test_a_change_that_leaves_the_bootstrap_jobs_alone_does_not_replace_them(
    kube, client, namespace, chart_repo
):
    body = control_plane("minimal.yaml", namespace, chart_repo.url)
    name = body["metadata"]["name"]
    with converged(str(kube.kubeconfig), client, body) as op:
        bootstrap = client.get("Job", namespace, "nova-bootstrap")
        before = len(op.helm.of(namespace))

        client.patch_spec(namespace, name, {"services": {"nova": {"replicas": {"api": 2}}}})
        client.wait_ready(namespace, name)
        assert [(o.release, o.operation, o.ok) for o in op.helm.of(namespace)[before:]] == [
            ("nova", "upgrade", True)]
    assert client.get("Job", namespace, "nova-bootstrap")["metadata"]["uid"] == bootstrap[
        "metadata"]["uid"]
    assert heals(op, "immutable_job") == 0
