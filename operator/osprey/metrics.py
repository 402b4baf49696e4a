"""Prometheus metrics of the operator.

All series live on one `CollectorRegistry` owned by a `Metrics` object that is created once at
start-up and handed to whoever records something. Nothing is registered on prometheus-client's
global default registry, so tests (and several operators in one process) never collide.

Label values are bounded on purpose: results and reasons come from small fixed vocabularies,
charts from the catalog, and per-control-plane series are removed with `forget` when the
resource is deleted, so the series count follows the number of live control planes.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from threading import Thread
from wsgiref.simple_server import WSGIServer

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
    start_http_server,
)

from osprey import __version__

# `*_created` series double every counter's cardinality and no alert or dashboard uses them.
disable_created_metrics()

PREFIX = "osprey"

# Reconcile passes of the whole control plane: milliseconds for a no-op pass, tens of minutes
# when OpenStack-Helm's hook Jobs run.
RECONCILE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300,
                     600, 1200, 1800)
# One helm command: a status or get is sub-second, an upgrade waits for hook Jobs.
HELM_BUCKETS = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 900, 1800)

RESULT_OK = "ok"
RESULT_ERROR = "error"


@dataclass
class ReconcileOutcome:
    """The result `Metrics.reconcile_timer` records; the body may set another one."""

    result: str = RESULT_OK


class Metrics:
    """The operator's metrics, on a registry of their own.

    Create one per process (or per test) and pass it to the code that records.
    """

    def __init__(self, registry: CollectorRegistry | None = None, version: str = __version__):
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        self.info = Gauge(
            f"{PREFIX}_info", "Build information of the running operator; always 1.",
            ["version"], registry=r,
        )
        self.reconcile_total = Counter(
            f"{PREFIX}_reconcile_total",
            "Reconcile passes of control planes by result (ok, error, invalid, paused, ...).",
            ["result"], registry=r,
        )
        self.reconcile_duration = Histogram(
            f"{PREFIX}_reconcile_duration_seconds",
            "Wall-clock duration of one reconcile pass of a control plane.",
            buckets=RECONCILE_BUCKETS, registry=r,
        )
        self.helm_operations_total = Counter(
            f"{PREFIX}_helm_operations_total",
            "Helm commands run, by operation (install, upgrade, uninstall, status, ...), chart "
            "and result (ok or error).",
            ["operation", "chart", "result"], registry=r,
        )
        self.helm_operation_duration = Histogram(
            f"{PREFIX}_helm_operation_duration_seconds",
            "Duration of Helm commands by operation and chart.",
            ["operation", "chart"], buckets=HELM_BUCKETS, registry=r,
        )
        self.heals_total = Counter(
            f"{PREFIX}_heals_total",
            "Repairs of releases by reason (missing_object, modified_object, failed_job, "
            "immutable_job, immutable_statefulset, expanded_claim, stuck_rollback, "
            "stuck_reinstall).",
            ["reason"], registry=r,
        )
        self.release_ready = Gauge(
            f"{PREFIX}_release_ready",
            "1 when the Helm release of a service of a control plane is ready, else 0.",
            ["namespace", "name", "service"], registry=r,
        )
        self.controlplane_ready = Gauge(
            f"{PREFIX}_controlplane_ready",
            "1 when a control plane's Ready condition is True for its current generation.",
            ["namespace", "name"], registry=r,
        )
        self.pending_wakeups = Gauge(
            f"{PREFIX}_pending_wakeups",
            "Control planes with a reconcile pass requested but not yet started.",
            registry=r,
        )
        self.loops = Gauge(
            f"{PREFIX}_loops",
            "Per-control-plane reconcile loops by state (running a pass, or idle).",
            ["state"], registry=r,
        )
        self.leader = Gauge(
            f"{PREFIX}_leader",
            "1 while this replica reconciles (it holds its shard's Lease, or runs alone); "
            "0 while it stands by.",
            registry=r,
        )
        self.info.labels(version=version).set(1)
        # Declare the bounded label values up front so dashboards see zeros, not gaps.
        for state in ("running", "idle"):
            self.loops.labels(state=state).set(0)
        for result in (RESULT_OK, RESULT_ERROR):
            self.reconcile_total.labels(result=result)

    # --- reconcile -----------------------------------------------------------------------

    def observe_reconcile(self, result: str, seconds: float) -> None:
        """Count one finished pass and record how long it took."""
        self.reconcile_total.labels(result=result).inc()
        self.reconcile_duration.observe(seconds)

    @contextmanager
    def reconcile_timer(self) -> Iterator[ReconcileOutcome]:
        """Time a pass; the result is `ok`, `error` on an exception, or what the body sets.

        >>> with metrics.reconcile_timer() as outcome:
        ...     outcome.result = "invalid"
        """
        outcome = ReconcileOutcome()
        start = time.monotonic()
        try:
            yield outcome
        except BaseException:
            outcome.result = RESULT_ERROR
            raise
        finally:
            self.observe_reconcile(outcome.result, time.monotonic() - start)

    def set_leader(self, leading: bool) -> None:
        self.leader.set(1 if leading else 0)

    def set_loops(self, running: int, idle: int) -> None:
        """Record how many per-control-plane loops are in a pass and how many wait."""
        self.loops.labels(state="running").set(running)
        self.loops.labels(state="idle").set(idle)

    def set_pending_wakeups(self, count: int) -> None:
        """Record how many control planes wait for a pass to start."""
        self.pending_wakeups.set(count)

    # --- helm ----------------------------------------------------------------------------

    @contextmanager
    def helm_operation(self, operation: str, chart: str) -> Iterator[None]:
        """Time and count one Helm command; an exception counts as `error` and propagates."""
        start = time.monotonic()
        result = RESULT_ERROR
        try:
            yield
            result = RESULT_OK
        finally:
            self.helm_operation_duration.labels(operation=operation, chart=chart).observe(
                time.monotonic() - start
            )
            self.helm_operations_total.labels(
                operation=operation, chart=chart, result=result
            ).inc()

    # --- health --------------------------------------------------------------------------

    def heal(self, reason: str) -> None:
        """Count one repair of drift (reason: a short snake_case word, never free text)."""
        self.heals_total.labels(reason=reason).inc()

    def set_release_ready(self, namespace: str, name: str, service: str, ready: bool) -> None:
        """Record the readiness of one service's release of a control plane."""
        self.release_ready.labels(namespace=namespace, name=name, service=service).set(
            1 if ready else 0
        )

    def forget_release(self, namespace: str, name: str, service: str) -> None:
        """Drop the series of a service that was disabled, so it stops reporting 0 forever."""
        self.release_ready.remove(namespace, name, service)

    def set_controlplane_ready(self, namespace: str, name: str, ready: bool) -> None:
        """Record whether a control plane is Ready for its current generation."""
        self.controlplane_ready.labels(namespace=namespace, name=name).set(1 if ready else 0)

    def forget(self, namespace: str, name: str) -> None:
        """Remove every series of a deleted control plane."""
        self.controlplane_ready.remove(namespace, name)
        services = {
            sample.labels["service"]
            for family in self.release_ready.collect()
            for sample in family.samples
            if sample.labels["namespace"] == namespace and sample.labels["name"] == name
        }
        for service in services:
            self.release_ready.remove(namespace, name, service)

    # --- exposition ----------------------------------------------------------------------

    def exposition(self) -> str:
        """The registry in Prometheus text format, as a scrape would see it."""
        return generate_latest(self.registry).decode()

    def serve(self, port: int, host: str = "0.0.0.0") -> tuple[WSGIServer, Thread]:
        """Serve /metrics on its own port in a daemon thread; returns the server to stop it."""
        return start_http_server(port, addr=host, registry=self.registry)

