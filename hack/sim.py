"""`make sim`: a simulated Kubernetes cluster with the fixture charts, to try Osprey by hand.

Starts the Kubernetes API simulator (tests/kubesim) with its workload controllers, serves the
project's fixture charts (shaped like OpenStack-Helm's) as a Helm repository on loopback, and
writes next to the kubeconfig the samples of deploy/samples with `spec.charts.repository`
pointed at that repository. Serves until Ctrl-C (or SIGTERM), then removes what it wrote, so
no kubeconfig of a stopped cluster is left behind.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml

SAMPLES = ROOT / "deploy" / "samples"


@dataclass(frozen=True)
class LocalCluster:
    """What `make sim` serves: the simulator's URL, the charts' URL, the files it wrote."""

    url: str
    charts: str
    kubeconfig: Path
    samples: tuple[Path, ...]


def write_samples(directory: Path, repository: str) -> tuple[Path, ...]:
    """deploy/samples/*.yaml with spec.charts.repository set to `repository`."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for sample in sorted(SAMPLES.glob("*.yaml")):
        body = yaml.safe_load(sample.read_text())
        body.setdefault("spec", {}).setdefault("charts", {})["repository"] = repository
        target = directory / sample.name
        target.write_text(f"# deploy/samples/{sample.name} with the fixture charts of `make sim`\n"
                          + yaml.safe_dump(body, sort_keys=False))
        written.append(target)
    return tuple(written)


@contextlib.contextmanager
def local_cluster(kubeconfig: Path, *, workload_delay: float, job_delay: float,
                  fail_jobs: list[str], fail_images: list[str]) -> Iterator[LocalCluster]:
    from tests.fixtures.chartrepo import ChartRepository, package_fixture_charts
    from tests.kubesim import Simulator

    samples = kubeconfig.parent / "samples"
    with tempfile.TemporaryDirectory() as tmp, \
            Simulator(workload_delay=workload_delay, job_delay=job_delay) as sim, \
            ChartRepository(package_fixture_charts(Path(tmp) / "charts")) as repo:
        for pattern in fail_jobs:
            sim.faults.fail_jobs(pattern)
        for pattern in fail_images:
            sim.faults.fail_images(pattern)
        try:
            path = sim.write_kubeconfig(kubeconfig)
            yield LocalCluster(sim.url, repo.url, path, write_samples(samples, repo.url))
        finally:
            kubeconfig.unlink(missing_ok=True)
            shutil.rmtree(samples, ignore_errors=True)


def shown(path: Path) -> str:
    """A path as the user would type it: relative to the current directory when inside it."""
    with contextlib.suppress(ValueError):
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    return str(path)


def main() -> int:
    parser = argparse.ArgumentParser(prog="make sim", description=__doc__.splitlines()[0])
    parser.add_argument("--kubeconfig", type=Path, default=Path(".cache/kubesim.kubeconfig"),
                        help="where to write the kubeconfig (default: %(default)s)")
    parser.add_argument("--workload-delay", type=float, default=1.0,
                        help="seconds until a workload reports ready (default: %(default)s)")
    parser.add_argument("--job-delay", type=float, default=1.0,
                        help="seconds until a Job completes (default: %(default)s)")
    parser.add_argument("--fail-jobs", action="append", default=[], metavar="REGEX",
                        help="Jobs whose name matches end Failed (repeatable)")
    parser.add_argument("--fail-images", action="append", default=[], metavar="REGEX",
                        help="images that match cannot be pulled: their pods wait in "
                        "ImagePullBackOff (repeatable)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(name)s %(levelname)s %(message)s")
    os.environ["PATH"] = f"{ROOT / 'bin'}{os.pathsep}{os.environ['PATH']}"

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with local_cluster(args.kubeconfig, workload_delay=args.workload_delay,
                       job_delay=args.job_delay, fail_jobs=args.fail_jobs,
                       fail_images=args.fail_images) as cluster:
        kubeconfig = shown(cluster.kubeconfig)
        on_path = "$PWD/bin:$PWD/.venv/bin:$PATH"
        print(f"kubesim: a simulated Kubernetes cluster at {cluster.url} (Ctrl-C stops it)")
        print(f"fixture charts, shaped like OpenStack-Helm's, at {cluster.charts}")
        print(f"samples using them: {' '.join(shown(p) for p in cluster.samples)}")
        print("in another terminal:")
        print(f"  export KUBECONFIG={_typed(kubeconfig)} PATH={on_path}", flush=True)
        try:
            stop.wait()
        except KeyboardInterrupt:
            print()
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not stop the clean-up
    print(f"kubesim stopped; {kubeconfig} removed")
    return 0


def _typed(path: str) -> str:
    return path if Path(path).is_absolute() else f"$PWD/{path}"


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # Ctrl-C while starting: what was written is removed already
        print("\nkubesim stopped", file=sys.stderr)
        sys.exit(130)
