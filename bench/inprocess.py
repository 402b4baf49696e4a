"""The operator in a thread of this process (osprey.service.OperatorThread), with every helm
command recorded, for the scenarios that need its inner state: when each helm command ran,
how many passes a loop made, and a way to wake a loop.

The simulator runs in another process (bench.simserver), so this process's CPU time is the
operator's, plus the benchmark's own bookkeeping while it waits (kept to sleeps).
"""

from __future__ import annotations

import time
from pathlib import Path

from osprey.reconcile import ControlPlane
from tests.integration.operator_harness import RunningOperator


class InProcessOperator(RunningOperator):
    """Watches the given namespaces; resyncs rarely, so that every pass is one we asked for;
    posts no Events (they would be API requests the benchmark did not ask for)."""

    def __init__(self, kubeconfig: Path, namespaces: tuple[str, ...],
                 resync_seconds: float = 3600.0):
        super().__init__(str(kubeconfig), namespaces, events=lambda *_: None,
                         helm_timeout="10m", resync_seconds=resync_seconds)

    def loop(self, namespace: str, name: str) -> ControlPlane:
        return self.runtime.control_planes[(namespace, name)]

    def helm_calls(self) -> int:
        return len(self.helm.operations)

    def one_pass(self, namespace: str, name: str, timeout: float = 30.0) -> None:
        """Wake a loop and return once it has finished one more pass."""
        plane = self.loop(namespace, name)
        before = plane.passes

        async def wake() -> None:
            plane.wake()

        self.thread.call(wake)
        deadline = time.monotonic() + timeout
        while plane.passes == before or plane.in_pass:
            if time.monotonic() > deadline:
                raise TimeoutError(f"no pass of {namespace}/{name} in {timeout:.0f}s")
            time.sleep(0.005)
