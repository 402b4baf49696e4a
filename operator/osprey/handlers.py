"""Kopf wiring only: which events wake which loop. The work happens in reconcile.py.

Handlers find the process's `Runtime` in Kopf's memo (`memo.runtime`), set by `osprey run`.
`registry` puts them in a registry of the run's own: with the watch cache (watchcache.py),
the owned kinds' changes wake loops from its informers, and Kopf does not watch those kinds
too; without it, Kopf's watches of them wake the loops.
"""

from __future__ import annotations

import logging
import socket
from typing import Any

import kopf

from osprey.api import GROUP, PLURAL, VERSION
from osprey.kube import CONNECT_TIMEOUT_SECONDS
from osprey.narrowing import cared_for, narrow_watches
from osprey.runtime import Runtime

FINALIZER = "osprey.dev/finalizer"
WATCH_SECONDS = 300  # each watch request ends server-side after this; Kopf then re-watches
# Kinds whose changes wake the control plane of their namespace (healing within seconds).
OWNED_KINDS = [
    ("apps", "v1", "deployments"),
    ("apps", "v1", "statefulsets"),
    ("apps", "v1", "daemonsets"),
    ("batch", "v1", "jobs"),
    ("", "v1", "services"),
    ("", "v1", "configmaps"),
    ("", "v1", "secrets"),
]


class NoDiffBase(kopf.DiffBaseStorage):
    """Kopf's last-handled configuration, kept nowhere and never built.

    Kopf reads it only to tell on.create / on.update / on.resume handlers what changed;
    Osprey has none (its loop compares metadata.generation itself). Storing it would cost a
    write of the whole spec after every change; building it would cost a deep copy of the
    whole resource, status included, for every event, and an essence that differs from the
    stored one makes every event a "creation" Kopf logs in full. The same empty essence before
    and after: every event is "nothing changed" to Kopf (a deletion is still a deletion: Kopf
    tells it from the resource's deletionTimestamp).
    """

    def build(self, *, body: kopf.Body, extra_fields: Any = None) -> kopf.BodyEssence:
        return {}

    def fetch(self, *, body: kopf.Body) -> kopf.BodyEssence:
        return {}

    def store(self, *, body: kopf.Body, patch: kopf.Patch, essence: kopf.BodyEssence) -> None:
        return None


def configure(settings: kopf.OperatorSettings, memo: kopf.Memo, **_: Any) -> None:
    # status is Osprey's alone. Kopf's only bookkeeping is the progress of the deletion
    # handler (retries of a failed teardown), in annotations while the resource is deleted;
    # Argo CD diffs only the fields in git, so they are no drift (docs/architecture.md).
    settings.persistence.finalizer = FINALIZER
    settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix="osprey.dev")
    settings.persistence.diffbase_storage = NoDiffBase()
    settings.posting.level = logging.WARNING  # our own Events are posted explicitly
    settings.posting.reporting_component = "osprey"
    settings.posting.reporting_instance = socket.gethostname()  # the pod's name in a cluster
    settings.posting.event_name_prefix = "osprey-"
    runtime: Runtime = memo.runtime
    # Every request has a deadline: a stalled API server must not hang a watch or a patch.
    timeout = runtime.settings.api_timeout_seconds
    settings.networking.request_timeout = timeout
    settings.networking.connect_timeout = CONNECT_TIMEOUT_SECONDS
    settings.watching.server_timeout = WATCH_SECONDS
    settings.watching.client_timeout = WATCH_SECONDS + timeout
    settings.watching.connect_timeout = CONNECT_TIMEOUT_SECONDS
    narrow_watches(settings)  # Secrets and ConfigMaps: only the labelled ones are sent


def login(memo: kopf.Memo, **_: Any) -> kopf.ConnectionInfo:
    """Log in with the same kubeconfig as our own client and helm (never a token on argv)."""
    cfg = memo.runtime.kube.configuration
    header = cfg.get_api_key_with_prefix("BearerToken") or cfg.get_api_key_with_prefix(
        "authorization"
    )
    scheme, _, token = (header or "").rpartition(" ")
    return kopf.ConnectionInfo(
        server=cfg.host,
        ca_path=cfg.ssl_ca_cert,
        insecure=not cfg.verify_ssl,
        scheme=scheme or None,
        token=token or None,
        certificate_path=cfg.cert_file,
        private_key_path=cfg.key_file,
    )


def _in_shard(namespace: str | None, memo: kopf.Memo, **_: Any) -> bool:
    """Only this operator's shard of the namespaces: another shard's control planes are
    never touched (no daemon, no finalizer, no wake-up)."""
    return memo.runtime.settings.serves(namespace)


async def control_plane_loop(
    body: kopf.Body, namespace: str, name: str, stopped: kopf.DaemonStopped, memo: kopf.Memo,
    **_: Any,
) -> None:
    await memo.runtime.control_plane(namespace, name).run(body, stopped)


async def control_plane_changed(
    body: kopf.Body, namespace: str, name: str, memo: kopf.Memo, type: str | None, **_: Any
) -> None:
    # Only a running loop is woken: a deleted control plane's loop is not brought back.
    plane = memo.runtime.existing(namespace, name)
    if plane is not None and type != "DELETED":
        plane.notice(body)
    elif type == "DELETED":  # the nodes it held may be another control plane's now
        memo.runtime.wake_all()


async def node_changed(name: str, meta: kopf.Meta, type: str | None, memo: kopf.Memo,
                       **_: Any) -> None:
    memo.runtime.node_seen(name, None if type == "DELETED" else dict(meta.labels))


async def control_plane_deleted(body: kopf.Body, namespace: str, name: str, memo: kopf.Memo,
                                **_: Any) -> None:
    if memo.runtime.draining:  # a teardown runs helm: the next leader does it
        raise kopf.TemporaryError("the operator is shutting down", delay=5)
    await memo.runtime.control_plane(namespace, name).finalize(body)


def _owned_by_a_release(meta: kopf.Meta, **_: Any) -> bool:
    return cared_for(meta.labels, meta.annotations)


# Handlers called per watch event are coroutines: Kopf runs plain functions in a thread pool,
# a thread hop per event that costs more than the handler itself.
async def _wake_namespace(namespace: str | None, memo: kopf.Memo, **_: Any) -> None:
    if namespace:
        memo.runtime.wake_namespace(namespace)


def registry(*, owned_wakeups: bool) -> kopf.OperatorRegistry:
    """Osprey's handlers; `owned_wakeups`: Kopf watches the owned kinds to wake loops (when
    no watch cache does)."""
    r = kopf.OperatorRegistry()
    kopf.on.startup(registry=r)(configure)
    kopf.on.login(registry=r)(login)
    kopf.daemon(GROUP, VERSION, PLURAL, cancellation_timeout=30.0, when=_in_shard,
                registry=r)(control_plane_loop)
    kopf.on.event(GROUP, VERSION, PLURAL, when=_in_shard, registry=r)(control_plane_changed)
    kopf.on.event("", "v1", "nodes", registry=r)(node_changed)
    kopf.on.delete(GROUP, VERSION, PLURAL, when=_in_shard, registry=r)(control_plane_deleted)
    if owned_wakeups:
        for group, version, plural in OWNED_KINDS:
            kopf.on.event(group, version, plural, registry=r,
                          when=kopf.all_([_in_shard, _owned_by_a_release]))(_wake_namespace)
    return r


def post_event(body: Any, type_: str, reason: str, message: str) -> None:
    """Post a Kubernetes Event about a control plane (Kopf batches and posts them)."""
    kopf.event(body, type=type_, reason=reason, message=message)
