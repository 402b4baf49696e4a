"""The operator's Prometheus metrics, read back as a scrape would see them."""

from __future__ import annotations

import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from osprey.metrics import Metrics


@pytest.fixture
def metrics() -> Metrics:
    return Metrics(version="1.2.3")


def sample(metrics: Metrics, metric: str, **labels: str) -> float | None:
    """The value of one series in the text exposition, None when absent."""
    for family in text_string_to_metric_families(metrics.exposition()):
        for s in family.samples:
            if s.name == metric and s.labels == labels:
                return s.value
    return None


def series(metrics: Metrics, metric: str) -> list[dict[str, str]]:
    """The label sets of every series of one metric."""
    return [
        s.labels
        for family in text_string_to_metric_families(metrics.exposition())
        for s in family.samples
        if s.name == metric
    ]


def test_every_metric_name_carries_the_project_prefix(metrics: Metrics) -> None:
    names = {f.name for f in text_string_to_metric_families(metrics.exposition())}
    assert names and all(n.startswith("osprey_") for n in names)


def test_info_reports_the_version(metrics: Metrics) -> None:
    assert sample(metrics, "osprey_info", version="1.2.3") == 1


def test_two_instances_do_not_share_series() -> None:
    a, b = Metrics(), Metrics()
    a.heal("missing_object")
    assert sample(b, "osprey_heals_total", reason="missing_object") is None


def test_reconcile_outcomes_are_zero_before_any_pass(metrics: Metrics) -> None:
    assert sample(metrics, "osprey_reconcile_total", result="ok") == 0
    assert sample(metrics, "osprey_reconcile_total", result="error") == 0


def test_observe_reconcile_counts_by_result_and_records_duration(metrics: Metrics) -> None:
    metrics.observe_reconcile("ok", 0.02)
    metrics.observe_reconcile("invalid", 0.5)
    assert sample(metrics, "osprey_reconcile_total", result="ok") == 1
    assert sample(metrics, "osprey_reconcile_total", result="invalid") == 1
    assert sample(metrics, "osprey_reconcile_duration_seconds_count") == 2
    assert sample(metrics, "osprey_reconcile_duration_seconds_bucket", le="0.025") == 1


def test_reconcile_timer_counts_an_exception_as_error(metrics: Metrics) -> None:
    with pytest.raises(RuntimeError), metrics.reconcile_timer():
        raise RuntimeError("boom")
    assert sample(metrics, "osprey_reconcile_total", result="error") == 1


def test_reconcile_timer_records_the_result_the_body_sets(metrics: Metrics) -> None:
    with metrics.reconcile_timer() as outcome:
        outcome.result = "paused"
    assert sample(metrics, "osprey_reconcile_total", result="paused") == 1


def test_helm_operation_counts_success_and_times_it(metrics: Metrics) -> None:
    with metrics.helm_operation("upgrade", "keystone"):
        pass
    assert (
        sample(metrics, "osprey_helm_operations_total",
               operation="upgrade", chart="keystone", result="ok") == 1
    )
    assert (
        sample(metrics, "osprey_helm_operation_duration_seconds_count",
               operation="upgrade", chart="keystone") == 1
    )


def test_helm_operation_counts_a_failure_as_error_and_reraises(metrics: Metrics) -> None:
    with pytest.raises(ValueError), metrics.helm_operation("install", "mariadb"):
        raise ValueError("helm failed")
    assert (
        sample(metrics, "osprey_helm_operations_total",
               operation="install", chart="mariadb", result="error") == 1
    )
    assert (
        sample(metrics, "osprey_helm_operations_total",
               operation="install", chart="mariadb", result="ok") is None
    )


def test_heal_counts_by_reason(metrics: Metrics) -> None:
    metrics.heal("failed_job")
    metrics.heal("failed_job")
    assert sample(metrics, "osprey_heals_total", reason="failed_job") == 2


def test_release_ready_is_one_or_zero_per_service(metrics: Metrics) -> None:
    metrics.set_release_ready("cloud", "main", "keystone", True)
    metrics.set_release_ready("cloud", "main", "nova", False)
    assert sample(metrics, "osprey_release_ready",
                  namespace="cloud", name="main", service="keystone") == 1
    assert sample(metrics, "osprey_release_ready",
                  namespace="cloud", name="main", service="nova") == 0


def test_controlplane_ready_follows_the_last_value(metrics: Metrics) -> None:
    metrics.set_controlplane_ready("cloud", "main", True)
    metrics.set_controlplane_ready("cloud", "main", False)
    assert sample(metrics, "osprey_controlplane_ready", namespace="cloud", name="main") == 0


def test_forget_removes_only_the_deleted_control_planes_series(metrics: Metrics) -> None:
    for ns in ("a", "b"):
        metrics.set_controlplane_ready(ns, "main", True)
        metrics.set_release_ready(ns, "main", "keystone", True)
        metrics.set_release_ready(ns, "main", "glance", True)
    metrics.forget("a", "main")
    assert {s["namespace"] for s in series(metrics, "osprey_release_ready")} == {"b"}
    assert series(metrics, "osprey_controlplane_ready") == [{"namespace": "b", "name": "main"}]


def test_forget_of_an_unknown_control_plane_is_harmless(metrics: Metrics) -> None:
    metrics.forget("nowhere", "nothing")
    assert series(metrics, "osprey_controlplane_ready") == []


def test_forget_release_drops_a_disabled_service(metrics: Metrics) -> None:
    metrics.set_release_ready("cloud", "main", "heat", True)
    metrics.forget_release("cloud", "main", "heat")
    assert series(metrics, "osprey_release_ready") == []


def test_loop_gauges_report_running_idle_and_pending(metrics: Metrics) -> None:
    metrics.set_loops(running=2, idle=5)
    metrics.set_pending_wakeups(3)
    assert sample(metrics, "osprey_loops", state="running") == 2
    assert sample(metrics, "osprey_loops", state="idle") == 5
    assert sample(metrics, "osprey_pending_wakeups") == 3


def test_serve_exposes_the_registry_over_http(metrics: Metrics) -> None:
    metrics.heal("missing_object")
    server, thread = metrics.serve(0, host="127.0.0.1")
    try:
        port = server.server_port
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as resp:
            body = resp.read().decode()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    assert 'osprey_heals_total{reason="missing_object"} 1.0' in body
