"""Drive the real operator (Kopf + helm) from tests: start it, apply resources, wait on status.

Works the same against the simulator and against a real cluster (TEST_KUBECONFIG).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

import yaml

from osprey.handlers import post_event
from osprey.helm import ChartRef, HelmBinary
from osprey.kube import Kube, resource
from osprey.policy import Policy
from osprey.runtime import EventSink, Runtime, Settings
from osprey.service import OperatorThread

ROOT = Path(__file__).resolve().parents[2]
HELM = str(ROOT / "bin" / "helm")
CRD_FILE = ROOT / "crds" / "osprey.dev_openstackcontrolplanes.yaml"
SAMPLES = ROOT / "deploy" / "samples"
CONTROL_PLANE = resource("OpenStackControlPlane")


@dataclass(frozen=True)
class Operation:
    namespace: str
    release: str
    operation: str
    started: float
    finished: float
    ok: bool


@dataclass
class Request:
    method: str
    path: str
    answer: Any = None


@dataclass
class RecordingHelm:
    """The real helm binary, with a record of every operation it ran (for order and counts).

    Renders (`helm template`, which changes nothing in the cluster) are recorded apart, in
    `renders`, as (namespace, release); renders of the objects the cluster shares (mariadb's
    CRDs, before each of its helm runs) in `shared_renders`.
    """

    inner: HelmBinary
    operations: list[Operation] = field(default_factory=list)
    renders: list[tuple[str, str]] = field(default_factory=list)
    shared_renders: list[tuple[str, str]] = field(default_factory=list)

    async def _record(self, namespace: str, release: str, operation: str, call) -> None:
        started = time.monotonic()
        ok = False
        try:
            await call
            ok = True
        finally:
            self.operations.append(
                Operation(namespace, release, operation, started, time.monotonic(), ok)
            )

    async def install_or_upgrade(self, namespace, release, chart: ChartRef, values, *,
                                 labels=None, pull_secrets=()) -> None:
        await self._record(namespace, release, "upgrade", self.inner.install_or_upgrade(
            namespace, release, chart, values, labels=labels, pull_secrets=pull_secrets))

    async def rollback(self, namespace, release, revision) -> None:
        await self._record(namespace, release, "rollback",
                           self.inner.rollback(namespace, release, revision))

    async def render(self, namespace, release, chart: ChartRef, values, *,
                     shared: bool = False, pull_secrets=()) -> list[dict[str, Any]]:
        (self.shared_renders if shared else self.renders).append((namespace, release))
        return await self.inner.render(namespace, release, chart, values, shared=shared,
                                       pull_secrets=pull_secrets)

    async def uninstall(self, namespace, release, *, hooks: bool = True) -> None:
        await self._record(namespace, release, "uninstall",
                           self.inner.uninstall(namespace, release, hooks=hooks))

    def of(self, namespace: str, operation: str | None = None) -> list[Operation]:
        return [o for o in self.operations
                if o.namespace == namespace and (operation is None or o.operation == operation)]


# The test charts are served on loopback (an ephemeral port) or read from local directories.
TEST_POLICY = Policy(chart_repositories=("http://127.0.0.1:*",), local_chart_roots=("/",))


class RunningOperator:
    """An operator scoped to some namespaces, in a thread, with its helm calls recorded.

    `events` posts Kubernetes Events (real ones by default); `overrides` replace settings
    (`lease=LeaseConfig(...)` makes it one replica of several, `shard=Shard(i, m)` one shard).
    """

    def __init__(self, kubeconfig: str, namespaces: str | tuple[str, ...],
                 events: EventSink = post_event, **overrides: Any):
        defaults: dict[str, Any] = {
            "helm_timeout": "3m",
            "resync_seconds": 30.0,
            "retry_base_seconds": 0.5,
            "retry_max_seconds": 5.0,
            "metrics_port": None,
            "liveness_port": None,
            "policy": TEST_POLICY,
            # Stopped at the end of a test: running helm operations are killed, not waited for
            # (the replica tests drain, as a pod on SIGTERM does).
            "drain_seconds": 0.0,
        }
        settings = Settings(
            namespaces=(namespaces,) if isinstance(namespaces, str) else tuple(namespaces),
            kubeconfig=kubeconfig,
            helm_executable=HELM,
            **(defaults | overrides),
        )
        self.helm: RecordingHelm | None = None

        def runtime(s: Settings) -> Runtime:
            rt = Runtime(s, events=events)
            self.helm = RecordingHelm(HelmBinary(
                executable=HELM, kubeconfig=Path(kubeconfig), timeout=s.helm_timeout,
                deadline=s.helm_deadline_seconds, metrics=rt.metrics))
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

    def more_passes(self, client: Client, namespace: str, name: str, count: int = 3,
                    timeout: float = 30.0) -> None:
        """Wake a control plane's loop and wait for a whole new pass, `count` times, each
        within `timeout` seconds."""
        plane = self.runtime.control_planes[(namespace, name)]

        async def wake() -> None:
            plane.wake()

        for _ in range(count):
            passes = plane.passes
            self.thread.call(wake)
            client.wait_for(lambda: plane.passes > passes and not plane.in_pass,  # noqa: B023
                            timeout, "another whole pass", interval=0.05)

    @contextlib.contextmanager
    def recorded_requests(self) -> Iterator[list[Request]]:
        """Every Kubernetes API request the operator makes inside the block, in order, each
        with its answer (None when it raised)."""
        kube = self.runtime.kube
        original = kube.request
        requests: list[Request] = []

        async def recording(method: str, path: str, **kwargs: Any) -> Any:
            request = Request(method, path)
            requests.append(request)
            request.answer = await original(method, path, **kwargs)
            return request.answer

        kube.request = recording
        try:
            yield requests
        finally:
            kube.request = original


@contextlib.contextmanager
def converged(kubeconfig: str, client: Client, body: Mapping[str, Any],
              **overrides: Any) -> Iterator[RunningOperator]:
    """An operator for the control plane's namespace, entered once the plane it applied is
    Ready and its loop idle (a pass under way when Ready was seen may still write status)."""
    namespace, name = body["metadata"]["namespace"], body["metadata"]["name"]
    with RunningOperator(kubeconfig, namespace, **overrides) as op:
        client.apply_control_plane(body)
        client.wait_ready(namespace, name)
        plane = op.runtime.control_planes[(namespace, name)]
        client.wait_for(lambda: not plane.in_pass, 10, "the loop to be idle", interval=0.05)
        yield op


def load_sample(name: str) -> dict[str, Any]:
    return yaml.safe_load((SAMPLES / name).read_text())


def control_plane(sample: str, namespace: str, repository: str, **spec: Any) -> dict[str, Any]:
    body = copy.deepcopy(load_sample(sample))
    body["metadata"] = {"name": body["metadata"]["name"], "namespace": namespace}
    body.setdefault("spec", {}).setdefault("charts", {})["repository"] = repository
    body["spec"].update(spec)
    return body


class Client:
    """Synchronous helpers over osprey's own Kube client, for test bodies."""

    def __init__(self, kubeconfig: str):
        self.kube = Kube.from_kubeconfig(kubeconfig)

    def run(self, coro):
        return asyncio.run(coro)

    def apply_control_plane(self, body: Mapping[str, Any]) -> dict[str, Any]:
        ns, name = body["metadata"]["namespace"], body["metadata"]["name"]
        existing = self.run(self.kube.get(CONTROL_PLANE, ns, name))
        if existing is None:
            return self.run(self.kube.create(CONTROL_PLANE, ns, body))
        return self.run(self.kube.merge_patch(CONTROL_PLANE, ns, name, {"spec": body["spec"]}))

    def patch_spec(self, namespace: str, name: str, spec: Mapping[str, Any]) -> dict[str, Any]:
        return self.run(self.kube.merge_patch(CONTROL_PLANE, namespace, name, {"spec": spec}))

    def get(self, kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        return self.run(self.kube.get(resource(kind), namespace, name))

    def list(self, kind: str, namespace: str, labels: str | None = None) -> list[dict[str, Any]]:
        return self.run(self.kube.list(resource(kind), namespace, labels=labels))

    def delete(self, kind: str, namespace: str, name: str) -> None:
        self.run(self.kube.delete(resource(kind), namespace, name))

    def wait_for(
        self, predicate: Callable[[], Any], timeout: float, what: str, interval: float = 0.2
    ) -> Any:
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            last = predicate()
            if last:
                return last
            time.sleep(interval)
        raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")

    def condition(self, namespace: str, name: str, type_: str) -> dict[str, Any] | None:
        body = self.get("OpenStackControlPlane", namespace, name) or {}
        for cond in (body.get("status") or {}).get("conditions") or ():
            if cond["type"] == type_:
                return cond
        return None

    def wait_ready(self, namespace: str, name: str, timeout: float = 180.0) -> dict[str, Any]:
        def ready():
            body = self.get("OpenStackControlPlane", namespace, name)
            status = (body or {}).get("status") or {}
            cond = next((c for c in status.get("conditions") or () if c["type"] == "Ready"), None)
            fresh = status.get("observedGeneration") == body["metadata"].get("generation")
            return body if cond and cond["status"] == "True" and fresh else None

        try:
            return self.wait_for(ready, timeout, f"{namespace}/{name} Ready")
        except AssertionError:
            body = self.get("OpenStackControlPlane", namespace, name)
            raise AssertionError(
                f"{namespace}/{name} not Ready in {timeout:.0f}s; status:\n"
                + yaml.safe_dump((body or {}).get("status"))
            ) from None
