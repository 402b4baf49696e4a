"""`python -m bench.simserver KUBECONFIG WORKLOAD_DELAY JOB_DELAY`: the simulator in a process
of its own, with the request counter, until stdin closes.

The benchmarks measure the operator's CPU and memory; with the simulator in the same process
its work (serving lists, running the simulated controllers) would be counted as the
operator's and would compete with it for the GIL, as no real API server does.
"""

from __future__ import annotations

import logging
import sys

from bench.requests import RequestCounter
from tests.kubesim import Simulator

NODES = 3


def main(argv: list[str]) -> int:
    kubeconfig, workload_delay, job_delay = argv[0], float(argv[1]), float(argv[2])
    logging.basicConfig(level=logging.WARNING)
    # The compute kit runs 2 memcached replicas, which OpenStack-Helm spreads one per node.
    sim = Simulator(workload_delay=workload_delay, job_delay=job_delay, nodes=NODES)
    RequestCounter().install(sim.server)
    with sim:
        sim.write_kubeconfig(kubeconfig)
        print(sim.url, flush=True)
        sys.stdin.read()  # the parent closes our stdin (or dies) to stop us
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
