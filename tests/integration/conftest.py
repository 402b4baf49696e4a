"""Fixtures of the integration suite: the CRD installed, the chart repository served, a client
for test bodies, and nodes enough to spread replicas (`kube` and `namespace` come from
tests/conftest.py).

With `OSH_CHARTS` set (a checkout or git directory of openstack-helm), `chart_repo` and
`chart_dir` serve the real OpenStack-Helm charts instead of the fixture charts, and tests
marked `fixture_charts` (they depend on something only the fixtures have) are skipped.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from osprey import catalog
from osprey.kube import KubeError, Resource
from tests.fixtures.chartrepo import FIXTURE_CHARTS, ChartRepository, package_fixture_charts
from tests.fixtures.oshcharts import OshCharts, osh_charts, source_from_env
from tests.integration.operator_harness import CRD_FILE, Client

DEFAULT_PIN = "2025.1.0"  # the chart version of the samples' default openstackRelease
# Cluster-scoped kinds OpenStack-Helm charts ship: nova's bootstrap and cell-setup RBAC, ovn's
# controller RBAC, mariadb's CRDs (2026.1).
CLUSTER_SCOPED = (
    "/apis/rbac.authorization.k8s.io/v1/clusterroles",
    "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
    "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
)


NODE = Resource("v1", "Node", "nodes", namespaced=False)


def pytest_collection_modifyitems(config, items):
    if source_from_env() is None:
        return
    for item in items:
        marker = item.get_closest_marker("fixture_charts")
        if marker is not None:
            reason = marker.kwargs.get("reason") or (marker.args[0] if marker.args else "")
            item.add_marker(pytest.mark.skip(reason=f"fixture charts only: {reason}"))


@pytest.fixture(scope="session")
def crd_installed(kube):
    result = kube.kubectl("apply", "--server-side", "-f", str(CRD_FILE))
    assert result.returncode == 0, result.stderr
    wait = kube.kubectl("wait", "--for=condition=Established", "--timeout=60s",
                        "crd/openstackcontrolplanes.osprey.dev")
    assert wait.returncode == 0, wait.stderr
    return True


@pytest.fixture(scope="session")
def real_charts() -> OshCharts | None:
    """The real charts packaged from OSH_CHARTS (cached under .cache/), None when unset."""
    source = source_from_env()
    return osh_charts(source) if source is not None else None


@pytest.fixture(scope="session")
def chart_repo(tmp_path_factory, real_charts):
    directory = (real_charts.repository if real_charts is not None
                 else package_fixture_charts(tmp_path_factory.mktemp("charts")))
    with ChartRepository(directory) as repo:
        yield repo


@pytest.fixture(scope="session")
def chart_dir(real_charts) -> Path:
    """A local chart directory (what `spec.charts.repository: /path` points at)."""
    return real_charts.local(DEFAULT_PIN) if real_charts is not None else FIXTURE_CHARTS


@pytest.fixture
def client(kube, crd_installed) -> Client:
    return Client(str(kube.kubeconfig))


def _ready(node) -> bool:
    return any(c["type"] == "Ready" and c["status"] == "True"
               for c in (node.get("status") or {}).get("conditions") or ())


@pytest.fixture
def nodes(kube, client) -> Iterator[Callable[[int], None]]:
    """`nodes(n)`: at least n Ready nodes, as OpenStack-Helm's required anti-affinity (one
    memcached replica per host) needs. The simulator gets Node objects like its first one,
    deleted after the test; a real cluster with fewer nodes skips the test."""
    added: list[str] = []

    def ensure(count: int) -> None:
        existing = client.run(client.kube.request("GET", NODE.path()))["items"]
        ready = [n for n in existing if _ready(n)]
        if len(ready) >= count:
            return
        if kube.sim is None:
            pytest.skip(f"needs {count} Ready nodes, the cluster has {len(ready)}")
        model = ready[0]
        for i in range(count - len(ready)):
            name = f"{model['metadata']['name']}-extra-{i}"
            labels = {**model["metadata"].get("labels", {}), "kubernetes.io/hostname": name}
            client.run(client.kube.request("POST", NODE.path(), body={
                "apiVersion": "v1", "kind": "Node", "metadata": {"name": name, "labels": labels}}))
            added.append(name)
            client.run(client.kube.request(
                "PATCH", NODE.path(name=name) + "/status",
                body={"status": copy.deepcopy(model["status"])},
                content_type="application/merge-patch+json"))

    yield ensure
    for name in added:
        client.run(client.kube.request("DELETE", NODE.path(name=name)))


@pytest.fixture(scope="module", autouse=True)
def module_without_cluster_objects_of_deleted_namespaces(kube) -> None:
    """Before a module's own fixtures (they may converge a control plane once for the module)."""
    delete_cluster_objects_of_deleted_namespaces(Client(str(kube.kubeconfig)))


@pytest.fixture(autouse=True)
def without_cluster_objects_of_deleted_namespaces(kube) -> None:
    delete_cluster_objects_of_deleted_namespaces(Client(str(kube.kubeconfig)))


def delete_cluster_objects_of_deleted_namespaces(api: Client) -> None:
    """Each test starts as on a cluster of its own: cluster-scoped objects that a catalog
    release of an earlier test's namespace installed are deleted.

    Deleting a namespace does not uninstall its Helm releases, so their cluster-scoped objects
    stay; the next control plane in another namespace could not install the same chart (Helm
    refuses objects whose `meta.helm.sh/release-namespace` names another namespace; issue 12).
    """
    releases = {entry.name for entry in catalog.CATALOG}
    active: dict[str, bool] = {}

    def namespace_active(name: str) -> bool:
        if name not in active:
            try:
                body = api.run(api.kube.request("GET", f"/api/v1/namespaces/{name}"))
            except KubeError as exc:
                if exc.status != 404:
                    raise
                body = None
            active[name] = bool(body) and body["status"].get("phase") != "Terminating"
        return active[name]

    for path in CLUSTER_SCOPED:
        for item in api.run(api.kube.request("GET", path)).get("items", ()):
            annotations = item["metadata"].get("annotations") or {}
            release = annotations.get("meta.helm.sh/release-name")
            owner = annotations.get("meta.helm.sh/release-namespace")
            if release in releases and owner and not namespace_active(owner):
                try:
                    api.run(api.kube.request("DELETE", f"{path}/{item['metadata']['name']}"))
                except KubeError as exc:
                    if exc.status != 404:
                        raise
