"""Fixtures of the integration suite: the CRD installed, the chart repository served, and a
client for test bodies (`kube` and `namespace` come from tests/conftest.py).

With `OSH_CHARTS` set (a checkout or git directory of openstack-helm), `chart_repo` and
`chart_dir` serve the real OpenStack-Helm charts instead of the fixture charts, and tests
marked `fixture_charts` (they depend on something only the fixtures have) are skipped.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.chartrepo import FIXTURE_CHARTS, ChartRepository, package_fixture_charts
from tests.fixtures.oshcharts import OshCharts, osh_charts, source_from_env
from tests.integration.operator_harness import CRD_FILE, Client

DEFAULT_PIN = "2025.1.0"  # the chart version of the samples' default openstackRelease


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
