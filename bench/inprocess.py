"""The operator in a thread of this process (osprey.service.OperatorThread), with every helm
command recorded, for the scenarios that need its inner state: when each helm command ran,
how many passes a loop made, and a way to wake a loop.

The simulator runs in another process (bench.simserver), so this process's CPU time is the
operator's, plus the benchmark's own bookkeeping while it waits (kept to sleeps).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Self

from bench.cluster import HELM
from osprey.helm import HelmBinary
from osprey.reconcile import ControlPlane
from osprey.runtime import Runtime, Settings
from osprey.service import OperatorThread
from tests.integration.operator_harness import RecordingHelm


class InProcessOperator:
    """Watches the given namespaces; resyncs rarely, so that every pass is one we asked for."""

    def __init__(self, kubeconfig: Path, namespaces: tuple[str, ...],
                 resync_seconds: float = 3600.0):
        self.helm: RecordingHelm | None = None
        settings = Settings(
            namespaces=namespaces,
            kubeconfig=str(kubeconfig),
            helm_executable=str(HELM),
            helm_timeout="10m",
            resync_seconds=resync_seconds,
            retry_base_seconds=0.5,
            retry_max_seconds=5.0,
            metrics_port=None,
            liveness_port=None,
        )

        def runtime(s: Settings) -> Runtime:
            rt = Runtime(s, events=lambda *_: None)
            self.helm = RecordingHelm(HelmBinary(executable=str(HELM), kubeconfig=kubeconfig,
                                                 timeout=s.helm_timeout, metrics=rt.metrics))
            rt.helm = self.helm
            return rt

        self.thread = OperatorThread(settings, runtime_factory=runtime)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.thread.stop()

    @property
    def runtime(self) -> Runtime:
        return self.thread.runtime

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
