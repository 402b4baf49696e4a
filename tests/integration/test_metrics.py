"""The operator's /metrics, scraped over HTTP as Prometheus does, while a control plane converges."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from prometheus_client.parser import text_string_to_metric_families

from osprey import __version__, catalog
from osprey.api import validate_spec
from osprey.metrics import Metrics
from tests.integration.operator_harness import Client, RunningOperator, control_plane

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class Scrape:
    """One scrape of the text exposition: every sample, by name and labels."""

    samples: tuple[tuple[str, dict[str, str], float], ...]

    def value(self, metric: str, /, **labels: str) -> float | None:
        """The value of the one series with exactly these labels, None when absent."""
        for sample_name, sample_labels, value in self.samples:
            if sample_name == metric and sample_labels == labels:
                return value
        return None

    def series(self, metric: str) -> list[tuple[dict[str, str], float]]:
        return [(labels, value) for n, labels, value in self.samples if n == metric]


class Endpoint:
    """The operator's metrics served on a free loopback port, fetched over HTTP."""

    def __init__(self, metrics: Metrics):
        self._server, self._thread = metrics.serve(0, host="127.0.0.1")
        self.url = f"http://127.0.0.1:{self._server.server_port}/metrics"

    def scrape(self) -> Scrape:
        with urllib.request.urlopen(self.url, timeout=5) as response:
            assert response.status == 200
            assert response.headers["Content-Type"].startswith("text/plain")
            text = response.read().decode()
        return Scrape(tuple(
            (s.name, dict(s.labels), s.value)
            for family in text_string_to_metric_families(text)
            for s in family.samples
        ))

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


def releases_of(body) -> list[str]:
    return [e.name for e in catalog.enabled_entries(validate_spec(body["spec"]))]


@dataclass(frozen=True)
class Converged:
    """A minimal control plane converged by an operator whose metrics were scraped all along."""

    operator: RunningOperator
    endpoint: Endpoint
    namespace: str
    name: str
    releases: list[str]
    ready_values: list[float]  # osprey_controlplane_ready as scraped, each change once


@pytest.fixture(scope="module")
def converged(kube, crd_installed, chart_repo) -> Iterator[Converged]:
    """One convergence shared by the tests that only read its metrics (it takes seconds)."""
    namespace = kube.new_namespace("metrics")
    client = Client(str(kube.kubeconfig))
    body = control_plane("minimal.yaml", namespace, chart_repo.url)
    name = body["metadata"]["name"]
    with RunningOperator(str(kube.kubeconfig), namespace) as op:
        endpoint = Endpoint(op.runtime.metrics)
        try:
            client.apply_control_plane(body)
            seen: list[float] = []

            def ready_in_metrics() -> bool:
                value = endpoint.scrape().value("osprey_controlplane_ready",
                                                namespace=namespace, name=name)
                if value is not None and (not seen or seen[-1] != value):
                    seen.append(value)
                return value == 1

            client.wait_for(ready_in_metrics, 180, "osprey_controlplane_ready 1", interval=0.05)
            client.wait_ready(namespace, name, timeout=10)
            yield Converged(op, endpoint, namespace, name, releases_of(body), seen)
        finally:
            endpoint.close()
    kube.delete_namespace(namespace)


def test_the_control_plane_gauge_reports_0_while_converging_then_1(converged):
    assert converged.ready_values == [0, 1]


def test_every_release_of_a_ready_control_plane_reports_ready(converged):
    scrape = converged.endpoint.scrape()
    plane = {"namespace": converged.namespace, "name": converged.name}
    assert {labels["service"]: value for labels, value in scrape.series("osprey_release_ready")
            if labels["namespace"] == converged.namespace} == dict.fromkeys(
        converged.releases, 1.0
    )
    assert scrape.value("osprey_controlplane_ready", **plane) == 1


def test_passes_are_counted_by_result_and_timed(converged):
    scrape = converged.endpoint.scrape()
    ok_passes = scrape.value("osprey_reconcile_total", result="ok")
    assert ok_passes is not None and ok_passes > 0
    assert scrape.value("osprey_reconcile_total", result="error") == 0
    passes = sum(value for _, value in scrape.series("osprey_reconcile_total"))
    assert scrape.value("osprey_reconcile_duration_seconds_count") == passes
    assert scrape.value("osprey_reconcile_duration_seconds_bucket", le="+Inf") == passes
    assert scrape.value("osprey_reconcile_duration_seconds_sum") > 0


def test_helm_operations_are_counted_and_timed_per_chart(converged):
    scrape = converged.endpoint.scrape()
    upgrades = converged.operator.helm.of(converged.namespace, "upgrade")
    for release in converged.releases:
        installs = [o for o in upgrades if o.release == release]
        assert len(installs) == 1, release
        labels = {"operation": "upgrade", "chart": release}
        assert scrape.value("osprey_helm_operations_total", result="ok", **labels) == 1, release
        assert scrape.value("osprey_helm_operations_total", result="error", **labels) is None
        assert scrape.value("osprey_helm_operation_duration_seconds_count", **labels) == 1


def test_the_operator_reports_its_version_and_its_loops(converged):
    scrape = converged.endpoint.scrape()
    assert scrape.value("osprey_info", version=__version__) == 1
    loops = {labels["state"]: value for labels, value in scrape.series("osprey_loops")}
    assert loops["running"] + loops["idle"] == 1, loops


@pytest.fixture
def endpoint(kube, namespace) -> Iterator[Endpoint]:
    with RunningOperator(str(kube.kubeconfig), namespace) as op:
        served = Endpoint(op.runtime.metrics)
        yield served
        served.close()


@pytest.mark.fixture_charts(reason="a second control plane beside the module's: not yet run on "
                            "the real charts since they may share a cluster (issue 12)")
def test_deleting_a_control_plane_drops_its_series(client, namespace, chart_repo, endpoint):
    # No node agents: the module's control plane holds the nodes of OpenStack-Helm's labels.
    no_agents = {"nova": {"enabled": False}, "neutron": {"enabled": False}}
    body = control_plane("minimal.yaml", namespace, chart_repo.url, services=no_agents)
    name = body["metadata"]["name"]
    client.apply_control_plane(body)
    client.wait_ready(namespace, name)
    assert endpoint.scrape().value("osprey_controlplane_ready", namespace=namespace, name=name)

    client.delete("OpenStackControlPlane", namespace, name)
    client.wait_for(lambda: client.get("OpenStackControlPlane", namespace, name) is None,
                    120, "the control plane to be gone")

    def gone() -> bool:
        scrape = endpoint.scrape()
        per_plane = [
            labels
            for metric in ("osprey_controlplane_ready", "osprey_release_ready")
            for labels, _ in scrape.series(metric)
            if labels["namespace"] == namespace
        ]
        return not per_plane

    client.wait_for(gone, 10, "the control plane's series to disappear")
    scrape = endpoint.scrape()
    uninstalls = scrape.series("osprey_helm_operations_total")
    assert {labels["chart"] for labels, _ in uninstalls if labels["operation"] == "uninstall"} \
        == set(releases_of(body))
