"""Scale: N control planes (one per namespace) on one operator process, `osprey run` watching
every namespace, as deployed. Its memory and CPU come from /proc; its passes and helm calls
from its own /metrics; API requests from the simulator's counter.

RSS is taken right after the converge, from the process that did it; no-op passes are then
counted on a restarted operator whose only work is its periodic resync.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from bench.cluster import HELM, Cluster
from bench.figures import Figure
from bench.procstat import cpu_seconds, memory_kib
from bench.waiting import POLL, is_ready
from tests.integration.operator_harness import ROOT, control_plane

SAMPLE = "compute-kit.yaml"
DEFAULT_RESYNC_SECONDS = 300.0  # `osprey run`'s default, while converging
RESYNC_SECONDS = 5.0  # afterwards, the no-op passes come from the periodic resync
HELM_CALLS = "osprey_helm_operations_total"
PASSES = "osprey_reconcile_total"
FAILED_PASSES = "passes with a result other than ok"
# `helm template` (a release's shared objects, immutable fields): counted apart from the
# operations that change a release.
HELM_RENDERS = "helm renders"
RENDERS = ("template",)
WINDOW_RESYNCS = 3  # the no-op window, in resync periods


@dataclass(frozen=True)
class ScalePoint:
    control_planes: int
    releases: int
    objects: int  # Kubernetes objects in the control planes' namespaces
    converge_seconds: float
    rss_mib: float
    peak_rss_mib: float
    noop_passes: int
    noop_failed_passes: int  # passes whose result was not ok (error, ...)
    noop_cpu_ms_per_pass: float
    noop_helm_calls: int
    noop_requests_per_pass: float
    helm_calls: int
    helm_renders: int  # of helm_calls, `helm template`
    converge_requests: dict[str, int]  # served by the simulator while converging, by client
    converge_cpu: dict[str, float]  # CPU seconds while converging: operator, API server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scrape(port: int) -> dict[str, float]:
    """Counter totals by metric name (summed over labels)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        text = response.read().decode()
    totals: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name.endswith("_total"):
                totals[sample.name] = totals.get(sample.name, 0.0) + sample.value
                if sample.name == PASSES and sample.labels.get("result") != "ok":
                    totals[FAILED_PASSES] = totals.get(FAILED_PASSES, 0.0) + sample.value
                if sample.name == HELM_CALLS and sample.labels.get("operation") in RENDERS:
                    totals[HELM_RENDERS] = totals.get(HELM_RENDERS, 0.0) + sample.value
    return totals


# The bench's chart repository is on loopback; the operator's policy allows only
# OpenStack-Helm's by default.
ALLOW_BENCH_REPOSITORY = ("--allow-chart-repository", "http://127.0.0.1:*")


def start_operator(cluster: Cluster, metrics_port: int, resync: float,
                   log: Path) -> subprocess.Popen:
    with log.open("a") as stderr:
        return subprocess.Popen(
            [sys.executable, "-m", "osprey.cli", "run", "--kubeconfig", str(cluster.kubeconfig),
             "--helm", str(HELM), "--helm-timeout", "10m", "--resync-seconds", str(resync),
             "--metrics-port", str(metrics_port), "--liveness-port", "0", "--log-level", "error",
             *ALLOW_BENCH_REPOSITORY],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=stderr)


def all_ready(cluster: Cluster, count: int) -> bool:
    items = cluster.client.run(cluster.client.kube.request(
        "GET", "/apis/osprey.dev/v1alpha1/openstackcontrolplanes")).get("items", [])
    refused = [f"{i['metadata']['namespace']}: {c.get('message', '')}" for i in items
               for c in (i.get("status") or {}).get("conditions") or ()
               if c["type"] == "Ready" and c.get("reason") == "InvalidSpec"]
    if refused:  # nothing changes until the spec does: waiting would only time out
        raise RuntimeError(f"{len(refused)} control planes refused, e.g. {refused[0]}")
    return len(items) == count and all(is_ready(item) for item in items)


def count_objects(cluster: Cluster, namespaces: list[str]) -> int:
    kinds = ("Deployment", "StatefulSet", "DaemonSet", "Job", "Service", "ConfigMap", "Secret",
             "PersistentVolumeClaim")
    return sum(len(cluster.client.list(kind, ns)) for ns in namespaces for kind in kinds)


class OperatorProcess:
    """`osprey run` in a subprocess, with its /metrics on a free port."""

    def __init__(self, cluster: Cluster, resync: float):
        self.port = free_port()
        self.log = cluster.workdir / "osprey-run.log"
        self.process = start_operator(cluster, self.port, resync, self.log)
        deadline = time.monotonic() + 60
        while True:
            try:
                scrape(self.port)
                return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("osprey run did not start") from None
                time.sleep(0.2)

    def alive(self) -> None:
        if self.process.poll() is not None:
            raise RuntimeError(f"osprey run exited: {self.log.read_text()[-2000:]}")

    def metrics(self) -> dict[str, float]:
        return scrape(self.port)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def pools_of_no_node(namespace: str) -> dict[str, dict[str, str]]:
    """Node pools no node carries: control planes in one cluster need disjoint agent pools
    (NodePoolsOverlap), and the simulator has too few nodes for one pair each. Their node
    agents' DaemonSets schedule no pod, which earlier scale figures (one pod per node) had."""
    label = {"osprey.dev/bench-plane": namespace}
    return {"compute": label, "network": label, "gateway": label}


def measure(cluster: Cluster, count: int, resync: float = RESYNC_SECONDS,
            timeout: float | None = None) -> ScalePoint:
    """Converge `count` control planes under an operator with the default resync; then, with
    every one Ready, restart it with a short resync and count what its no-op passes cost."""
    timeout = timeout or max(900.0, 40.0 * count)
    namespaces = [cluster.new_namespace(f"scale-{i:03d}") for i in range(count)]
    operator = OperatorProcess(cluster, resync=DEFAULT_RESYNC_SECONDS)
    try:
        requests_before = cluster.requests()
        cpu_before = (cpu_seconds(operator.process.pid), cpu_seconds(cluster.simulator_pid))
        started = time.monotonic()
        for ns in namespaces:
            cluster.client.apply_control_plane(control_plane(SAMPLE, ns, cluster.repository,
                                                             nodePools=pools_of_no_node(ns)))
        while not all_ready(cluster, count):
            if time.monotonic() - started > timeout:
                raise TimeoutError(f"{count} control planes not Ready in {timeout:.0f}s")
            operator.alive()
            time.sleep(max(POLL, 0.002 * count))
        converge = time.monotonic() - started
        converge_cpu = {
            "operator": cpu_seconds(operator.process.pid) - cpu_before[0],
            "API server": cpu_seconds(cluster.simulator_pid) - cpu_before[1],
        }
        converge_requests = dict(cluster.requests() - requests_before)
        memory = memory_kib(operator.process.pid)
        totals = operator.metrics()
        helm_calls = int(totals.get(HELM_CALLS, 0.0))
        helm_renders = int(totals.get(HELM_RENDERS, 0.0))
    finally:
        operator.stop()
    operator = OperatorProcess(cluster, resync=resync)
    try:
        # The passes of the restart itself (they list until the cache is synced and read
        # credentials): every loop's first two passes, then one more resync period.
        deadline = time.monotonic() + max(60.0, 2.0 * count)
        while (operator.metrics().get(PASSES, 0.0) < 2 * count
               and time.monotonic() < deadline):
            time.sleep(1.0)
        time.sleep(resync)
        before, requests_before = operator.metrics(), cluster.requests()
        cpu_before = cpu_seconds(operator.process.pid)
        time.sleep(WINDOW_RESYNCS * resync)
        cpu = cpu_seconds(operator.process.pid) - cpu_before
        after, requests = operator.metrics(), cluster.requests() - requests_before
        operator.alive()
    finally:
        operator.stop()
    passes = int(after[PASSES] - before[PASSES])
    failed = int(after.get(FAILED_PASSES, 0.0) - before.get(FAILED_PASSES, 0.0))
    return ScalePoint(
        control_planes=count,
        releases=count * _releases_per_plane(),
        objects=count_objects(cluster, namespaces),
        converge_seconds=converge,
        rss_mib=memory["VmRSS"] / 1024,
        peak_rss_mib=memory["VmHWM"] / 1024,
        noop_passes=passes,
        noop_failed_passes=failed,
        noop_cpu_ms_per_pass=1000 * cpu / max(passes, 1),
        noop_helm_calls=int(after.get(HELM_CALLS, 0.0) - before.get(HELM_CALLS, 0.0)),
        noop_requests_per_pass=requests.get("osprey", 0) / max(passes, 1),
        helm_calls=helm_calls,
        helm_renders=helm_renders,
        converge_requests=converge_requests,
        converge_cpu=converge_cpu,
    )


def _releases_per_plane() -> int:
    from bench.model import rendered_plan

    return len(rendered_plan(control_plane(SAMPLE, "x", "http://unused"), "x").releases)


def _cpu_ratio(cpu: dict[str, float]) -> str:
    server = cpu.get("API server", 0.0)
    return f"{100 * cpu['operator'] / server:.1f}%" if server else "n/a"


def scale_figures(points: list[ScalePoint], delays_text: str) -> list[Figure]:
    figures = []
    first = points[0]
    for p in points:
        growth = ""
        if p is not first:
            slope = (p.rss_mib - first.rss_mib) / (p.control_planes - first.control_planes)
            growth = f"+{slope:.2f} MiB per added control plane"
        section = f"scale {p.control_planes:>2}"
        figures += [
            Figure(section, "converge (all Ready)",
                   f"{p.converge_seconds:.1f} s ({p.releases} releases, {p.helm_calls} helm "
                   f"calls of which {p.helm_renders} template, {delays_text})",
                   f"{p.converge_seconds / p.releases:.2f} s per release"),
            Figure(section, "while converging: CPU; API requests",
                   ", ".join(f"{k} {v:.1f} s" for k, v in p.converge_cpu.items()) + "; "
                   + ", ".join(f"{k} {v}" for k, v in sorted(p.converge_requests.items())
                               if k != "bench"),
                   f"operator / API server CPU: {_cpu_ratio(p.converge_cpu)}"),
            Figure(section, "operator RSS now / peak",
                   f"{p.rss_mib:.0f} / {p.peak_rss_mib:.0f} MiB", growth),
            Figure(section, "no-op pass: CPU, API requests",
                   f"{p.noop_cpu_ms_per_pass:.1f} ms, {p.noop_requests_per_pass:.1f} req "
                   f"({p.noop_passes} passes, {p.noop_failed_passes} not ok, "
                   f"{p.noop_helm_calls} helm calls)",
                   f"{1000 * p.noop_cpu_ms_per_pass / (p.objects / p.control_planes):.0f} "
                   "us per object"),
        ]
    return figures
