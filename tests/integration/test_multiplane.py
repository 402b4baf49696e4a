"""Several control planes in one cluster (issue 12): compute kits in namespaces of their own on
disjoint node pools install side by side, their cluster-scoped objects included; deleting one
leaves the other as it was; one whose node agents would share nodes with another is refused."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from osprey.kube import Resource
from osprey.secrets import secret_name
from tests.fixtures.chartrepo import FIXTURE_CHARTS
from tests.integration.operator_harness import RunningOperator, control_plane

pytestmark = pytest.mark.integration

CLUSTER_ROLES = Resource("rbac.authorization.k8s.io/v1", "ClusterRole", "clusterroles",
                         namespaced=False)
CRDS = Resource("apiextensions.k8s.io/v1", "CustomResourceDefinition",
                "customresourcedefinitions", namespaced=False)
NODES = Resource("v1", "Node", "nodes", namespaced=False)
CLOUD = "osprey.test/cloud"
MARIADB_WITH_CRDS = "2026.1.6+0ee5adeff"  # the fixture renders its CRDs after 2026.1.0


@pytest.fixture
def four_nodes(sim, client) -> Iterator[dict[str, list[str]]]:
    """A 4-node cluster: two nodes labelled for cloud a, two for cloud b (the simulator's own
    nodes are put back after the test)."""
    for node in client.run(client.kube.list(NODES, None)):
        sim.remove_node(node["metadata"]["name"])
    clouds = {"a": ["cloud-a-0", "cloud-a-1"], "b": ["cloud-b-0", "cloud-b-1"]}
    for cloud, names in clouds.items():
        for name in names:
            sim.add_node(name, labels={CLOUD: cloud})
    yield clouds


@pytest.fixture
def namespaces(kube, namespace) -> Iterator[list[str]]:
    others = [kube.new_namespace("multiplane-b"), kube.new_namespace("multiplane-c")]
    yield [namespace, *others]
    for name in others:
        kube.delete_namespace(name)


def on_cloud(namespace: str, repository: str, cloud: str, **pools: dict[str, str]) -> dict:
    label = {CLOUD: cloud}
    wanted = {"compute": label, "network": label, "gateway": label} | pools
    return control_plane("minimal.yaml", namespace, repository, nodeSelector=label,
                         nodePools=wanted)


def storage_versions(client, namespace: str) -> dict[str, str]:
    return {s["metadata"]["name"]: s["metadata"]["resourceVersion"]
            for s in client.list("Secret", namespace, "owner=helm")}


def names(client, res: Resource) -> dict[str, str]:
    items = client.run(client.kube.list(res, None))
    return {o["metadata"]["name"]: o["metadata"]["resourceVersion"] for o in items}


def test_two_compute_kits_on_disjoint_pools_run_side_by_side_and_an_overlapping_third_is_refused(
    kube, client, chart_repo, four_nodes, namespaces
):
    ns_a, ns_b, ns_c = namespaces
    first, second = on_cloud(ns_a, chart_repo.url, "a"), on_cloud(ns_b, chart_repo.url, "b")
    with RunningOperator(str(kube.kubeconfig), tuple(namespaces)) as op:
        client.apply_control_plane(first)
        client.apply_control_plane(second)
        ready_a = client.wait_ready(ns_a, "openstack", timeout=600)
        ready_b = client.wait_ready(ns_b, "openstack", timeout=600)
        for ready in (ready_a, ready_b):
            assert ready["status"]["nodePools"] == {
                "control": 2, "compute": 2, "network": 2, "gateway": 2}
        computes = {ns: sorted(p["spec"]["nodeName"] for p in client.list("Pod", ns)
                               if p["metadata"]["name"].startswith("nova-compute"))
                    for ns in (ns_a, ns_b)}
        assert computes == {ns_a: four_nodes["a"], ns_b: four_nodes["b"]}
        roles = names(client, CLUSTER_ROLES)
        assert {f"nova-bootstrap-{ns_a}", f"nova-bootstrap-{ns_b}"} <= set(roles)
        table = kube.kubectl("get", "oscp", "-A")
        assert table.returncode == 0, table.stderr
        assert "COMPUTE" in table.stdout.splitlines()[0]

        # A third whose compute nodes are the second's: refused, nothing of it installed.
        third = on_cloud(ns_c, chart_repo.url, "c", compute={CLOUD: "b"})
        client.apply_control_plane(third)
        refused = client.wait_for(
            lambda: (c := client.condition(ns_c, "openstack", "Ready"))
            and c["reason"] == "NodePoolsOverlap" and c, 60, "the third to be refused")
        assert refused["status"] == "False"
        assert f"{ns_b}/openstack" in refused["message"]
        assert "cloud-b-0, cloud-b-1" in refused["message"]
        assert client.list("Secret", ns_c, "owner=helm") == []
        assert client.get("Secret", ns_c, secret_name("openstack")) is None
        assert op.helm.of(ns_c) == []

        # Deleting the first leaves the second as it was.
        releases_b = storage_versions(client, ns_b)
        claims_b = {c["metadata"]["name"]: c["metadata"]["uid"]
                    for c in client.list("PersistentVolumeClaim", ns_b)}
        roles_b = {n: v for n, v in names(client, CLUSTER_ROLES).items() if n.endswith(ns_b)}
        crds = names(client, CRDS)
        assert claims_b and roles_b
        client.delete("OpenStackControlPlane", ns_a, "openstack")
        client.wait_for(lambda: client.get("OpenStackControlPlane", ns_a, "openstack") is None,
                        300, "the first control plane to be deleted")
        assert f"nova-bootstrap-{ns_a}" not in names(client, CLUSTER_ROLES)
        assert storage_versions(client, ns_b) == releases_b
        assert {c["metadata"]["name"]: c["metadata"]["uid"]
                for c in client.list("PersistentVolumeClaim", ns_b)} == claims_b
        assert {n: v for n, v in names(client, CLUSTER_ROLES).items()
                if n.endswith(ns_b)} == roles_b
        assert names(client, CRDS) == crds
        # The real charts (after 2026.1.0) ship mariadb's CRDs: the cluster's, not a release's.
        for crd in client.run(client.kube.list(CRDS, None)):
            if crd["metadata"]["name"].endswith(".mariadb.osh.openstack.org"):
                assert crd["metadata"]["labels"]["osprey.dev/shared"] == "cluster"
        assert client.wait_ready(ns_b, "openstack", timeout=30)
        assert client.condition(ns_c, "openstack", "Ready")["reason"] == "NodePoolsOverlap"


@pytest.fixture
def charts_with_mariadb_crds(tmp_path) -> Path:
    """The fixture charts as a local directory, mariadb at a version that ships its CRDs."""
    charts = tmp_path / "charts"
    shutil.copytree(FIXTURE_CHARTS, charts, symlinks=True)
    chart_yaml = charts / "mariadb" / "Chart.yaml"
    meta = yaml.safe_load(chart_yaml.read_text())
    meta["version"] = MARIADB_WITH_CRDS
    chart_yaml.write_text(yaml.safe_dump(meta, sort_keys=False))
    return charts


@pytest.mark.fixture_charts(reason="re-versions a fixture chart")
def test_control_planes_share_mariadbs_crds_and_deleting_one_keeps_them(
    kube, client, charts_with_mariadb_crds, namespaces
):
    ns_a, ns_b, _ = namespaces
    services = {name: {"enabled": False}
                for name in ("keystone", "glance", "placement", "neutron", "nova")}
    bodies = [control_plane("minimal.yaml", ns, str(charts_with_mariadb_crds),
                            services=services, charts={"repository": str(charts_with_mariadb_crds),
                                                       "versions": {"mariadb": "2026.1"}})
              for ns in (ns_a, ns_b)]
    with RunningOperator(str(kube.kubeconfig), (ns_a, ns_b)) as op:
        for body in bodies:
            client.apply_control_plane(body)
        for ns in (ns_a, ns_b):
            client.wait_ready(ns, "openstack", timeout=300)
        crds = {o["metadata"]["name"]: o for o in client.run(client.kube.list(CRDS, None))
                if o["metadata"]["name"].endswith(".mariadb.osh.openstack.org")}
        assert len(crds) == 4
        for crd in crds.values():
            assert crd["metadata"]["labels"]["osprey.dev/shared"] == "cluster"
            assert "meta.helm.sh/release-namespace" not in (crd["metadata"].get("annotations")
                                                             or {})
        assert op.helm.shared_renders.count((ns_b, "mariadb")) >= 1
        uids = {name: crd["metadata"]["uid"] for name, crd in crds.items()}

        client.delete("OpenStackControlPlane", ns_a, "openstack")
        client.wait_for(lambda: client.get("OpenStackControlPlane", ns_a, "openstack") is None,
                        300, "the first control plane to be deleted")
        after = {o["metadata"]["name"]: o["metadata"]["uid"]
                 for o in client.run(client.kube.list(CRDS, None))
                 if o["metadata"]["name"].endswith(".mariadb.osh.openstack.org")}
        assert after == uids
        assert client.wait_ready(ns_b, "openstack", timeout=30)
