"""Running the operator: Kopf with our handlers, our runtime in its memo, metrics beside it."""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import threading

import kopf
from aiohttp import web

from osprey import handlers
from osprey.leadership import LeaderElector, LeaseConfig, LeaseThread
from osprey.runtime import Runtime, Settings
from osprey.sharding import Shard

log = logging.getLogger(__name__)


async def run_operator(
    settings: Settings,
    *,
    runtime: Runtime | None = None,
    stop_flag: asyncio.Event | None = None,
    ready_flag: asyncio.Event | None = None,
) -> None:
    """Run until SIGTERM/SIGINT or `stop_flag`; everything is torn down on the way out.

    With a Lease, the replica stands by (serving /healthz and /metrics) until it leads, and
    only then runs Kopf: a standby has no handler, no daemon, no watch. On the way out the
    leader drains (no new helm operation; running ones may finish, up to the drain timeout),
    stops Kopf, then releases the Lease so a successor takes over at once. Raises
    LeadershipLost when the Lease could not be renewed: the process must exit, not act on.
    """
    runtime = runtime or Runtime(settings, events=handlers.post_event)
    shutdown = stop_flag or asyncio.Event()
    hurry = asyncio.Event()  # a second signal: stop without waiting for helm
    _on_signals(_signal_handler(shutdown, hurry))
    health = await _serve_health(settings.liveness_port, runtime)
    elector = _elector(settings, runtime)
    try:
        if elector is not None:
            standing_by = _once(lambda: _standing_by(elector, ready_flag))
            if not await elector.acquire(shutdown, on_standby=standing_by):
                return
        await _lead(settings, runtime, elector, shutdown, hurry, ready_flag)
    finally:
        runtime.set_leading(False)
        if elector is not None:
            await elector.release()
            elector.kube.close()
        if health is not None:
            await health.cleanup()


async def _lead(settings: Settings, runtime: Runtime, elector: LeaderElector | None,
                shutdown: asyncio.Event, hurry: asyncio.Event,
                ready_flag: asyncio.Event | None) -> None:
    runtime.set_leading(True)
    on_signal = _signal_handler(shutdown, hurry)
    kopf_stop, kopf_ready = asyncio.Event(), asyncio.Event()
    # Created before Kopf starts: Kopf cancels every task younger than itself when it stops.
    hold = asyncio.create_task(LeaseThread(elector).hold(kopf_stop)) if elector else None
    cache = runtime.watch_cache
    informing = asyncio.create_task(cache.run()) if cache is not None else None
    kopf_task = asyncio.create_task(kopf.operator(
        registry=handlers.registry(owned_wakeups=cache is None),
        clusterwide=not settings.namespaces,
        namespaces=settings.namespaces,
        standalone=True,  # Kopf's peering pauses every peer of equal priority: the Lease leads
        liveness_endpoint=None,  # served by us, by standbys too
        memo=kopf.Memo(runtime=runtime),
        stop_flag=kopf_stop,
        ready_flag=kopf_ready,
    ))

    async def ready() -> None:
        await kopf_ready.wait()
        _on_signals(on_signal)  # Kopf took SIGTERM for an immediate stop: drain first
        if ready_flag is not None:
            ready_flag.set()

    readiness = asyncio.create_task(ready())
    ending = asyncio.create_task(shutdown.wait())
    waited = [t for t in (ending, kopf_task, hold) if t is not None]
    try:
        await asyncio.wait(waited, return_when=asyncio.FIRST_COMPLETED)
        if shutdown.is_set() and not kopf_task.done():
            await drain(runtime, settings.drain_timeout_seconds, hurry)
    finally:
        kopf_stop.set()
        readiness.cancel()
        ending.cancel()
        await asyncio.gather(kopf_task, return_exceptions=True)
        if informing is not None:
            informing.cancel()
            await asyncio.gather(informing, return_exceptions=True)
        runtime.set_leading(False)
        if hold is not None:
            await asyncio.gather(hold, return_exceptions=True)
    if hold is not None and hold.done() and not hold.cancelled() and hold.exception():
        raise hold.exception()
    if kopf_task.exception() is not None:
        raise kopf_task.exception()


async def drain(runtime: Runtime, seconds: float, hurry: asyncio.Event | None = None) -> None:
    """Start no new helm operation and let the running ones finish, for up to `seconds` or
    until `hurry` is set (a rolling update must not kill a helm midway: that leaves a pending
    release)."""
    runtime.draining = True
    pending = set(runtime.running_operations())
    if not pending:
        return
    log.info("shutting down: waiting up to %gs for %d helm operation(s) (signal again to stop "
             "at once)", seconds, len(pending))
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    hurried = asyncio.ensure_future((hurry or asyncio.Event()).wait())
    try:
        while pending and not hurried.done() and (left := deadline - loop.time()) > 0:
            _, pending = await asyncio.wait(pending | {hurried}, timeout=left,
                                            return_when=asyncio.FIRST_COMPLETED)
            pending.discard(hurried)
    finally:
        hurried.cancel()
    if pending:
        log.warning("shutting down: %d helm operation(s) still running are stopped",
                    len(pending))


def lease_name(config: LeaseConfig, shard: Shard | None) -> str:
    return config.name if shard is None else f"{config.name}-{shard.lease_suffix}"


def _elector(settings: Settings, runtime: Runtime) -> LeaderElector | None:
    config = settings.lease
    if config is None:
        return None
    return LeaderElector(runtime.kube.dedicated("osprey-lease"), config.namespace,
                         lease_name(config, settings.shard), config.identity, config.timing)


def _standing_by(elector: LeaderElector, ready_flag: asyncio.Event | None) -> None:
    log.info("standing by until %s is ours", elector.where)
    if ready_flag is not None:
        ready_flag.set()


def _once(fn):
    done = False

    def call() -> None:
        nonlocal done
        if not done:
            done = True
            fn()

    return call


def _signal_handler(shutdown: asyncio.Event, hurry: asyncio.Event):
    def on_signal() -> None:
        if shutdown.is_set():
            log.warning("stopping now: running helm operations are killed")
            hurry.set()
        shutdown.set()

    return on_signal


def _on_signals(callback) -> None:
    """SIGTERM and SIGINT call `callback` (main thread only: signals are delivered there)."""
    if threading.current_thread() is not threading.main_thread():
        return
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, callback)


async def _serve_health(port: int | None, runtime: Runtime) -> web.AppRunner | None:
    """/healthz on every replica: 200 while the process's loop answers; says who leads."""
    if not port:
        return None

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"leader": runtime.leading})

    app = web.Application()
    app.router.add_get("/healthz", healthz)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "0.0.0.0", port).start()
    return runner


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

    def stop(self, timeout: float | None = None) -> None:
        """Stop as on SIGTERM: drain, stop Kopf, release the Lease."""
        if timeout is None:
            timeout = self.settings.drain_timeout_seconds + 60.0
        if self._loop and self._stop and self._loop.is_running():
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(timeout)
