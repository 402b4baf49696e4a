"""`make demo`: the operator converging a sample control plane, on a simulated cluster or yours.

Without $KUBECONFIG, the demo starts the Kubernetes API simulator (tests/kubesim) with its
workload controllers, serves the project's fixture charts from a local Helm repository, and
runs everything against those. With $KUBECONFIG pointing at `make sim`'s simulator, it uses
that cluster and its fixture charts. With $KUBECONFIG pointing at a real cluster, it uses that
cluster and the chart repository of the sample (OpenStack-Helm's by default).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import re
import signal
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import yaml

from osprey.logging import configure_logging
from tests.integration.operator_harness import (
    CRD_FILE,
    Client,
    RunningOperator,
    load_sample,
)

WIDTH = 119  # every line the demo prints fits in 120 columns
# A service's message names a pod only when the operator read why a workload waits.
POD_REASON = re.compile(r"(?:^|: )pod \S+")
# A pod reason shown once it has stood this long: pods only starting are gone by then.
WAIT_NOTICE_SECONDS = 5.0
SIMULATOR_VERSION_SUFFIX = "-kubesim"  # the simulator's /version gitVersion ends so


class DemoError(Exception):
    """Something the user can fix; printed as one line, exit status 2."""


def progress_lines(elapsed: float, status: Mapping[str, Any],
                   last: Mapping[str, str]) -> list[str]:
    """Lines for what changed since `last` (release -> phase): one line per phase reached,
    naming the releases that reached it, wrapped to WIDTH."""
    services = status.get("services") or {}
    head = f"[{elapsed:6.1f}s] {status.get('servicesReady', '-'):>5} ready  "
    changed: dict[str, list[str]] = {}
    for name, service in services.items():
        if last.get(name) != service["phase"]:
            changed.setdefault(service["phase"], []).append(name)
    return [
        textwrap.fill(f"{phase}: {' '.join(names)}", WIDTH, initial_indent=head,
                      subsequent_indent=" " * len(head))
        for phase, names in changed.items()
    ]


class WaitNotices:
    """Lines for services that wait on a pod, each reason once, after it has stood for
    WAIT_NOTICE_SECONDS: `memcached waits: StatefulSet/... pod memcached-1 unschedulable: ...`."""

    def __init__(self) -> None:
        self._since: dict[str, tuple[str, float]] = {}  # service -> (message, first seen)
        self._shown: dict[str, str] = {}

    def lines(self, elapsed: float, status: Mapping[str, Any]) -> list[str]:
        head = f"[{elapsed:6.1f}s] {status.get('servicesReady', '-'):>5} ready  "
        waits = {name: service.get("message") or ""
                 for name, service in (status.get("services") or {}).items()
                 if service.get("phase") != "Ready"}
        waits = {name: message for name, message in waits.items() if POD_REASON.search(message)}
        self._since = {name: self._since[name] if self._since.get(name, ("",))[0] == message
                       else (message, elapsed) for name, message in waits.items()}
        lines = []
        for name, (message, since) in self._since.items():
            if elapsed - since >= WAIT_NOTICE_SECONDS and self._shown.get(name) != message:
                self._shown[name] = message
                lines.append(textwrap.fill(f"{name} waits: {message}", WIDTH,
                                           initial_indent=head, break_on_hyphens=False,
                                           subsequent_indent=" " * len(head)))
        return lines


def releases_of(spec: Mapping[str, Any]) -> str:
    """`14 releases: the 10 of the default compute kit, and horizon heat ...`."""
    from osprey import catalog
    from osprey.api import validate_spec

    default = [e.name for e in catalog.enabled_entries(validate_spec({}))]
    chosen = [e.name for e in catalog.enabled_entries(validate_spec(dict(spec)))]
    extra, left_out = [n for n in chosen if n not in default], [n for n in default
                                                                if n not in chosen]
    text = f"{len(chosen)} releases: the {len(default)} of the default compute kit"
    if left_out:
        text += f" but {' '.join(left_out)}"
    return text + (f", and {' '.join(extra)}" if extra else "")


def install_crd_and_namespace(client: Client, namespace: str) -> None:
    crd = yaml.safe_load(CRD_FILE.read_text())
    apply = {"fieldManager": "osprey-demo", "force": "true"}
    client.run(client.kube.request(
        "PATCH", f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{crd['metadata']['name']}",
        query=apply, body=crd, content_type="application/apply-patch+yaml"))
    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}
    client.run(client.kube.request("PATCH", f"/api/v1/namespaces/{namespace}", query=apply,
                                   body=ns, content_type="application/apply-patch+yaml"))


def run(kubeconfig: str, sample: str, namespace: str, repository: str | None,
        timeout: float) -> int:
    client = Client(kubeconfig)
    body = load_sample(sample)
    body["metadata"]["namespace"] = namespace
    if repository:
        body.setdefault("spec", {}).setdefault("charts", {})["repository"] = repository
    name = body["metadata"]["name"]
    install_crd_and_namespace(client, namespace)
    charts = body["spec"].get("charts", {}).get("repository", "the default repository")
    print(textwrap.fill(f"applying deploy/samples/{sample} as {namespace}/{name}, charts from "
                        f"{charts}", WIDTH))
    print(textwrap.fill(releases_of(body["spec"]), WIDTH))
    with RunningOperator(kubeconfig, namespace):
        client.apply_control_plane(body)
        started, last, waits = time.monotonic(), {}, WaitNotices()
        while time.monotonic() - started < timeout:
            status = (client.get("OpenStackControlPlane", namespace, name) or {}).get("status")
            status = status or {}
            elapsed = time.monotonic() - started
            for line in progress_lines(elapsed, status, last) + waits.lines(elapsed, status):
                print(line, flush=True)
            last = {n: s["phase"] for n, s in (status.get("services") or {}).items()}
            if status.get("phase") == "Ready":
                print(f"control plane {namespace}/{name} Ready in "
                      f"{time.monotonic() - started:.1f}s")
                return 0
            time.sleep(0.5)
    print(f"not Ready after {timeout:.0f}s", file=sys.stderr)
    return 1


def simulator_charts(kubeconfig: Path, sample: str) -> str | None:
    """The chart repository `make sim` wrote into its samples, beside its kubeconfig."""
    written = kubeconfig.parent / "samples" / sample
    if not written.exists():
        return None
    return ((yaml.safe_load(written.read_text()).get("spec") or {}).get("charts") or {}).get(
        "repository")


def cluster_kind(kubeconfig: str) -> str:
    """`simulator` or `cluster`; DemoError when the kubeconfig leads nowhere."""
    if not Path(kubeconfig).exists():
        raise DemoError(f"KUBECONFIG={kubeconfig} does not exist (a stopped `make sim` removes "
                        "its kubeconfig): start `make sim`, or unset KUBECONFIG")
    try:
        client = Client(kubeconfig)
    except Exception as exc:  # noqa: BLE001 - whatever the client library finds wrong in it
        raise DemoError(f"KUBECONFIG={kubeconfig} is not a usable kubeconfig: "
                        f"{_reason(exc)}") from None
    urllib3 = logging.getLogger("urllib3")
    level = urllib3.level
    urllib3.setLevel(logging.ERROR)  # its retries are not news: the outcome is
    try:
        version = client.run(client.kube.request("GET", "/version"))
    except Exception as exc:  # noqa: BLE001 - any failure here means: no cluster there
        raise DemoError(f"cannot reach the cluster of KUBECONFIG={kubeconfig}: "
                        f"{_reason(exc)}") from None
    finally:
        urllib3.setLevel(level)
    simulated = version.get("gitVersion", "").endswith(SIMULATOR_VERSION_SUFFIX)
    return "simulator" if simulated else "cluster"


def _reason(exc: BaseException) -> str:
    """The gist of a client error: `[Errno 111] Connection refused` rather than three lines."""
    text = " ".join(str(exc).split())
    errno = re.findall(r"\[Errno -?\d+\] [^'\")]+", text)
    return errno[-1] if errno else text[:160]


@contextlib.contextmanager
def fixture_charts() -> Iterator[str]:
    from tests.fixtures.chartrepo import ChartRepository, package_fixture_charts

    with tempfile.TemporaryDirectory() as tmp, \
            ChartRepository(package_fixture_charts(Path(tmp) / "charts")) as repo:
        yield repo.url


def demo(args: argparse.Namespace) -> int:
    kubeconfig = os.environ.get("KUBECONFIG")
    if kubeconfig:
        kind = cluster_kind(kubeconfig)
        if kind == "cluster":
            print(f"using the cluster of KUBECONFIG={kubeconfig}")
            return run(kubeconfig, args.sample, args.namespace, None, args.timeout)
        print(f"KUBECONFIG={kubeconfig} is the simulator of `make sim`: using its fixture charts")
        served = simulator_charts(Path(kubeconfig), args.sample)
        if served:
            return run(kubeconfig, args.sample, args.namespace, served, args.timeout)
        with fixture_charts() as url:
            return run(kubeconfig, args.sample, args.namespace, url, args.timeout)

    from tests.kubesim import Simulator

    print(f"no KUBECONFIG: starting a simulated cluster of {args.nodes} nodes (tests/kubesim) "
          "and the fixture charts")
    with tempfile.TemporaryDirectory() as tmp, \
            Simulator(workload_delay=args.workload_delay, job_delay=args.job_delay,
                      nodes=args.nodes) as sim, \
            fixture_charts() as url:
        path = sim.write_kubeconfig(Path(tmp) / "kubeconfig")
        return run(str(path), args.sample, args.namespace, url, args.timeout)


def main() -> int:
    parser = argparse.ArgumentParser(prog="make demo", description=__doc__.splitlines()[0])
    parser.add_argument("--sample", default="compute-kit.yaml")
    parser.add_argument("--namespace", default="openstack")
    parser.add_argument("--timeout", type=float, default=600.0)
    # OpenStack-Helm puts one memcached (and, in production, one API pod) per host: the
    # sample's two memcached replicas need two nodes; three is the smallest real cluster.
    parser.add_argument("--nodes", type=int, default=3,
                        help="simulator: all-in-one nodes in the cluster (default 3)")
    parser.add_argument("--workload-delay", type=float, default=1.0,
                        help="simulator: seconds until a workload reports ready")
    parser.add_argument("--job-delay", type=float, default=1.5,
                        help="simulator: seconds until a Job completes")
    args = parser.parse_args()
    configure_logging(os.environ.get("OSPREY_LOG_LEVEL", "warning"), "logfmt")
    os.environ["PATH"] = f"{ROOT / 'bin'}{os.pathsep}{os.environ['PATH']}"
    signal.signal(signal.SIGINT, _interrupted)
    try:
        return demo(args)
    except DemoError as exc:
        print(f"make demo: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # the operator, simulator and chart server are stopped by now
        print("\ndemo stopped", file=sys.stderr)
        return 0  # Ctrl-C is how a demo ends early, not an error


def _interrupted(*_: object) -> None:
    """Ctrl-C stops the demo once; more presses while it stops everything are ignored.

    The terminal interrupts the helm processes too: their failures are expected, not news.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.disable(logging.CRITICAL)
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
