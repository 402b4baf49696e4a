"""The simulator: the API server on its own asyncio loop in a background thread, plus the
simulated controllers, with a small thread-safe control surface for tests.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from pathlib import Path
from typing import Any, Self

from aiohttp import web

from . import kubeconfig
from .api import Api
from .controllers import Controllers
from .faults import Faults
from .gc import GarbageCollector
from .http import Server
from .nodes import NODE_LABELS, NodeSpec, node_object, node_specs, node_status
from .resources import Registry
from .store import Store


class Simulator:
    """Start with `start()` (or as a context manager); `url` is then `http://127.0.0.1:PORT`.

    Runtime control (safe from any thread):
      * `workload_delay`, `job_delay`: seconds before workloads turn ready / Jobs finish;
      * `faults`: request faults (`fail`, `throttle`, `gone`, `delay`, `drop_watches`) and
        `fail_jobs(pattern)`;
      * `controllers.pause()` / `resume()` / `enable(name, on)`; `gc.pause()` / `resume()`;
      * `drop_watches(pattern)`: end the matching open watch streams now;
      * `compact()`: forget watch history, so older resourceVersions answer 410;
      * `add_node(...)`, `remove_node(name)`, `reset_nodes()`: the cluster's nodes.

    `nodes` is a count of all-in-one nodes (`kubesim-node-<i>`) or one dict per node (see
    nodes.node_specs); labels and taints also change through the API (`kubectl label`,
    `kubectl taint`), as nodes are ordinary objects.
    """

    def __init__(
        self,
        *,
        port: int = 0,
        workload_delay: float = 0.1,
        job_delay: float = 0.1,
        bookmark_interval: float = 1.0,
        history_size: int = 50_000,
        nodes: int | list[dict[str, Any]] = 1,
    ) -> None:
        self.port = port
        self.store = Store(history_size)
        self.registry = Registry()
        self.api = Api(self.store, self.registry)
        self.faults = Faults()
        self.server = Server(self.api, self.faults, bookmark_interval)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._ready = threading.Event()
        self._startup_error: BaseException | None = None
        self._nodes = node_specs(nodes)
        self._initial_delays = (workload_delay, job_delay)
        self.controllers: Controllers
        self.gc: GarbageCollector

    # ---- lifecycle -----------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Self:
        self._thread = threading.Thread(target=self._run, name="kubesim", daemon=True)
        self._thread.start()
        self._ready.wait(timeout=30)
        if self._startup_error is not None:
            raise RuntimeError("kubesim failed to start") from self._startup_error
        return self

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._serve())
        except Exception as exc:  # noqa: BLE001 - any start-up failure is re-raised by start()
            self._startup_error = exc
            self._ready.set()
            return
        self._ready.set()
        loop.run_forever()
        loop.run_until_complete(self._shutdown())
        loop.close()

    async def _serve(self) -> None:
        loop = asyncio.get_running_loop()
        self.gc = GarbageCollector(self.api, loop)
        self.controllers = Controllers(self.api, self.faults, loop, *self._initial_delays)
        self._bootstrap()
        self._runner = web.AppRunner(
            self.server.app(), access_log=None, handler_cancellation=True, shutdown_timeout=0.5
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        sockets = site._server.sockets  # type: ignore[union-attr]
        self.port = sockets[0].getsockname()[1]
        self.server.address = f"127.0.0.1:{self.port}"

    async def _shutdown(self) -> None:
        for watcher in self.store.watchers():
            watcher.deliver(None)
        if self._runner is not None:
            await self._runner.cleanup()

    def stop(self) -> None:
        if self._loop is not None and self._loop.is_running():
            self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _bootstrap(self) -> None:
        """What a fresh cluster has: system namespaces and nodes."""
        ns = self.registry.get("", "v1", "namespaces")
        assert ns is not None
        for name in ("default", "kube-system", "kube-public", "kube-node-lease"):
            self.api.create(ns, "", {"metadata": {"name": name}}, manager="kube-apiserver")
        for index, spec in enumerate(self._nodes):
            self._create_node(spec, index)

    def _create_node(self, spec: NodeSpec, index: int) -> dict[str, Any]:
        nodes = self.registry.get("", "v1", "nodes")
        assert nodes is not None
        node = self.api.create(nodes, "", node_object(spec, index), manager="kubelet")
        node["status"] = node_status(spec, index)
        return self.api.update(nodes, "", spec.name, node, manager="kubelet", subresource="status")

    # ---- control surface -----------------------------------------------------------------
    def write_kubeconfig(self, path: str | Path) -> Path:
        return kubeconfig.write(path, self.url)

    @property
    def workload_delay(self) -> float:
        return self.controllers.workload_delay

    @workload_delay.setter
    def workload_delay(self, seconds: float) -> None:
        self.controllers.workload_delay = seconds

    @property
    def job_delay(self) -> float:
        return self.controllers.job_delay

    @job_delay.setter
    def job_delay(self, seconds: float) -> None:
        self.controllers.job_delay = seconds

    def drop_watches(self, pattern: str = "") -> int:
        """End open watch streams whose request path matches; returns how many."""
        import re

        dropped = 0
        for watcher in self.store.watchers():
            if re.search(pattern, watcher.label):
                watcher.deliver(None)
                dropped += 1
        return dropped

    def compact(self) -> int:
        return self.store.compact()

    def add_node(
        self,
        name: str,
        labels: dict[str, str] | None = None,
        taints: list[dict[str, Any]] | None = None,
        unschedulable: bool = False,
    ) -> dict[str, Any]:
        """A new Ready node (labels default to OpenStack-Helm's all-in-one labels)."""
        spec = NodeSpec(
            name,
            dict(NODE_LABELS) if labels is None else dict(labels),
            tuple(taints or ()),
            unschedulable,
        )
        index = len(self.store.list(("", "nodes"))[0])
        return self.call(self._create_node, spec, index)

    def remove_node(self, name: str) -> None:
        """Delete a node; its pods go with it (pod garbage collection)."""
        from .deletion import delete

        nodes = self.registry.get("", "v1", "nodes")
        self.call(delete, self.api, nodes, "", name, {}, policy="Background")

    def reset_nodes(self) -> None:
        """Back to the nodes the simulator started with, labels and taints included."""
        self.call(self._reset_nodes)

    def _reset_nodes(self) -> None:
        from .deletion import delete

        nodes = self.registry.get("", "v1", "nodes")
        assert nodes is not None
        wanted = {spec.name: (index, spec) for index, spec in enumerate(self._nodes)}
        for node in self.store.list(("", "nodes"))[0]:
            name = node["metadata"]["name"]
            if name not in wanted:
                delete(self.api, nodes, "", name, {}, policy="Background")
                continue
            index, spec = wanted[name]
            want = node_object(spec, index)
            if (
                node.get("spec") != want["spec"]
                or node["metadata"].get("labels") != want["metadata"]["labels"]
            ):
                node["spec"] = want["spec"]
                node["metadata"]["labels"] = want["metadata"]["labels"]
                self.api.update(nodes, "", name, node, manager="kubesim")
        for name, (index, spec) in wanted.items():
            if self.store.get(("", "nodes"), "", name) is None:
                self._create_node(spec, index)

    def call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        """Run `fn` on the simulator loop and wait for its result (for loop-bound helpers)."""
        assert self._loop is not None

        async def run() -> Any:
            return fn(*args, **kwargs)

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(timeout=30)

    @staticmethod
    def random_suffix() -> str:
        return uuid.uuid4().hex[:6]
