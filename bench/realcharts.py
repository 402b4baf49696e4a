"""`python -m bench.realcharts [--quick] [SOURCE]`: the converge, healing and release record
figures with the real OpenStack-Helm charts instead of the fixture charts.

SOURCE is an openstack-helm checkout or git directory (default: `$OSH_CHARTS`); its charts are
packaged as the published tarballs are (tests/fixtures/oshcharts.py, cached under .cache/).
The scenarios are those of `python -m bench --only converge` (same simulator, same delays,
same in-process operator), minus the sequential baseline and the replica change, plus the size
of Helm's release records, which the real charts make large.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import logging
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from bench.__main__ import FULL, QUICK
from bench.cluster import Cluster, simulated_cluster
from bench.converge import Converged, converge, converge_figures
from bench.figures import Figure, machine, table
from bench.inprocess import InProcessOperator
from bench.steady import heal, healing_figures, noop, noop_figures
from tests.fixtures.oshcharts import OshChartsError, osh_charts, source_from_env

KIB = 1024


@dataclass(frozen=True)
class RecordSize:
    """One release's newest revision as Helm stores it (a Secret `sh.helm.release.v1.*`)."""

    release: str
    revision: int
    stored: int  # bytes of the Secret's `release` value as the API server holds it
    decoded: int  # bytes of the release JSON inside (base64 and gzip undone)


def record_sizes(cluster: Cluster, namespace: str) -> list[RecordSize]:
    newest: dict[str, dict] = {}
    for secret in cluster.client.list("Secret", namespace, "owner=helm"):
        labels = secret["metadata"]["labels"]
        if int(labels["version"]) >= int(newest.get(labels["name"], {}).get("metadata", {})
                                          .get("labels", {}).get("version", 0)):
            newest[labels["name"]] = secret
    sizes = []
    for name, secret in sorted(newest.items()):
        stored = base64.b64decode(secret["data"]["release"])  # Secret data is base64 on the wire
        decoded = gzip.decompress(base64.b64decode(stored))
        sizes.append(RecordSize(name, int(secret["metadata"]["labels"]["version"]),
                                len(stored), len(decoded)))
    return sizes


def record_figures(sizes: list[RecordSize], history_max: int = 10) -> list[Figure]:
    total = sum(s.stored for s in sizes)
    largest = sorted(sizes, key=lambda s: s.stored, reverse=True)[:4]
    return [
        Figure("records", "helm release record per revision, largest",
               ", ".join(f"{s.release} {s.stored / KIB:.0f} KiB" for s in largest),
               "decoded JSON: " + ", ".join(f"{s.decoded / KIB:.0f} KiB" for s in largest)),
        Figure("records", f"all {len(sizes)} releases, newest revision each",
               f"{total / KIB:.0f} KiB stored",
               f"up to {total * history_max / KIB / KIB:.1f} MiB at --history-max "
               f"{history_max}"),
    ]


def helm_figures(op: InProcessOperator, namespace: str, result: Converged) -> list[Figure]:
    operations = op.helm.of(namespace)
    by_kind = Counter(o.operation for o in operations)
    failed = [o for o in operations if not o.ok]
    return [Figure("converge", "helm calls during converge",
                   ", ".join(f"{k} {v}" for k, v in sorted(by_kind.items())) or "none",
                   f"{len(result.profiles)} releases; failed calls: {len(failed)}")]


def run(source: Path, quick: bool) -> list[Figure]:
    profile = QUICK if quick else FULL
    charts = osh_charts(source)
    figures: list[Figure] = []
    with simulated_cluster(profile.delays, charts.repository) as cluster:
        namespace, name = cluster.new_namespace("converge"), "openstack"
        with InProcessOperator(cluster.kubeconfig, (namespace,)) as op:
            converged = converge(cluster, op, namespace, charts.repository)
            print(f"  converged in {converged.seconds:.1f} s", flush=True)
            figures += converge_figures(converged, baseline=None)
            figures += helm_figures(op, namespace, converged)
            sizes = record_sizes(cluster, namespace)
            idle = noop(cluster, op, namespace, name)
            healed = heal(cluster, op, namespace, name, profile.heal_trials)
        figures += noop_figures(idle) + healing_figures(healed) + record_figures(sizes)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.realcharts",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", help="openstack-helm checkout or git directory "
                        "(default: $OSH_CHARTS)")
    parser.add_argument("--quick", action="store_true", help="shorter delays, fewer trials")
    args = parser.parse_args(argv)
    source = Path(args.source).resolve() if args.source else source_from_env()
    if source is None:
        parser.error("give an openstack-helm checkout or set OSH_CHARTS")
    logging.basicConfig(level=logging.ERROR)
    started = time.monotonic()
    try:
        figures = run(source, args.quick)
    except OshChartsError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print()
    print(f"machine: {machine()}")
    print(f"charts: {source}")
    print(f"command: python -m bench.realcharts {' '.join(argv or sys.argv[1:])}"
          f"   (total {time.monotonic() - started:.0f} s)")
    print()
    print(table(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
