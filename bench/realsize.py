"""`python -m bench.realsize [--factor F] [--planes 1,10]`: the no-op pass at real sizes.

The fixture charts are copied and their generated config (`fixture.config`'s `kib`) resized
so that each renders, with the operator's own values, as many bytes as the real
OpenStack-Helm chart does (`REAL_RENDERED_BYTES`, times `--factor`); every release then gets
helm's default history of 10 revisions. N control planes converge under one in-process
operator; the no-op passes are then measured four times in the same run: each loop observing
by listing (`ListingObserver`), every object compared, every pass planned (the operator
before); through `ChangedBodiesObserver`; plus the drift memo; plus the plan memo (`PlanMemo`:
the operator without its watch cache, `--no-watch-cache`); plus the watch cache
(`CachedObserver`: the operator now). The operator converges with its watch cache running.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import yaml

from bench.cluster import HELM, Cluster, Delays, simulated_cluster
from bench.figures import Figure, machine, table
from bench.inprocess import InProcessOperator
from bench.model import chart_tarball, rendered_plan, write_values
from bench.procstat import memory_kib
from bench.scale import SAMPLE, pools_of_no_node
from bench.waiting import wait_ready
from osprey.helm import HISTORY_MAX
from osprey.kube import resource
from osprey.observe import ChangedBodiesObserver, ListingObserver, Observer
from osprey.plan import PlanMemo, plan
from osprey.watchcache import CachedObserver, WatchCache
from tests.fixtures.chartrepo import FIXTURE_CHARTS, LIBRARY_CHART, _helm, pinned_versions
from tests.integration.operator_harness import control_plane
from tests.kubesim import sizes

# `helm template` of OpenStack-Helm's 2025.1.0 charts (tests/fixtures/oshcharts.py, tag
# 2025.1.0, helm 4.3.1) with the operator's values for deploy/samples/compute-kit.yaml:
# bytes of the rendered manifests.
REAL_RENDERED_BYTES = {
    "mariadb": 184395, "rabbitmq": 36201, "memcached": 5895, "keystone": 136252,
    "glance": 128355, "placement": 68572, "openvswitch": 11575, "libvirt": 21709,
    "neutron": 418235, "nova": 288316, "horizon": 91500, "heat": 170400, "cinder": 184164,
    "barbican": 91812,
}
TOLERANCE = 0.10  # per chart, of the real size
KIB_SETTING = re.compile(r'("fixture\.config" \(dict "ctx" \. "kib" )(\d+)')
NOOP_PASSES = 5  # per control plane and observer
DELAYS = Delays(0.2, 0.2)


@dataclass(frozen=True)
class Sized:
    release: str
    target: int  # bytes
    rendered: int


def rendered_manifests(charts: Path, values_dir: Path) -> dict[str, str]:
    """What `helm template` renders for each release of the compute kit, chart dirs as-is."""
    desired = rendered_plan(_sample("sizing"), "sizing")
    values = write_values(values_dir, desired)
    return {release.name: subprocess.run(
        [str(HELM), "template", release.name, str(charts / release.chart.name),
         "--namespace", "sizing", "-f", str(values[release.name])],
        capture_output=True, text=True, check=True).stdout for release in desired.releases}


def rendered_sizes(charts: Path, values_dir: Path) -> dict[str, int]:
    """Bytes `helm template` renders for each release of the compute kit, chart dirs as-is."""
    return {name: len(out.encode())
            for name, out in rendered_manifests(charts, values_dir).items()}


def refused_objects(manifests: dict[str, str]) -> list[str]:
    """The rendered Secrets and ConfigMaps kube-apiserver would refuse: data over 1 MiB
    (`MaxSecretSize`), each as `<release>: <Kind>/<name> <MiB>`."""
    refused = []
    for release, manifest in manifests.items():
        for doc in yaml.safe_load_all(manifest):
            kind = (doc or {}).get("kind")
            if kind in ("Secret", "ConfigMap"):
                size = sizes.data_size(kind, doc)
                if size > sizes.MAX_SECRET_SIZE:
                    refused.append(f"{release}: {kind}/{doc['metadata']['name']} "
                                   f"{size / 1024 / 1024:.1f} MiB")
    return refused


class RefusedByKube(Exception):
    """Charts resized so large that kube-apiserver would refuse their objects."""


def _set_kib(chart_dir: Path, kib: int) -> int:
    """Set a chart's generated config size; returns the setting it had."""
    for template in (chart_dir / "templates").glob("*.yaml"):
        text = template.read_text()
        found = KIB_SETTING.search(text)
        if found:
            template.write_text(KIB_SETTING.sub(lambda m: f"{m.group(1)}{kib}", text, count=1))
            return int(found.group(2))
    raise ValueError(f"{chart_dir.name}: no fixture.config size to set")


def sized_charts(workdir: Path, factor: float) -> tuple[Path, list[Sized]]:
    """The fixture charts resized to the real ones' rendered bytes times `factor`, packaged
    at every published version into a repository directory."""
    tree = workdir / "sized-src"
    shutil.copytree(FIXTURE_CHARTS, tree, symlinks=True)
    before = rendered_sizes(tree, workdir / "values-sizing")
    for release, size in before.items():
        kib = _set_kib(tree / release, 0)
        base = size - kib * 1024  # the generated config renders about 1 KiB per `kib`
        target = REAL_RENDERED_BYTES[release] * factor
        _set_kib(tree / release, max(0, round((target - base) / 1024)))
    manifests = rendered_manifests(tree, workdir / "values-sizing")
    refused = refused_objects(manifests)
    if refused:
        raise RefusedByKube(
            f"x{factor:g}: kube-apiserver refuses a Secret or ConfigMap whose data is over "
            f"1 MiB (as kubesim does), and these would be: {'; '.join(refused)}. Real "
            "OpenStack-Helm charts that large could not be installed either: use a smaller "
            "--factor (up to about 3 fits).")
    after = {name: len(out.encode()) for name, out in manifests.items()}
    sized = [Sized(r, round(REAL_RENDERED_BYTES[r] * factor), after[r]) for r in after]
    repo = workdir / "sized-charts"
    repo.mkdir()
    published = pinned_versions()
    dirs = sorted(p.parent for p in tree.glob("*/Chart.yaml") if p.parent.name != LIBRARY_CHART)
    by_version: dict[str, list[Path]] = {}
    for chart_dir in dirs:
        for version in sorted(published.get(chart_dir.name, ())):
            by_version.setdefault(version, []).append(chart_dir)
    for version, chart_dirs in sorted(by_version.items()):
        _helm("package", *map(str, chart_dirs), "--version", version, "--destination", str(repo))
    _helm("repo", "index", str(repo))
    chart_tarball(repo, "nova", "2025.1")  # the sample's pins resolve in it
    return repo, sized


def _sample(namespace: str) -> dict:
    return control_plane(SAMPLE, namespace, "http://unused")


def fill_history(cluster: Cluster, namespace: str, revisions: int = HISTORY_MAX) -> int:
    """Give each release of `namespace` helm's full history: its deployed revision moved to
    `revisions`, earlier ones `superseded` copies of it, as helm leaves them after upgrades.
    Returns the bytes of Helm's storage Secrets now in the namespace."""
    kube, client = cluster.client.kube, cluster.client
    for secret in client.list("Secret", namespace, "owner=helm"):
        labels = secret["metadata"]["labels"]
        release, current = labels["name"], int(labels["version"])
        record = json.loads(gzip.decompress(base64.b64decode(
            base64.b64decode(secret["data"]["release"]))))
        for version in range(current + 1, revisions + 1):
            status = "deployed" if version == revisions else "superseded"
            copy = dict(record, version=version, info=dict(record["info"], status=status))
            body = {
                "metadata": {"name": f"sh.helm.release.v1.{release}.v{version}",
                             "labels": dict(labels, version=str(version), status=status)},
                "type": secret["type"],
                "data": {"release": base64.b64encode(base64.b64encode(
                    gzip.compress(json.dumps(copy).encode()))).decode()},
            }
            client.run(kube.create(resource("Secret"), namespace, body))
        superseded = dict(record, info=dict(record["info"], status="superseded"))
        secret["metadata"]["labels"]["status"] = "superseded"
        secret["data"]["release"] = base64.b64encode(base64.b64encode(
            gzip.compress(json.dumps(superseded).encode()))).decode()
        client.run(kube.replace(resource("Secret"), namespace, secret["metadata"]["name"],
                                secret))
    return sum(len(s["data"]["release"]) * 3 // 4
               for s in client.list("Secret", namespace, "owner=helm"))


@dataclass(frozen=True)
class NoOpCost:
    observer: str
    passes: int
    helm_calls: int
    requests: float  # operator's, per pass
    kib_read: float  # per pass
    cpu_ms: float  # per pass


class PlanEveryPass:
    """The operator before PlanMemo: every pass renders every release's values."""

    plan = staticmethod(plan)


def noop_cost(cluster: Cluster, op: InProcessOperator, planes: list[str], label: str,
              observer: Callable[[], Observer], drift_memo: bool, plan_memo: bool) -> NoOpCost:
    for ns in planes:
        loop = op.loop(ns, "openstack")
        loop.observer = observer()
        loop.drift_memo = {} if drift_memo else None
        loop.plans = PlanMemo() if plan_memo else PlanEveryPass()
        op.one_pass(ns, "openstack")  # the first pass fills what the observer keeps
    helm, requests, read = op.helm_calls(), cluster.requests(), cluster.bytes_answered()
    cpu = 0.0
    for _ in range(NOOP_PASSES):
        for ns in planes:
            started = time.process_time()
            op.one_pass(ns, "openstack")
            cpu += time.process_time() - started
    passes = NOOP_PASSES * len(planes)
    return NoOpCost(label, passes, op.helm_calls() - helm,
                    (cluster.requests() - requests)["osprey"] / passes,
                    (cluster.bytes_answered() - read)["osprey"] / passes / 1024,
                    1000 * cpu / passes)


def cache_held(cache: WatchCache) -> tuple[int, int]:
    """(objects, bytes of their JSON) the watch cache holds."""
    objects = [o for i in cache.informers for ns in i.store.namespaces()
               for o in i.store.namespace(ns).values()]
    return len(objects), sum(len(json.dumps(o)) for o in objects)


def run(planes: int, factor: float, workdir: Path) -> list[Figure]:
    repo, sized = sized_charts(workdir, factor)
    off = [s for s in sized if abs(s.rendered - s.target) > TOLERANCE * s.target]
    figures = [Figure(f"x{factor:g}", "rendered bytes per chart, fixture / target",
                      ", ".join(f"{s.release} {s.rendered / 1024:.0f}/{s.target / 1024:.0f}"
                                for s in sized) + " KiB",
                      f"within {TOLERANCE:.0%}: " + (", ".join(s.release for s in off) + " not"
                                                     if off else "all"))]
    with simulated_cluster(DELAYS, repo) as cluster:
        namespaces = tuple(cluster.new_namespace(f"real-{i:03d}") for i in range(planes))
        with InProcessOperator(cluster.kubeconfig, namespaces) as op:
            rss_before = memory_kib(os.getpid())["VmRSS"]
            started = time.monotonic()
            for ns in namespaces:
                cluster.client.apply_control_plane(control_plane(
                    SAMPLE, ns, cluster.repository, nodePools=pools_of_no_node(ns)))
            for ns in namespaces:
                wait_ready(cluster.client, ns, "openstack", 1800)
            converged = time.monotonic() - started
            stored = sum(fill_history(cluster, ns) for ns in namespaces)
            for ns in namespaces:
                wait_ready(cluster.client, ns, "openstack", 300)
            listing = lambda: ListingObserver(op.runtime.kube)
            changed = lambda: ChangedBodiesObserver(op.runtime.kube)
            cached = lambda: CachedObserver(op.runtime.watch_cache, changed())
            planes_ = list(namespaces)
            costs = [
                noop_cost(cluster, op, planes_, "listing (before)", listing, False, False),
                noop_cost(cluster, op, planes_, "changed bodies", changed, False, False),
                noop_cost(cluster, op, planes_, "+ drift memo", changed, True, False),
                noop_cost(cluster, op, planes_, "+ plan memo (--no-watch-cache)", changed,
                          True, True),
                noop_cost(cluster, op, planes_, "+ watch cache (after)", cached, True, True),
            ]
            rss_after = memory_kib(os.getpid())["VmRSS"]
            held = cache_held(op.runtime.watch_cache)
    prefix = f"x{factor:g} {planes:>2} cp"
    figures += [
        Figure(prefix, "converge (all Ready)", f"{converged:.1f} s ({DELAYS.describe()})"),
        Figure(prefix, "helm storage per control plane",
               f"{stored / planes / 1024 / 1024:.1f} MiB ({HISTORY_MAX} revisions each)"),
        Figure(prefix, "RSS growth per control plane",
               f"{(rss_after - rss_before) / planes / 1024:.1f} MiB",
               "benchmark process (operator thread + bench client)"),
        Figure(prefix, "watch cache holds", f"{held[0]} objects, {held[1] / 1024:.0f} KiB "
               f"as JSON ({held[0] / planes:.0f} objects per control plane)",
               "Helm's records as metadata"),
    ]
    for c in costs:
        figures.append(Figure(prefix, f"no-op pass, {c.observer}",
                              f"{c.cpu_ms:.1f} ms CPU, {c.requests:g} req, "
                              f"{c.kib_read:.1f} KiB read, {c.helm_calls} helm calls",
                              f"{c.passes} passes"))
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.realsize",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--factor", type=float, action="append",
                        help="chart sizes times this (repeatable; default 1)")
    parser.add_argument("--planes", default="1,10", help="control plane counts, e.g. 1,10")
    parser.add_argument("--sizes-only", action="store_true",
                        help="resize and render the charts, print their sizes, stop")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    started = time.monotonic()
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="osprey-bench-realsize-") as tmp:
        for factor in args.factor or [1.0]:
            for count in (int(p) for p in args.planes.split(",")):
                workdir = Path(tmp) / f"x{factor:g}-{count}"
                workdir.mkdir()
                print(f"x{factor:g}, {count} control planes ...", flush=True)
                try:
                    if args.sizes_only:
                        figures += run_sizes(factor, workdir)
                        break
                    figures += run(count, factor, workdir)
                except RefusedByKube as exc:
                    print(table(figures), flush=True)
                    print(f"python -m bench.realsize: {exc}", file=sys.stderr)
                    return 2
                print(table(figures), flush=True)
    print()
    print(f"machine: {machine()}")
    print(f"load average: {Path('/proc/loadavg').read_text().split()[:3]}")
    print(f"command: python -m bench.realsize {' '.join(argv or sys.argv[1:])}"
          f"   (total {time.monotonic() - started:.0f} s)")
    print()
    print(table(figures))
    return 0


def run_sizes(factor: float, workdir: Path) -> list[Figure]:
    _, sized = sized_charts(workdir, factor)
    return [Figure(f"x{factor:g}", s.release, f"{s.rendered} bytes",
                   f"target {s.target} ({s.rendered / s.target - 1:+.1%})") for s in sized]


if __name__ == "__main__":
    sys.exit(main())
