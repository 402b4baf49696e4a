"""Converge: the compute kit from nothing to Ready, against the critical path of its
dependency graph and against OpenStack-Helm's own way (one chart after another, each with
`helm upgrade --install --wait --wait-for-jobs`).
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bench.cluster import HELM, Cluster, Delays
from bench.figures import Figure, verdict
from bench.inprocess import InProcessOperator
from bench.model import (
    CriticalPath,
    ReleaseProfile,
    critical_path,
    profile,
    rendered_plan,
    sequential_seconds,
    write_values,
)
from bench.procstat import cpu_seconds
from bench.waiting import wait_ready
from tests.integration.operator_harness import control_plane

SAMPLE = "compute-kit.yaml"
CONVERGE_TARGET = 1.1  # of the critical path
BASELINE_TARGET = 3.0  # "several times faster"


@dataclass(frozen=True)
class Converged:
    seconds: float
    delays: Delays
    profiles: list[ReleaseProfile]
    helm_own: Mapping[str, float]  # per release: helm's duration minus its hook delays
    passes: int
    requests: Mapping[str, int]  # served by the simulator during the converge, by client
    apiserver_cpu: float  # the simulator's CPU seconds during the converge
    physical: CriticalPath
    with_helm: CriticalPath


def converge(cluster: Cluster, op: InProcessOperator, namespace: str, charts: Path) -> Converged:
    """Apply the compute kit and time it to Ready; the operator watches `namespace`."""
    body = control_plane(SAMPLE, namespace, cluster.repository)
    desired = rendered_plan(body, namespace)
    profiles = profile(desired, charts, write_values(cluster.workdir / "values-model", desired))
    requests_before, cpu_before = cluster.requests(), cpu_seconds(cluster.simulator_pid)
    started = time.monotonic()
    cluster.client.apply_control_plane(body)
    seconds = wait_ready(cluster.client, namespace, body["metadata"]["name"], 900) - started
    apiserver_cpu = cpu_seconds(cluster.simulator_pid) - cpu_before
    requests = cluster.requests() - requests_before
    durations = {o.release: o.finished - o.started for o in op.helm.of(namespace, "upgrade")}
    helm_own = {p.name: max(0.0, durations[p.name] - p.install_seconds(cluster.delays))
                for p in profiles}
    return Converged(seconds, cluster.delays, profiles, helm_own,
                     op.loop(namespace, body["metadata"]["name"]).passes, requests,
                     apiserver_cpu, critical_path(profiles, cluster.delays),
                     critical_path(profiles, cluster.delays, helm_own))


def sequential_baseline(cluster: Cluster, namespace: str) -> float:
    """Every chart of the same plan, in its dependency order, one `helm upgrade --install
    --wait --wait-for-jobs` after another, as OpenStack-Helm's deployment scripts do."""
    body = control_plane(SAMPLE, namespace, cluster.repository)
    desired = rendered_plan(body, namespace)
    values = write_values(cluster.workdir / "values-baseline", desired)
    env = dict(os.environ, KUBECONFIG=str(cluster.kubeconfig))
    started = time.monotonic()
    for release in desired.releases:
        chart, repo, version = release.chart.helm_args()
        command = [str(HELM), "upgrade", "--install", release.name, chart, "--namespace",
                   namespace, "-f", str(values[release.name]), "--wait", "--wait-for-jobs",
                   "--timeout", "10m"]
        command += ["--repo", repo] if repo else []
        command += ["--version", version] if version else []
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"baseline: helm upgrade --install {release.name} failed: "
                               f"{result.stderr.strip()[-500:]}")
    return time.monotonic() - started


def converge_figures(result: Converged, baseline: float | None) -> list[Figure]:
    """The converge rows; `baseline` None leaves out the sequential helm comparison."""
    t, cp, cph = result.seconds, result.physical, result.with_helm
    chain_helm = sum(result.helm_own[n] for n in cph.chain)
    outside = max(0.0, t - cph.seconds)
    ideal_baseline = sequential_seconds(result.profiles, result.delays)
    section = "converge"
    figures = [
        Figure(section, "compute kit to Ready", f"{t:.1f} s ({len(result.profiles)} releases, "
               f"{result.delays.describe()})"),
        Figure(section, "critical path (delays only)",
               f"{cp.seconds:.1f} s via {' > '.join(cp.chain)}",
               f"{t / cp.seconds:.2f}x (target <= {CONVERGE_TARGET}x: "
               f"{verdict(t / cp.seconds <= CONVERGE_TARGET)})"),
        Figure(section, "critical path + helm's own time",
               f"{cph.seconds:.1f} s via {' > '.join(cph.chain)}", f"{t / cph.seconds:.2f}x"),
        Figure(section, "operator passes and API requests during converge",
               f"{result.passes} passes; requests: {_by_client(result.requests)}",
               f"API server (simulator) CPU: {result.apiserver_cpu:.1f} s"),
        Figure("overhead", "converge time in readiness delays (critical chain)",
               f"{cph.seconds - chain_helm:.1f} s", f"{(cph.seconds - chain_helm) / t:.0%}"),
        Figure("overhead", "converge time in helm's own work (critical chain)",
               f"{chain_helm:.1f} s", f"{chain_helm / t:.0%}"),
        Figure("overhead", "converge time outside helm and waiting (operator)",
               f"{outside:.1f} s", f"{outside / t:.1%}"),
    ]
    if baseline is not None:
        figures.insert(3, Figure(
            section, "sequential helm --wait --wait-for-jobs",
            f"{baseline:.1f} s (delays alone: {ideal_baseline:.0f} s)",
            f"{baseline / t:.1f}x slower than osprey (target >= {BASELINE_TARGET:g}x: "
            f"{verdict(baseline / t >= BASELINE_TARGET)})"))
    return figures



def _by_client(requests: Mapping[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(requests.items()) if k != "bench")
