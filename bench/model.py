"""The physical limit of a converge: the critical path of the dependency graph, computed from
the simulated delays and what each chart actually renders.

What the model includes, per release:
  * its post-install hook Jobs, which helm runs one after another (each takes the Job delay),
    and helm returns only when the last has completed: the release is *installed* then;
  * its workloads (Deployments, StatefulSets, DaemonSets) and plain Jobs, created when the
    manifest is applied, so their delays run beside the hooks: the release is *ready* at
    max(hooks, workload delay, Job delay);
  * optionally, helm's own time (the command's duration in a run minus its hook delays),
    added to both, for the "critical path with helm" figure.
What it excludes: everything the operator does (observing, deciding, writing status), which is
exactly what the comparison exposes, and API latency outside helm.

A release may start when each `requires_ready` dependency is ready and each
`requires_installed` one is installed, as the operator's plan says.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from bench.cluster import HELM, Delays
from osprey import catalog
from osprey.api import validate_spec
from osprey.plan import Plan, plan
from osprey.secrets import generate_password
from osprey.versions import Version, VersionPin

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet")


@dataclass(frozen=True)
class ReleaseProfile:
    """What one release renders, as far as time goes."""

    name: str
    hooks: int  # post-install hook Jobs
    jobs: int  # Jobs that are not hooks
    workloads: int
    requires_ready: tuple[str, ...]
    requires_installed: tuple[str, ...]

    def install_seconds(self, delays: Delays) -> float:
        return self.hooks * delays.job

    def ready_seconds(self, delays: Delays) -> float:
        return max(self.install_seconds(delays),
                   delays.workload if self.workloads else 0.0,
                   delays.job if self.jobs else 0.0)

    def sequential_seconds(self, delays: Delays) -> float:
        """`helm upgrade --install --wait --wait-for-jobs`: helm waits for the workloads and
        Jobs first, then runs the post-install hooks."""
        return max(delays.workload if self.workloads else 0.0,
                   delays.job if self.jobs else 0.0) + self.install_seconds(delays)


@dataclass(frozen=True)
class CriticalPath:
    seconds: float
    chain: tuple[str, ...]  # the releases on the path, first to last
    ready_at: Mapping[str, float]


def rendered_plan(body: Mapping, namespace: str) -> Plan:
    """The operator's plan for a control plane body, with freshly generated credentials."""
    spec = validate_spec(dict(body["spec"]))
    credentials = {key: generate_password() for key in catalog.credential_keys(spec)}
    return plan(spec, namespace, credentials)


def write_values(directory: Path, desired: Plan) -> dict[str, Path]:
    """Each release's rendered values as a file helm reads with -f."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = {}
    for release in desired.releases:
        path = directory / f"{release.name}.json"
        path.write_text(json.dumps(release.values))
        paths[release.name] = path
    return paths


def profile(desired: Plan, charts: Path, values: Mapping[str, Path]) -> list[ReleaseProfile]:
    """Render every release with `helm template` and count what takes time."""
    profiles = []
    for release in desired.releases:
        tarball = chart_tarball(charts, release.chart.name, release.chart.version)
        rendered = subprocess.run(
            [str(HELM), "template", release.name, str(tarball), "--namespace", desired.namespace,
             "-f", str(values[release.name])],
            capture_output=True, text=True, check=True).stdout
        docs = [d for d in yaml.safe_load_all(rendered) if d]
        hooks = jobs = workloads = 0
        for doc in docs:
            annotations = (doc.get("metadata") or {}).get("annotations") or {}
            if doc["kind"] == "Job":
                if "post-install" in annotations.get("helm.sh/hook", ""):
                    hooks += 1
                elif "helm.sh/hook" not in annotations:
                    jobs += 1
            elif doc["kind"] in WORKLOAD_KINDS:
                workloads += 1
        profiles.append(ReleaseProfile(release.name, hooks, jobs, workloads,
                                       release.requires_ready, release.requires_installed))
    return profiles


def chart_tarball(charts: Path, chart: str, pin: str) -> Path:
    """The packaged chart helm resolves the pin (a release line or a version) to: the newest
    tarball of `charts` the pin admits, build metadata (`+<commit>`) and all."""
    wanted = VersionPin.parse(pin)
    admitted = {}
    for path in charts.glob(f"{chart}-*.tgz"):
        text = path.name[len(chart) + 1:-len(".tgz")]
        try:
            version = Version.parse(text)
        except ValueError:
            continue  # another chart whose name starts with this one's
        if wanted.admits(text):
            admitted[path] = version
    if not admitted:
        raise FileNotFoundError(f"{charts}: no tarball of {chart} satisfies {pin}")
    return max(admitted, key=admitted.__getitem__)


def critical_path(profiles: list[ReleaseProfile], delays: Delays,
                  helm_own: Mapping[str, float] | None = None) -> CriticalPath:
    """Earliest Ready of the whole control plane, with every release started as soon as its
    dependencies allow (profiles are in dependency order)."""
    helm_own = helm_own or {}
    installed: dict[str, float] = {}
    ready: dict[str, float] = {}
    gate: dict[str, str | None] = {}
    for p in profiles:
        waits = [(ready[d], d) for d in p.requires_ready]
        waits += [(installed[d], d) for d in p.requires_installed]
        start, gate[p.name] = max(waits, key=lambda w: w[0], default=(0.0, None))
        own = helm_own.get(p.name, 0.0)
        installed[p.name] = start + own + p.install_seconds(delays)
        ready[p.name] = start + own + p.ready_seconds(delays)
    last = max(ready, key=ready.__getitem__)
    chain = [last]
    while gate[chain[-1]] is not None:
        chain.append(gate[chain[-1]])
    return CriticalPath(ready[last], tuple(reversed(chain)), ready)


def sequential_seconds(profiles: list[ReleaseProfile], delays: Delays) -> float:
    """What the one-after-another baseline would take if helm itself took no time."""
    return sum(p.sequential_seconds(delays) for p in profiles)
