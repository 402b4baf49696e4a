"""The fixture charts render the shapes of OpenStack-Helm's charts that broke Osprey on a real
cluster (see "Facts of the real world" in the design): null fields, plain bootstrap Jobs whose
template follows the images, pre-delete hooks, anti-affinity, cluster-scoped objects, size.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from osprey.catalog import load_release_catalog
from tests.fixtures.chartrepo import FIXTURE_CHARTS, HELM
from tests.unit.test_catalog_fixture_charts import GOLDEN, helm_template


def render(chart: str, *args: str) -> list[dict[str, Any]]:
    return helm_template(chart, str(FIXTURE_CHARTS / chart), *args)


def named(docs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    return next(d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name)


def hooks(docs: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    return {d["metadata"]["name"]: d["metadata"]["annotations"] for d in docs
            if d["kind"] == "Job" and "helm.sh/hook" in (d["metadata"]["annotations"] or {})}


def test_a_plain_bootstrap_job_carries_the_nulls_helm_toolkit_renders():
    job = named(render("nova"), "Job", "nova-bootstrap")
    assert "annotations" in job["metadata"] and job["metadata"]["annotations"] is None
    template = job["spec"]["template"]
    assert template["metadata"]["annotations"] is None
    assert template["spec"]["securityContext"] is None
    assert template["spec"]["initContainers"][0]["volumeMounts"] is None


def test_secrets_render_null_annotations():
    assert named(render("keystone"), "Secret", "keystone-etc")["metadata"]["annotations"] is None


def test_the_release_catalogs_give_the_bootstrap_jobs_new_images():
    images = {r: load_release_catalog(r).image_tags("nova") for r in ("2025.1", "2025.2")}
    for job, key in (("nova-bootstrap", "bootstrap"), ("nova-cell-setup", "nova_cell_setup")):
        rendered = {
            r: named(render("nova", "--set", f"images.tags.{key}={tags[key]}"), "Job", job)
            for r, tags in images.items()
        }
        assert "helm.sh/hook" not in (rendered["2025.1"]["metadata"]["annotations"] or {})
        assert rendered["2025.1"]["spec"]["template"] != rendered["2025.2"]["spec"]["template"]


def test_keystone_glance_and_cinder_clean_up_in_pre_delete_hooks():
    assert hooks(render("keystone"))["keystone-credential-cleanup"] == {
        "helm.sh/hook": "pre-delete", "helm.sh/hook-delete-policy": "hook-succeeded, hook-failed"}
    for chart in ("glance", "cinder"):
        assert hooks(render(chart))[f"{chart}-clean"] == {
            "helm.sh/hook": "pre-delete", "helm.sh/hook-delete-policy": "hook-succeeded"}


@pytest.mark.parametrize("chart", ["keystone", "glance", "nova", "neutron", "placement"])
def test_db_drop_hooks_are_rendered_only_when_asked(chart):
    assert f"{chart}-db-drop" not in hooks(render(chart))
    drop = hooks(render(chart, "--set", "manifests.job_db_drop=true"))[f"{chart}-db-drop"]
    assert drop == {"helm.sh/hook": "pre-delete", "helm.sh/hook-delete-policy": "hook-succeeded"}


def anti_affinity(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["spec"]["template"]["spec"]["affinity"]["podAntiAffinity"]


def test_memcached_requires_one_replica_per_node_as_openstack_helm_does():
    server = named(render("memcached"), "StatefulSet", "memcached-memcached")
    (term,) = anti_affinity(server)["requiredDuringSchedulingIgnoredDuringExecution"]
    assert term["topologyKey"] == "kubernetes.io/hostname"
    assert {e["key"]: e["values"] for e in term["labelSelector"]["matchExpressions"]} == {
        "release_group": ["memcached"], "application": ["memcached"], "component": ["server"]}


@pytest.mark.parametrize(("chart", "kind", "name"), [
    ("mariadb", "StatefulSet", "mariadb-server"),
    ("rabbitmq", "StatefulSet", "rabbitmq-rabbitmq"),
    ("keystone", "Deployment", "keystone-api"),
    ("nova", "Deployment", "nova-api-osapi"),
])
def test_the_other_charts_prefer_spreading_and_can_be_made_to_require_it(chart, kind, name):
    default = anti_affinity(named(render(chart), kind, name))
    assert default["preferredDuringSchedulingIgnoredDuringExecution"][0]["weight"] == 10
    hard = "requiredDuringSchedulingIgnoredDuringExecution"
    required = anti_affinity(named(render(chart, "--set", f"pod.affinity.anti.type.default={hard}"),
                                   kind, name))
    assert list(required) == [hard]


def packaged(chart: str, version: str, tmp_path: Path) -> Path:
    subprocess.run([str(HELM), "package", str(FIXTURE_CHARTS / chart), "--version", version,
                    "--destination", str(tmp_path)], check=True, capture_output=True)
    return tmp_path / f"{chart}-{version}.tgz"


def test_mariadb_ships_its_crds_after_2026_1_0_and_keeps_them(tmp_path):
    assert not [d for d in render("mariadb") if d["kind"] == "CustomResourceDefinition"]
    tagged = helm_template("mariadb", str(packaged("mariadb", "2026.1.0+c665eedfa", tmp_path)))
    assert not [d for d in tagged if d["kind"] == "CustomResourceDefinition"]
    docs = helm_template("mariadb", str(packaged("mariadb", "2026.1.6+0ee5adeff", tmp_path)))
    crds = [d for d in docs if d["kind"] == "CustomResourceDefinition"]
    assert {d["metadata"]["name"] for d in crds} == {
        f"{p}.mariadb.osh.openstack.org" for p in ("databases", "users", "grants", "connections")}
    assert all(d["metadata"]["annotations"] == {"helm.sh/resource-policy": "keep"} for d in crds)
    switched = helm_template("mariadb", str(packaged("mariadb", "2026.1.6+0ee5adeff", tmp_path)),
                             "--set", "manifests.crds=false")
    assert not [d for d in switched if d["kind"] == "CustomResourceDefinition"]


def test_nova_renders_the_cluster_rbac_of_its_jobs_under_fixed_names():
    docs = render("nova")
    binding = named(docs, "ClusterRoleBinding", "nova-bootstrap")
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "nova-bootstrap", "namespace": "openstack"}]
    assert {d["metadata"]["name"] for d in docs if d["kind"] == "ClusterRole"} == {
        "nova-bootstrap", "nova-cell-setup"}


def test_ovn_renders_a_fixed_and_a_per_namespace_controller_cluster_role():
    docs = render("ovn")
    assert {d["metadata"]["name"] for d in docs if d["kind"] == "ClusterRole"} == {
        "ovn-controller", "ovn-controller-list-nodes-role-openstack"}


@pytest.mark.parametrize(("chart", "low", "high"), [
    ("nova", 180, 260), ("neutron", 230, 320), ("mariadb", 160, 240), ("memcached", 3, 30)])
def test_releases_render_as_large_as_openstack_helms(chart, low, high):
    values = GOLDEN / "computekit" / f"{chart}.yaml"
    result = subprocess.run([str(HELM), "template", chart, str(FIXTURE_CHARTS / chart), "-f",
                             str(values), "--no-hooks"], capture_output=True, text=True,
                            check=True)
    assert low * 1024 <= len(result.stdout) <= high * 1024, len(result.stdout) // 1024
