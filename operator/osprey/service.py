"""Running the operator: Kopf with our handlers, our runtime in its memo, metrics beside it."""

from __future__ import annotations

import asyncio
import gc
import logging
import threading
from typing import Any

import kopf

from osprey import handlers
from osprey.runtime import Runtime, Settings

log = logging.getLogger(__name__)


async def run_operator(
    settings: Settings,
    *,
    runtime: Runtime | None = None,
    stop_flag: Any = None,
    ready_flag: Any = None,
) -> None:
    """Run until `stop_flag` is set (or forever); everything is torn down on the way out."""
    runtime = runtime or Runtime(settings, events=handlers.post_event)
    liveness = (
        f"http://0.0.0.0:{settings.liveness_port}/healthz" if settings.liveness_port else None
    )
    await kopf.operator(
        clusterwide=not settings.namespaces,
        namespaces=settings.namespaces,
        standalone=not settings.peering,
        liveness_endpoint=liveness,
        memo=kopf.Memo(runtime=runtime),
        stop_flag=stop_flag,
        ready_flag=ready_flag,
    )


class OperatorThread:
    """The operator in a thread of its own, with its own event loop (tests, demo, benchmarks)."""

    def __init__(self, settings: Settings, runtime_factory=None):
        self.settings = settings
        self._runtime_factory = runtime_factory
        self.runtime: Runtime | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, name="osprey-operator", daemon=True)
        self.error: BaseException | None = None

    def _main(self) -> None:
        self._loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._serve())
        except Exception as exc:  # noqa: BLE001 - handed to the starting thread, which raises it
            self.error = exc
            self._ready.set()
        finally:
            self._close_loop()

    def _close_loop(self) -> None:
        """Let whatever Kopf left behind (sessions, pending posts) finish before closing."""
        loop = self._loop
        pending = asyncio.all_tasks(loop)
        for task in pending:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        del pending  # their tracebacks hold helm subprocess transports
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.run_until_complete(loop.shutdown_default_executor())
        gc.collect()  # finalise helm subprocess transports while their loop can still close them
        loop.close()

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        ready = asyncio.Event()
        factory = self._runtime_factory or (
            lambda s: Runtime(s, events=handlers.post_event)
        )
        self.runtime = factory(self.settings)

        async def signal_ready() -> None:
            await ready.wait()
            self._ready.set()

        watcher = asyncio.create_task(signal_ready())
        try:
            await run_operator(self.settings, runtime=self.runtime, stop_flag=self._stop,
                               ready_flag=ready)
        finally:
            watcher.cancel()

    def start(self, timeout: float = 30.0) -> OperatorThread:
        self._thread.start()
        if not self._ready.wait(timeout):
            raise TimeoutError("the operator did not become ready in time")
        if self.error:
            raise RuntimeError("the operator failed to start") from self.error
        return self

    def call(self, coro_fn, timeout: float = 60.0):
        """Run a coroutine function on the operator's loop and return its result."""
        future = asyncio.run_coroutine_threadsafe(coro_fn(), self._loop)
        return future.result(timeout)

    def stop(self, timeout: float = 60.0) -> None:
        if self._loop and self._stop and self._loop.is_running():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout)
