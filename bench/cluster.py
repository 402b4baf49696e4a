"""A simulated cluster for one scenario: the API simulator (in a process of its own, with its
request counter), the fixture charts served as a Helm repository, the CRD installed, and a
client for the benchmark's own requests.

Every scenario gets a fresh simulator, so no scenario pays for objects another one left.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from bench.requests import BENCH_AGENT, BYTES_PATH, read_counts
from osprey.kube import resource
from tests.fixtures.chartrepo import ChartRepository, package_fixture_charts
from tests.integration.operator_harness import CRD_FILE, ROOT, Client

HELM = ROOT / "bin" / "helm"


@dataclass(frozen=True)
class Delays:
    """Simulated readiness: seconds until a workload is ready and until a Job completes."""

    workload: float
    job: float

    def describe(self) -> str:
        return f"{self.workload:g} s/workload, {self.job:g} s/Job"


@dataclass
class Cluster:
    url: str
    simulator_pid: int
    kubeconfig: Path
    repository: str  # the fixture charts' repository URL on loopback
    client: Client
    delays: Delays
    workdir: Path

    def new_namespace(self, name: str) -> str:
        self.client.run(self.client.kube.create(
            resource("Namespace"), "", {"metadata": {"name": name}}))
        return name

    def requests(self) -> Counter[str]:
        """API requests the simulator has served so far, by client family."""
        return read_counts(self.url)

    def bytes_answered(self) -> Counter[str]:
        """Bytes of the simulator's answers so far, by client family."""
        return read_counts(self.url, BYTES_PATH)


@contextlib.contextmanager
def helm_homes(workdir: Path) -> Iterator[None]:
    """Helm's cache and config in the scenario's directory, for the operator and baseline alike."""
    names = ("HELM_CACHE_HOME", "HELM_CONFIG_HOME", "HELM_DATA_HOME")
    saved = {n: os.environ.get(n) for n in names}
    for name in names:
        os.environ[name] = str(workdir / "helm" / name.split("_")[1].lower())
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def install_crd(client: Client) -> None:
    crd = yaml.safe_load(CRD_FILE.read_text())
    client.run(client.kube.request(
        "PATCH", f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{crd['metadata']['name']}",
        query={"fieldManager": BENCH_AGENT, "force": "true"}, body=crd,
        content_type="application/apply-patch+yaml"))


@contextlib.contextmanager
def simulator_process(kubeconfig: Path, delays: Delays) -> Iterator[subprocess.Popen]:
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.simserver", str(kubeconfig), str(delays.workload),
         str(delays.job)],
        cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        line = process.stdout.readline().strip()
        if not line.startswith("http"):
            raise RuntimeError(f"the simulator did not start (exit code {process.poll()})")
        yield process
    finally:
        process.stdin.close()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def simulated_cluster(delays: Delays, charts: Path) -> Iterator[Cluster]:
    """A fresh simulator serving `charts`; torn down on exit."""
    with tempfile.TemporaryDirectory(prefix="osprey-bench-") as tmp, \
            ChartRepository(charts) as repo, helm_homes(Path(tmp)):
        workdir = Path(tmp)
        kubeconfig = workdir / "kubeconfig"
        with simulator_process(kubeconfig, delays) as sim:
            client = Client(str(kubeconfig))
            client.kube._api.user_agent = BENCH_AGENT
            install_crd(client)
            url = client.kube.configuration.host
            yield Cluster(url, sim.pid, kubeconfig, repo.url, client, delays, workdir)


def packaged_charts(dest: Path) -> Path:
    """The fixture charts packaged once for the whole run."""
    return package_fixture_charts(dest)
