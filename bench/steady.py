"""A converged control plane under the operator: a no-op pass, one replica change, healing.

Runs on the control plane `converge` left Ready, with the same operator.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from bench.cluster import Cluster
from bench.figures import Figure, median, percentile, verdict
from bench.inprocess import InProcessOperator
from bench.waiting import until, wait_ready

NOOP_PASSES = 20
# Deployments owned by the compute kit's releases, deleted in turn by the healing trials.
HEALED = ("keystone-api", "glance-api", "placement-api", "cinder-api", "heat-api",
          "barbican-api", "horizon", "neutron-server", "nova-conductor", "nova-scheduler")


@dataclass(frozen=True)
class NoOp:
    passes: int
    helm_calls: int
    requests: dict[str, int]  # per pass, by client family
    bytes_read: dict[str, float]  # per pass, by client family: the answers' bodies
    cpu_ms: float  # per pass
    wall_ms: float  # per pass


def noop(cluster: Cluster, op: InProcessOperator, namespace: str, name: str,
         passes: int = NOOP_PASSES) -> NoOp:
    """Passes over a converged control plane, woken one at a time; CPU is this process's
    (the operator's: the simulator runs elsewhere and the benchmark only sleeps meanwhile)."""
    op.one_pass(namespace, name)  # settle: the first pass after Ready may still write status
    helm_before, requests_before = op.helm_calls(), cluster.requests()
    bytes_before = cluster.bytes_answered()
    wall = cpu = 0.0
    for _ in range(passes):
        cpu_start, wall_start = time.process_time(), time.monotonic()
        op.one_pass(namespace, name)
        cpu += time.process_time() - cpu_start
        wall += time.monotonic() - wall_start
    requests = cluster.requests() - requests_before
    read = cluster.bytes_answered() - bytes_before
    return NoOp(passes, op.helm_calls() - helm_before,
                {k: v / passes for k, v in requests.items() if k != "bench"},
                {k: v / passes for k, v in read.items() if k != "bench"},
                1000 * cpu / passes, 1000 * wall / passes)


@dataclass(frozen=True)
class Change:
    release: str
    helm_calls: list[tuple[str, str]]
    seconds: float
    hooks_seconds: float


def change(cluster: Cluster, op: InProcessOperator, namespace: str, name: str,
           hooks_seconds: float) -> Change:
    """keystone 2 -> 3 replicas: one upgrade of one release, its hooks re-run by helm."""
    before = len(op.helm.operations)
    started = time.monotonic()
    cluster.client.patch_spec(namespace, name, {"services": {"keystone": {"replicas": 3}}})
    ready = wait_ready(cluster.client, namespace, name, 300)
    calls = [(o.release, o.operation) for o in op.helm.operations[before:]]
    return Change("keystone", calls, ready - started, hooks_seconds)


@dataclass(frozen=True)
class Healing:
    restored: list[float]  # seconds until the Deployment exists again
    ready: list[float]  # seconds until it is ready and the control plane Ready=True
    helm_calls: int


def heal(cluster: Cluster, op: InProcessOperator, namespace: str, name: str,
         trials: int) -> Healing:
    restored, ready = [], []
    helm_before = op.helm_calls()
    for trial in range(trials):
        back, again = heal_once(cluster, namespace, name, healed_deployment(trial))
        restored.append(back)
        ready.append(again)
    return Healing(restored, ready, op.helm_calls() - helm_before)


def heal_once(cluster: Cluster, namespace: str, name: str, deployment: str) -> tuple[float, float]:
    """Delete one Deployment; (seconds until it exists again, seconds until it is ready and
    the control plane Ready=True)."""
    client = cluster.client
    old_uid = client.get("Deployment", namespace, deployment)["metadata"]["uid"]

    def recreated() -> dict | None:
        obj = client.get("Deployment", namespace, deployment)
        return obj if obj and obj["metadata"]["uid"] != old_uid else None

    def rolled_out() -> bool:
        obj = recreated()
        status = (obj or {}).get("status") or {}
        return (obj is not None
                and status.get("observedGeneration") == obj["metadata"].get("generation")
                and status.get("readyReplicas", 0) >= (obj["spec"].get("replicas") or 1))

    started = time.monotonic()
    client.delete("Deployment", namespace, deployment)
    until(recreated, 60, f"{deployment} to be re-created")
    back = time.monotonic() - started
    until(rolled_out, 120, f"{deployment} to be ready again")
    return back, wait_ready(client, namespace, name, 120) - started


def healed_deployment(trial: int) -> str:
    return HEALED[trial % len(HEALED)]


def steady_figures(n: NoOp, c: Change, h: Healing) -> list[Figure]:
    return noop_figures(n) + change_figures(c) + healing_figures(h)


def noop_figures(n: NoOp) -> list[Figure]:
    requests = ", ".join(f"{k} {v:g}" for k, v in sorted(n.requests.items())) or "none"
    return [
        Figure("no-op", "helm calls per pass", f"{n.helm_calls / n.passes:g} "
               f"({n.passes} passes)", f"must be 0: {verdict(n.helm_calls == 0)}"),
        Figure("no-op", "API requests per pass", requests),
        Figure("no-op", "bytes read per pass",
               ", ".join(f"{k} {v / 1024:.1f} KiB" for k, v in sorted(n.bytes_read.items()))
               or "none"),
        Figure("no-op", "operator CPU per pass", f"{n.cpu_ms:.1f} ms (wall {n.wall_ms:.1f} ms)"),
    ]


def change_figures(c: Change) -> list[Figure]:
    hooks = f"helm re-runs its hooks: {c.hooks_seconds:.0f} s of Jobs"
    return [
        Figure("change", f"{c.release} replicas 2 -> 3: helm calls",
               ", ".join(f"{op} {rel}" for rel, op in c.helm_calls) or "none",
               f"must be 1: {verdict(len(c.helm_calls) == 1)}"),
        Figure("change", "time to Ready", f"{c.seconds:.1f} s", hooks),
    ]


def healing_figures(h: Healing) -> list[Figure]:
    return [
        Figure("healing", f"deleted Deployment re-created, p50/p95 of {len(h.restored)}",
               f"{median(h.restored):.2f} / {percentile(h.restored, 95):.2f} s",
               f"helm calls: {h.helm_calls}"),
        Figure("healing", f"deleted Deployment to Ready=True, p50/p95 of {len(h.ready)}",
               f"{median(h.ready):.2f} / {percentile(h.ready, 95):.2f} s"),
    ]
