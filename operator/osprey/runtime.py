"""The operator's process-wide pieces, created once at start-up and passed down (Kopf's memo)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from osprey.api import ValidatedSpecs
from osprey.helm import DEFAULT_TIMEOUT, Helm, HelmBinary, parse_duration
from osprey.kube import READ_TIMEOUT_SECONDS, Kube
from osprey.leadership import LeaseConfig
from osprey.logging import redact_secrets_of
from osprey.masking import redact
from osprey.metrics import Metrics
from osprey.nodepools import AgentNodesMemo
from osprey.policy import Policy
from osprey.sharding import Shard
from osprey.watchcache import WatchCache

if TYPE_CHECKING:
    from osprey.reconcile import ControlPlane

EventSink = Callable[[Any, str, str, str], None]
"""(body, type, reason, message) -> posts a Kubernetes Event about the resource."""


@dataclass(frozen=True)
class Settings:
    """Everything `osprey run` can be told; one typed object."""

    namespaces: tuple[str, ...] = ()  # empty: every namespace
    kubeconfig: str | None = None  # None: $KUBECONFIG, ~/.kube/config, or in-cluster
    helm_executable: str = "helm"
    helm_timeout: str = DEFAULT_TIMEOUT  # helm --timeout: each of its waits (hook Jobs)
    # Outer bound on one helm process, killed when it is reached; None: twice helm_timeout.
    helm_deadline_seconds: float | None = None
    max_parallel_helm: int = 8
    # Who may create a control plane may ask for only this (chart sources, values keys).
    policy: Policy = field(default_factory=Policy)
    resync_seconds: float = 300.0
    # Passes of one control plane start at most this often while events keep coming (helm
    # applying a release is a burst of them): a burst costs a few passes, not one per event
    # (bench.scale at 10 control planes: operator CPU 29 s at 0.25 s, 18 s at 0.5 s).
    # A new generation or a deletion is not held back, nor a wake-up after a quiet spell.
    pass_interval_seconds: float = 0.5
    retry_base_seconds: float = 5.0  # back-off of a failing pass or release: base, doubling,
    retry_max_seconds: float = 300.0  # up to this
    api_timeout_seconds: float = READ_TIMEOUT_SECONDS  # one Kubernetes API request
    metrics_port: int | None = 9090
    liveness_port: int | None = 8080
    lease: LeaseConfig | None = None  # None: no leader election, this is the only replica
    shard: Shard | None = None  # None: every namespace watched
    # Passes observe through watches (watchcache.py); False: they list at every pass.
    watch_cache: bool = True
    # On shutdown, how long running helm operations may finish before they are killed;
    # None: the helm timeout (the chart's terminationGracePeriodSeconds leaves room for it).
    drain_seconds: float | None = None

    def __post_init__(self) -> None:
        parse_duration(self.helm_timeout)  # a bad duration fails at start-up, naming it

    @property
    def pending_timeout_seconds(self) -> float:
        """How old a pending-* release no helm of ours holds must be before it is recovered:
        until then another helm (a person's, with the same timeout) may still be running it."""
        return parse_duration(self.helm_timeout)

    @property
    def drain_timeout_seconds(self) -> float:
        return self.pending_timeout_seconds if self.drain_seconds is None else self.drain_seconds

    def serves(self, namespace: str | None) -> bool:
        """This operator's shard holds the namespace (every one without sharding)."""
        return self.shard is None or (namespace is not None and self.shard.owns(namespace))


class Runtime:
    """The shared services of one operator process and its per-control-plane loops."""

    def __init__(
        self,
        settings: Settings,
        *,
        kube: Kube | None = None,
        helm: Helm | None = None,
        metrics: Metrics | None = None,
        events: EventSink | None = None,
    ):
        self.settings = settings
        self.metrics = metrics or Metrics()
        self.kube = kube or Kube.from_kubeconfig(settings.kubeconfig,
                                                 timeout=settings.api_timeout_seconds)
        self.helm = helm or HelmBinary(
            executable=settings.helm_executable,
            kubeconfig=Path(settings.kubeconfig) if settings.kubeconfig else None,
            timeout=settings.helm_timeout,
            deadline=settings.helm_deadline_seconds,
            metrics=self.metrics,
        )
        self.events: EventSink = self._redacting(events or (lambda *_: None))
        self.helm_slots = asyncio.Semaphore(settings.max_parallel_helm)
        self.control_planes: dict[tuple[str, str], ControlPlane] = {}
        self.specs = ValidatedSpecs()  # each control plane's spec, checked once per generation
        # Node labels as the node watch last showed them (pools are counted from them);
        # listed once first, since a pass may run before the watch has shown every node.
        self._node_labels: dict[str, dict[str, str]] = {}
        self._nodes_gone: set[str] = set()
        self._nodes_listed = False
        self.nodes_epoch = 0  # one more each time a node's labels change (pools may change)
        self.agent_nodes = AgentNodesMemo()
        # Shutting down: no new helm operation starts; running ones may finish.
        self.draining = False
        self.leading = False  # this replica reconciles (holds the Lease, or runs alone)
        # Run while this replica leads (service.py); None: passes list. Of the namespaces it
        # is told, only those of its shard are watched.
        watched = (tuple(ns for ns in settings.namespaces if settings.serves(ns))
                   if settings.namespaces else None)
        self.watch_cache = (WatchCache(self.kube, watched, settings.serves, self.wake_namespace,
                                       wake_all=self.wake_all)
                            if settings.watch_cache else None)
        redact_secrets_of(self)

    def known_secrets(self) -> frozenset[str]:
        """Every secret value a control plane of this process knows of (masked in logs)."""
        return frozenset().union(*(p.secrets for p in list(self.control_planes.values())))

    def _redacting(self, sink: EventSink) -> EventSink:
        """Events never carry a secret their control plane knows of (masking.redact)."""
        def post(body: Any, type_: str, reason: str, message: str) -> None:
            meta = body.get("metadata") or {}
            plane = self.existing(meta.get("namespace"), meta.get("name"))
            sink(body, type_, reason, redact(message, plane.secrets) if plane else message)
        return post

    def control_plane(self, namespace: str, name: str) -> ControlPlane:
        from osprey.reconcile import ControlPlane

        key = (namespace, name)
        if key not in self.control_planes:
            self.control_planes[key] = ControlPlane(self, namespace, name)
        return self.control_planes[key]

    def existing(self, namespace: str, name: str) -> ControlPlane | None:
        """The loop of a control plane, if its daemon runs (never creates one)."""
        return self.control_planes.get((namespace, name))

    def forget(self, namespace: str, name: str) -> None:
        self.control_planes.pop((namespace, name), None)
        self.metrics.forget(namespace, name)

    def wake_namespace(self, namespace: str) -> None:
        """Something a release owns changed in this namespace: look at it now."""
        for (ns, _), plane in self.control_planes.items():
            if ns == namespace:
                plane.wake()

    def wake_all(self) -> None:
        """Something every control plane's node pools depend on changed."""
        for plane in self.control_planes.values():
            plane.wake()

    def node_seen(self, name: str, labels: dict[str, str] | None) -> None:
        """A node appeared, changed or (labels None) went away: pools change only with its
        labels, not with its status heartbeats."""
        if labels is None:
            self._nodes_gone.add(name)
            changed = self._node_labels.pop(name, None) is not None
        else:
            self._nodes_gone.discard(name)
            changed = self._node_labels.get(name) != labels
            self._node_labels[name] = labels
        if changed:
            self.nodes_epoch += 1
            self.wake_all()

    @property
    def nodes(self) -> dict[str, dict[str, str]] | None:
        """Every node's labels, None until the nodes were listed once."""
        return dict(self._node_labels) if self._nodes_listed else None

    def nodes_listed(self, listed: dict[str, dict[str, str]]) -> None:
        """The first listing of the nodes; what the watch showed since is newer and stays."""
        for name, labels in listed.items():
            if name not in self._nodes_gone:
                self._node_labels.setdefault(name, labels)
        self._nodes_listed = True
        self.nodes_epoch += 1

    def set_leading(self, leading: bool) -> None:
        self.leading = leading
        self.metrics.set_leader(leading)

    def running_operations(self) -> list[asyncio.Task]:
        return [task for plane in self.control_planes.values()
                for _, task in plane.operations.running.values()]

    def report_loops(self) -> None:
        running = sum(p.in_pass for p in self.control_planes.values())
        self.metrics.set_loops(running, len(self.control_planes) - running)
        self.metrics.set_pending_wakeups(sum(p.wake_pending for p in self.control_planes.values()))
