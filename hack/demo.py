"""`make demo`: the operator converging a sample control plane, on a simulated cluster or yours.

With $KUBECONFIG set, the demo uses that cluster (and the chart repository of the sample,
OpenStack-Helm's by default). Without it, it starts the in-process Kubernetes API simulator
(tests/kubesim) with its workload controllers, serves the project's fixture charts from a
local Helm repository, and runs everything against those.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

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


def show(body: dict, started: float) -> str:
    status = body.get("status") or {}
    ready = next((c for c in status.get("conditions") or () if c["type"] == "Ready"), {})
    services = status.get("services") or {}
    cells = " ".join(f"{n}={s['phase']}" for n, s in services.items())
    return (f"[{time.monotonic() - started:6.1f}s] phase={status.get('phase', '-'):<11} "
            f"ready={ready.get('status', '-'):<5} services={status.get('servicesReady', '-'):<6} "
            f"{cells}")


def run(kubeconfig: str, sample: str, namespace: str, repository: str | None,
        timeout: float) -> int:
    client = Client(kubeconfig)
    body = load_sample(sample)
    body["metadata"]["namespace"] = namespace
    if repository:
        body.setdefault("spec", {}).setdefault("charts", {})["repository"] = repository
    crd = yaml.safe_load(CRD_FILE.read_text())
    client.run(client.kube.request(
        "PATCH", f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{crd['metadata']['name']}",
        query={"fieldManager": "osprey-demo", "force": "true"}, body=crd,
        content_type="application/apply-patch+yaml"))
    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}
    client.run(client.kube.request("PATCH", f"/api/v1/namespaces/{namespace}",
                                   query={"fieldManager": "osprey-demo", "force": "true"},
                                   body=ns, content_type="application/apply-patch+yaml"))
    print(f"applying {sample} as {namespace}/{body['metadata']['name']}")
    with RunningOperator(kubeconfig, namespace):
        client.apply_control_plane(body)
        started, last = time.monotonic(), ""
        while time.monotonic() - started < timeout:
            current = client.get("OpenStackControlPlane", namespace, body["metadata"]["name"])
            line = show(current, started)
            if line.split("] ", 1)[1] != last:
                print(line, flush=True)
                last = line.split("] ", 1)[1]
            if (current.get("status") or {}).get("phase") == "Ready":
                print(f"control plane Ready in {time.monotonic() - started:.1f}s")
                return 0
            time.sleep(0.5)
    print(f"not Ready after {timeout:.0f}s", file=sys.stderr)
    return 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample", default="compute-kit.yaml")
    parser.add_argument("--namespace", default="openstack")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--workload-delay", type=float, default=1.0,
                        help="simulator: seconds until a workload reports ready")
    parser.add_argument("--job-delay", type=float, default=1.5,
                        help="simulator: seconds until a Job completes")
    args = parser.parse_args()
    configure_logging(os.environ.get("OSPREY_LOG_LEVEL", "warning"), "logfmt")
    os.environ["PATH"] = f"{ROOT / 'bin'}:{os.environ['PATH']}"

    kubeconfig = os.environ.get("KUBECONFIG")
    if kubeconfig:
        print(f"using the cluster of KUBECONFIG={kubeconfig}")
        return run(kubeconfig, args.sample, args.namespace, None, args.timeout)

    from tests.fixtures.chartrepo import ChartRepository, package_fixture_charts
    from tests.kubesim import Simulator

    print("no KUBECONFIG: starting the simulated cluster (tests/kubesim) and the fixture charts")
    with tempfile.TemporaryDirectory() as tmp, \
            Simulator(workload_delay=args.workload_delay, job_delay=args.job_delay) as sim, \
            ChartRepository(package_fixture_charts(Path(tmp) / "charts")) as repo:
        kubeconfig = sim.write_kubeconfig(Path(tmp) / "kubeconfig")
        return run(str(kubeconfig), args.sample, args.namespace, repo.url, args.timeout)


if __name__ == "__main__":
    sys.exit(main())
