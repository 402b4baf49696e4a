"""Every catalog chart, rendered with the catalog's values the way Osprey installs it (through
the cluster-scope post-renderer), has no cluster-scoped object Osprey does not handle, and two
namespaces' renders share none but the cluster's shared ones.

The fixture charts always; the real OpenStack-Helm charts too when OSH_CHARTS is set.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from osprey.catalog import entry
from osprey.clusterscope import CLUSTER_SCOPED, SHARED, unhandled
from osprey.helm_plugin import plugins_path, post_renderer_args, write_plugin
from tests.fixtures.chartrepo import FIXTURE_CHARTS, HELM
from tests.fixtures.oshcharts import osh_charts, source_from_env
from tests.unit.test_catalog_fixture_charts import GOLDEN, rendered_cases
from tests.unit.test_fixture_shapes import packaged

NAMESPACES = ("cloud-a", "cloud-b")
# The minimal sample's charts are rendered by the others too (with more enabled).
CASES = [(sample, chart) for sample, chart in rendered_cases() if sample != "minimal"]


@pytest.fixture(scope="module")
def helm_env(tmp_path_factory) -> dict[str, str]:
    plugins = write_plugin(tmp_path_factory.mktemp("plugins"))
    return {**os.environ, "HELM_PLUGINS": plugins_path(plugins)}


def installed(chart: Path | str, values: Path | None, namespace: str,
              env: dict[str, str], release: str, shared: bool = False) -> list[dict[str, Any]]:
    """What `helm upgrade --install` of Osprey would create, hooks included (with `shared`:
    what Osprey applies itself before it)."""
    args = [str(HELM), "template", release, str(chart), "--namespace", namespace,
            *post_renderer_args(namespace, shared=shared)]
    if values is not None:
        args += ["-f", str(values)]
    result = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 0, result.stderr
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def cluster_scoped(docs: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {(d["kind"], d["metadata"]["name"]) for d in docs if d["kind"] in CLUSTER_SCOPED}


def check(chart_dir: Path | str, values: Path | None, release: str, env) -> None:
    renders = [installed(chart_dir, values, ns, env, release) for ns in NAMESPACES]
    for docs in renders:
        assert unhandled(docs) == [], f"{release}: cluster-scoped objects without a rule"
        assert not [d for d in docs if d["kind"] in SHARED], f"{release}: shared in a release"
    a, b = (cluster_scoped(docs) for docs in renders)
    assert not a & b, f"{release}: two control planes would collide on {sorted(a & b)}"
    if not entry(release).renders_shared:
        assert installed(chart_dir, values, NAMESPACES[0], env, release, shared=True) == [], (
            f"{release} renders objects the cluster shares: set renders_shared in its entry")


@pytest.mark.parametrize(("sample", "chart"), CASES)
def test_fixture_chart_has_only_cluster_objects_the_catalog_handles(sample, chart, helm_env):
    check(FIXTURE_CHARTS / chart, GOLDEN / sample / f"{chart}.yaml", chart, helm_env)


def test_fixture_mariadb_leaves_its_crds_to_the_shared_render(tmp_path, helm_env):
    chart = packaged("mariadb", "2026.1.6+0ee5adeff", tmp_path)
    check(chart, GOLDEN / "minimal" / "mariadb.yaml", "mariadb", helm_env)
    shared = installed(chart, GOLDEN / "minimal" / "mariadb.yaml", "cloud-a", helm_env,
                       "mariadb", shared=True)
    assert {d["metadata"]["name"] for d in shared} == {
        f"{p}.mariadb.osh.openstack.org" for p in ("databases", "users", "grants", "connections")}


@pytest.mark.skipif(source_from_env() is None, reason="OSH_CHARTS is not set")
@pytest.mark.parametrize(("sample", "chart"), CASES)
def test_real_chart_has_only_cluster_objects_the_catalog_handles(sample, chart, helm_env):
    charts = osh_charts(source_from_env())
    for tree in charts.trees.values():
        check(tree / chart, GOLDEN / sample / f"{chart}.yaml", chart, helm_env)
