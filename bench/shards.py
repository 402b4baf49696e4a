"""Sharding: N control planes (one per namespace) converged by M `osprey run --shard i/M`
processes, each leading its shard through its own Lease, as the chart deploys them.

Which control planes a shard reconciled comes from its own /metrics: a loop reports
`osprey_controlplane_ready` for its control plane and no other, so a control plane reconciled
by two shards would appear in both. Helm calls are summed over the shards: one per release
means no release was installed twice.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass

from prometheus_client.parser import text_string_to_metric_families

from bench.cluster import HELM, Cluster
from bench.figures import Figure
from bench.procstat import cpu_seconds, memory_kib
from bench.scale import (
    ALLOW_BENCH_REPOSITORY,
    HELM_CALLS,
    HELM_RENDERS,
    SAMPLE,
    _releases_per_plane,
    all_ready,
    free_port,
    pools_of_no_node,
    scrape,
)
from bench.waiting import POLL
from osprey.sharding import Shard
from tests.integration.operator_harness import ROOT, control_plane

LEASE_NAMESPACE = "default"
# The simulator is one Python thread sharing two cores with helm and the operators: while 50
# control planes converge, a request can wait longer than client-go's 10 s renew deadline
# (failed renewals and how long they waited are counted from the shards' logs).
LEASE_FLAGS = ("--lease-duration", "60", "--renew-deadline", "40", "--retry-period", "2")
RENEWAL_FAILED = re.compile(r"renewal failed after ([0-9.]+)s")


@dataclass(frozen=True)
class ShardedPoint:
    control_planes: int
    shards: int
    releases: int
    converge_seconds: float
    helm_calls: int  # that change a release (`helm template` left out)
    reconciled: list[set[str]]  # namespaces whose control plane each shard reconciled
    expected: list[set[str]]  # namespaces of each shard, by the hash
    cpu: list[float]  # CPU seconds of each shard while converging
    rss_mib: list[float]
    simulator_cpu: float
    failed_renewals: list[list[float]]  # per shard, how long each failed renewal waited

    @property
    def by_both(self) -> set[str]:
        seen: set[str] = set()
        twice: set[str] = set()
        for namespaces in self.reconciled:
            twice |= seen & namespaces
            seen |= namespaces
        return twice


class ShardProcess:
    """`osprey run --shard i/M --leader-elect` in a subprocess, /metrics on a free port."""

    def __init__(self, cluster: Cluster, shard: Shard):
        self.port = free_port()
        self.log = cluster.workdir / f"osprey-shard-{shard.index}.log"
        with self.log.open("a") as stderr:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "osprey.cli", "run", "--kubeconfig",
                 str(cluster.kubeconfig), "--helm", str(HELM), "--helm-timeout", "10m",
                 "--metrics-port", str(self.port), "--liveness-port", "0",
                 "--log-level", "warning", "--shard", str(shard), "--leader-elect",
                 "--lease-namespace", LEASE_NAMESPACE, "--identity", f"shard-{shard.index}",
                 *LEASE_FLAGS, *ALLOW_BENCH_REPOSITORY],
                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=stderr)
        deadline = time.monotonic() + 60
        while not self.leading():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"shard {shard} did not lead: {self.log.read_text()[-2000:]}")
            time.sleep(0.2)

    def _families(self):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics",
                                    timeout=10) as response:
            return list(text_string_to_metric_families(response.read().decode()))

    def leading(self) -> bool:
        try:
            families = self._families()
        except OSError:
            return False
        return any(s.name == "osprey_leader" and s.value == 1
                   for f in families for s in f.samples)

    def reconciled(self) -> set[str]:
        return {s.labels["namespace"] for f in self._families() for s in f.samples
                if s.name == "osprey_controlplane_ready"}

    def failed_renewals(self) -> list[float]:
        """Seconds each failed renewal of the Lease waited, from the log."""
        return [float(m) for m in RENEWAL_FAILED.findall(self.log.read_text())]

    def alive(self) -> None:
        if self.process.poll() is not None:
            raise RuntimeError(f"osprey run exited (failed renewals after "
                               f"{self.failed_renewals()} s): {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def measure_shards(cluster: Cluster, count: int, shards: int = 2,
                   timeout: float = 1800.0) -> ShardedPoint:
    namespaces = [cluster.new_namespace(f"shard-{i:03d}") for i in range(count)]
    layout = [Shard(i, shards) for i in range(shards)]
    processes: list[ShardProcess] = []
    try:
        for shard in layout:
            processes.append(ShardProcess(cluster, shard))
        cpu_before = [cpu_seconds(p.process.pid) for p in processes]
        sim_before = cpu_seconds(cluster.simulator_pid)
        started = time.monotonic()
        for ns in namespaces:
            cluster.client.apply_control_plane(control_plane(
                SAMPLE, ns, cluster.repository, nodePools=pools_of_no_node(ns)))
        while not all_ready(cluster, count):
            if time.monotonic() - started > timeout:
                raise TimeoutError(f"{count} control planes not Ready in {timeout:.0f}s")
            for p in processes:
                p.alive()
            time.sleep(max(POLL, 0.002 * count))
        converge = time.monotonic() - started
        cpu = [cpu_seconds(p.process.pid) - before for p, before in zip(processes, cpu_before,
                                                                       strict=True)]
        simulator_cpu = cpu_seconds(cluster.simulator_pid) - sim_before
        rss = [memory_kib(p.process.pid)["VmRSS"] / 1024 for p in processes]
        totals = [scrape(p.port) for p in processes]
        helm_calls = sum(int(t.get(HELM_CALLS, 0.0) - t.get(HELM_RENDERS, 0.0)) for t in totals)
        reconciled = [p.reconciled() for p in processes]
        renewals = [p.failed_renewals() for p in processes]
    finally:
        for p in processes:
            p.stop()
    return ShardedPoint(
        control_planes=count, shards=shards, releases=count * _releases_per_plane(),
        converge_seconds=converge, helm_calls=helm_calls, reconciled=reconciled,
        expected=[{ns for ns in namespaces if s.owns(ns)} for s in layout],
        cpu=cpu, rss_mib=rss, simulator_cpu=simulator_cpu, failed_renewals=renewals,
    )


def shard_figures(point: ShardedPoint, delays_text: str) -> list[Figure]:
    section = f"{point.shards} shards, {point.control_planes}"
    split = " + ".join(str(len(r)) for r in point.reconciled)
    as_hashed = point.reconciled == point.expected
    return [
        Figure(section, "converge (all Ready)",
               f"{point.converge_seconds:.1f} s ({point.releases} releases, "
               f"{point.helm_calls} helm installs or upgrades, {delays_text})",
               "one per release" if point.helm_calls == point.releases
               else f"{point.helm_calls - point.releases} more than releases"),
        Figure(section, "control planes per shard; reconciled by both",
               f"{split}; {len(point.by_both)}",
               ("target 0: met" if not point.by_both else "target 0: MISSED")
               + ("; each shard exactly its hash's" if as_hashed else "; NOT the hash's split")),
        Figure(section, "while converging: CPU (shards; API server)",
               " + ".join(f"{c:.0f} s" for c in point.cpu)
               + f"; {point.simulator_cpu:.0f} s",
               f"operators {100 * sum(point.cpu) / max(point.simulator_cpu, 1e-9):.0f}% "
               "of the API server's"),
        Figure(section, "operator RSS per shard",
               " / ".join(f"{r:.0f} MiB" for r in point.rss_mib)),
        Figure(section, "Lease renewals that failed (longest wait)",
               " + ".join(f"{len(f)} ({max(f, default=0):.1f} s)"
                          for f in point.failed_renewals),
               "lease 60 s, renew deadline 40 s, retry 2 s"),
    ]
