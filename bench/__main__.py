"""`python -m bench [--quick] [--only converge|scale|shards]`: run the benchmarks, print one table.

`--factor F` runs scale and shards with the fixture charts resized to the real charts' rendered
bytes times F (bench.realsize); `--planes 1,10,50` sets the scale points (shards: the largest).

The full run takes about ten minutes on two cores; `--quick` (shorter delays, fewer trials,
smaller scale) about two, for a smoke test of the benchmarks themselves.
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

from bench.cluster import Delays, packaged_charts, simulated_cluster
from bench.converge import converge, converge_figures, sequential_baseline
from bench.figures import Figure, machine, table
from bench.inprocess import InProcessOperator
from bench.realsize import sized_charts
from bench.scale import measure, scale_figures
from bench.shards import measure_shards, shard_figures
from bench.steady import change, heal, noop, steady_figures


@dataclass(frozen=True)
class Profile:
    delays: Delays  # converge, change, healing and the baseline
    heal_trials: int
    scale_delays: Delays
    scale_points: tuple[int, ...]
    resync_seconds: float  # of the scale runs' operator: its no-op passes
    sharded: int = 50  # control planes converged by two shards


FULL = Profile(Delays(2.0, 3.0), 20, Delays(0.2, 0.2), (1, 10, 50), 5.0)
QUICK = Profile(Delays(0.5, 0.75), 5, Delays(0.2, 0.2), (1, 3), 2.0, sharded=4)


def single_control_plane(profile: Profile, charts: Path) -> list[Figure]:
    with simulated_cluster(profile.delays, charts) as cluster:
        namespace, name = cluster.new_namespace("converge"), "openstack"
        with InProcessOperator(cluster.kubeconfig, (namespace,)) as op:
            converged = converge(cluster, op, namespace, charts)
            print(f"  converged in {converged.seconds:.1f} s", flush=True)
            idle = noop(cluster, op, namespace, name)
            keystone = next(p for p in converged.profiles if p.name == "keystone")
            changed = change(cluster, op, namespace, name,
                             keystone.install_seconds(cluster.delays))
            print(f"  changed in {changed.seconds:.1f} s", flush=True)
            healed = heal(cluster, op, namespace, name, profile.heal_trials)
        print("  sequential helm baseline ...", flush=True)
        baseline = sequential_baseline(cluster, cluster.new_namespace("baseline"))
    return converge_figures(converged, baseline) + steady_figures(idle, changed, healed)


def scale(profile: Profile, charts: Path) -> list[Figure]:
    points = []
    for count in profile.scale_points:
        with simulated_cluster(profile.scale_delays, charts) as cluster:
            points.append(measure(cluster, count, profile.resync_seconds))
        print(f"  {count} control planes converged in {points[-1].converge_seconds:.1f} s",
              flush=True)
    return scale_figures(points, profile.scale_delays.describe())


def shards(profile: Profile, charts: Path) -> list[Figure]:
    with simulated_cluster(profile.scale_delays, charts) as cluster:
        point = measure_shards(cluster, profile.sharded, shards=2)
    print(f"  {point.control_planes} control planes converged by 2 shards in "
          f"{point.converge_seconds:.1f} s", flush=True)
    return shard_figures(point, profile.scale_delays.describe())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a fast smoke run")
    parser.add_argument("--only", choices=["converge", "scale", "shards"],
                        help="run one group: converge (+ no-op, change, healing, overhead, "
                        "baseline), scale, or shards (two shards converging many)")
    parser.add_argument("--factor", type=float,
                        help="scale and shards: the fixture charts resized to render as many "
                        "bytes as OpenStack-Helm's real charts, times F (bench.realsize); "
                        "default: the fixture charts as they are")
    parser.add_argument("--planes", help="scale: control plane counts, e.g. 1,10,50; shards: "
                        "the largest of them")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    profile = QUICK if args.quick else FULL
    if args.planes:
        counts = tuple(int(p) for p in args.planes.split(","))
        profile = replace(profile, scale_points=counts, sharded=max(counts))
    started = time.monotonic()
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="osprey-bench-charts-") as tmp:
        if args.factor is None:
            charts = packaged_charts(Path(tmp) / "charts")
        else:
            if args.only in (None, "converge"):
                parser.error("--factor sizes the scale and shards runs only (converge uses "
                             "the fixture charts; bench.realsize measures its no-op pass)")
            charts, sized = sized_charts(Path(tmp), args.factor)
            print(f"charts at x{args.factor:g} of the real rendered bytes: "
                  + ", ".join(f"{s.release} {s.rendered // 1024} KiB" for s in sized),
                  flush=True)
        if args.only in (None, "converge"):
            print(f"converge, no-op, change, healing ({profile.delays.describe()}) ...",
                  flush=True)
            figures += single_control_plane(profile, charts)
        if args.only in (None, "scale"):
            print(f"scale {profile.scale_points} ({profile.scale_delays.describe()}) ...",
                  flush=True)
            figures += scale(profile, charts)
        if args.only in (None, "shards"):
            print(f"two shards, {profile.sharded} control planes "
                  f"({profile.scale_delays.describe()}) ...", flush=True)
            figures += shards(profile, charts)
    print()
    print(f"machine: {machine()}")
    print(f"command: python -m bench {' '.join(argv if argv is not None else sys.argv[1:])}"
          f"   (total {time.monotonic() - started:.0f} s)")
    print()
    print(table(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
