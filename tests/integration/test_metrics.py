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
from tests.integration.operator_harness import RunningOperator, control_plane

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


@pytest.fixture
def operator(kube, namespace) -> Iterator[RunningOperator]:
    with RunningOperator(str(kube.kubeconfig), namespace) as op:
        yield op


@pytest.fixture
def endpoint(operator) -> Iterator[Endpoint]:
    served = Endpoint(operator.runtime.metrics)
    yield served
    served.close()


def releases_of(body) -> list[str]:
    return [e.name for e in catalog.enabled_entries(validate_spec(body["spec"]))]


def test_metrics_follow_a_control_plane_from_not_ready_to_ready(
    client, namespace, chart_repo, endpoint
):
    body = control_plane("minimal.yaml", namespace, chart_repo.url)
    name = body["metadata"]["name"]
    plane = {"namespace": namespace, "name": name}
    client.apply_control_plane(body)

    seen: list[float] = []

    def ready_in_metrics() -> bool:
        value = endpoint.scrape().value("osprey_controlplane_ready", **plane)
        if value is not None and (not seen or seen[-1] != value):
            seen.append(value)
        return value == 1

    client.wait_for(ready_in_metrics, 180, "osprey_controlplane_ready 1", interval=0.05)
    client.wait_ready(namespace, name, timeout=10)
    assert seen == [0, 1], "the gauge reports 0 while converging, then 1"

    scrape = endpoint.scrape()
    releases = releases_of(body)
    for release in releases:
        assert scrape.value("osprey_release_ready", service=release, **plane) == 1, release
    assert {labels["service"] for labels, _ in scrape.series("osprey_release_ready")} == set(
        releases
    )


def test_metrics_count_passes_and_helm_operations_per_chart(
    client, namespace, chart_repo, operator, endpoint
):
    body = control_plane("minimal.yaml", namespace, chart_repo.url)
    client.apply_control_plane(body)
    client.wait_ready(namespace, body["metadata"]["name"])
    scrape = endpoint.scrape()

    assert scrape.value("osprey_info", version=__version__) == 1
    ok_passes = scrape.value("osprey_reconcile_total", result="ok")
    assert ok_passes is not None and ok_passes > 0
    assert scrape.value("osprey_reconcile_total", result="error") == 0
    passes = sum(value for _, value in scrape.series("osprey_reconcile_total"))
    assert scrape.value("osprey_reconcile_duration_seconds_count") == passes
    assert scrape.value("osprey_reconcile_duration_seconds_sum") > 0
    assert scrape.value("osprey_reconcile_duration_seconds_bucket", le="+Inf") == passes

    for release in releases_of(body):
        installs = [o for o in operator.helm.of(namespace, "upgrade") if o.release == release]
        assert scrape.value("osprey_helm_operations_total", operation="upgrade", chart=release,
                            result="ok") == len(installs) == 1, release
        assert scrape.value("osprey_helm_operations_total", operation="upgrade", chart=release,
                            result="error") is None, release
        assert scrape.value("osprey_helm_operation_duration_seconds_count", operation="upgrade",
                            chart=release) == 1, release

    loops = {labels["state"]: value for labels, value in scrape.series("osprey_loops")}
    assert loops["running"] + loops["idle"] == 1, loops


def test_deleting_a_control_plane_drops_its_series(client, namespace, chart_repo, endpoint):
    body = control_plane("minimal.yaml", namespace, chart_repo.url)
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
