"""`python -m tests.kubesim serve --kubeconfig PATH [--port N] [--nodes N] [--workload-delay S]
[--job-delay S]`

Starts the simulator with its controllers on loopback, writes a kubeconfig, and serves until
interrupted: for debugging by hand with kubectl, helm or the operator.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading

from .simulator import Simulator


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.kubesim")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the simulator until interrupted")
    serve.add_argument("--kubeconfig", required=True, help="where to write the kubeconfig")
    serve.add_argument("--port", type=int, default=0, help="loopback port (default: any free)")
    serve.add_argument(
        "--nodes", type=int, default=1, help="all-in-one nodes in the cluster (default: 1)"
    )
    serve.add_argument(
        "--workload-delay",
        type=float,
        default=1.0,
        help="seconds before Deployments/StatefulSets/DaemonSets are ready",
    )
    serve.add_argument("--job-delay", type=float, default=1.0, help="seconds before Jobs complete")
    serve.add_argument(
        "--fail-jobs",
        action="append",
        default=[],
        metavar="REGEX",
        help="Jobs whose name matches end Failed (repeatable)",
    )
    serve.add_argument(
        "--fail-images",
        action="append",
        default=[],
        metavar="REGEX",
        help="images that match cannot be pulled: their containers wait in ImagePullBackOff "
        "(repeatable)",
    )
    serve.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    sim = Simulator(
        port=args.port,
        workload_delay=args.workload_delay,
        job_delay=args.job_delay,
        nodes=args.nodes,
    )
    sim.start()
    for pattern in args.fail_jobs:
        sim.faults.fail_jobs(pattern)
    for pattern in args.fail_images:
        sim.faults.fail_images(pattern)
    path = sim.write_kubeconfig(args.kubeconfig)
    print(f"kubesim serving {sim.url}; kubeconfig written to {path}", flush=True)
    print(f"  export KUBECONFIG={path}", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    sim.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
