"""Kopf wiring only: which events wake which loop. The work happens in reconcile.py.

Handlers find the process's `Runtime` in Kopf's memo (`memo.runtime`), set by `osprey run`.
"""

from __future__ import annotations

import logging
from typing import Any

import kopf

from osprey.api import GROUP, PLURAL, VERSION
from osprey.observe import OBSERVED_KINDS, IndexedObserver
from osprey.runtime import Runtime

FINALIZER = "osprey.dev/finalizer"
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


@kopf.on.startup()
def configure(settings: kopf.OperatorSettings, memo: kopf.Memo, **_: Any) -> None:
    # Kopf's bookkeeping lives in status, never in annotations or spec: GitOps tools then see
    # no drift in what they applied.
    settings.persistence.finalizer = FINALIZER
    settings.persistence.progress_storage = kopf.StatusProgressStorage(field="status.kopf.progress")
    settings.persistence.diffbase_storage = kopf.StatusDiffBaseStorage(
        field="status.kopf.lastHandledConfiguration"
    )
    settings.posting.level = logging.WARNING  # our own Events are posted explicitly
    settings.watching.server_timeout = 300
    settings.networking.request_timeout = 120
    runtime: Runtime = memo.runtime
    settings.peering.standalone = not runtime.settings.peering


@kopf.on.login()
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


@kopf.daemon(GROUP, VERSION, PLURAL, cancellation_timeout=30.0)
async def control_plane_loop(
    body: kopf.Body, namespace: str, name: str, stopped: kopf.DaemonStopped, memo: kopf.Memo,
    **indexes: Any,
) -> None:
    observer = IndexedObserver(
        storage=indexes[HELM_STORAGE_INDEX],
        kinds={kind: indexes[index_id(kind)] for kind in OBSERVED_KINDS},
    )
    await memo.runtime.control_plane(namespace, name).run(body, stopped, observer)


@kopf.on.event(GROUP, VERSION, PLURAL)
async def control_plane_changed(
    body: kopf.Body, namespace: str, name: str, memo: kopf.Memo, type: str | None, **_: Any
) -> None:
    # Only a running loop is woken: a deleted control plane's loop is not brought back.
    plane = memo.runtime.existing(namespace, name)
    if plane is not None and type != "DELETED":
        plane.notice(body)


@kopf.on.delete(GROUP, VERSION, PLURAL)
async def control_plane_deleted(body: kopf.Body, namespace: str, name: str, memo: kopf.Memo,
                                **_: Any) -> None:
    await memo.runtime.control_plane(namespace, name).finalize(body)


def _owned_by_a_release(meta: kopf.Meta, **_: Any) -> bool:
    annotations, labels = meta.annotations, meta.labels
    return "meta.helm.sh/release-name" in annotations or "release_group" in labels


# Handlers called per watch event are coroutines: Kopf runs plain functions in a thread pool,
# a thread hop per event that costs more than the handler itself.
async def _wake_namespace(namespace: str | None, memo: kopf.Memo, **_: Any) -> None:
    if namespace:
        memo.runtime.wake_namespace(namespace)


for _group, _version, _plural in OWNED_KINDS:
    kopf.on.event(_group, _version, _plural, when=_owned_by_a_release)(_wake_namespace)


# --- the cache passes read (Kopf indexes, fed by the same watches) --------------------------

HELM_STORAGE_INDEX = "osprey_helm_storage"


def index_id(kind: str) -> str:
    return f"osprey_{kind.lower()}s"


def _cached(body: kopf.Body) -> dict[str, Any]:
    """The object as a pass needs it: managedFields dropped, which is most of its size."""
    obj = dict(body)
    obj["metadata"] = {k: v for k, v in body["metadata"].items() if k != "managedFields"}
    return obj


async def _by_namespace(body: kopf.Body, namespace: str | None, **_: Any) -> dict[str, Any]:
    return {namespace: _cached(body)}


kopf.index("", "v1", "secrets", labels={"owner": "helm"}, id=HELM_STORAGE_INDEX)(_by_namespace)
for _kind, (_group, _version, _plural) in {
    "Deployment": ("apps", "v1", "deployments"),
    "StatefulSet": ("apps", "v1", "statefulsets"),
    "DaemonSet": ("apps", "v1", "daemonsets"),
    "Job": ("batch", "v1", "jobs"),
    "Service": ("", "v1", "services"),
    "ConfigMap": ("", "v1", "configmaps"),
    "Secret": ("", "v1", "secrets"),
}.items():
    kopf.index(_group, _version, _plural, id=index_id(_kind), when=_owned_by_a_release)(
        _by_namespace
    )
# Claims of StatefulSets carry no mark of their release: every claim is kept (they are few).
kopf.index("", "v1", "persistentvolumeclaims", id=index_id("PersistentVolumeClaim"))(
    _by_namespace
)


def post_event(body: Any, type_: str, reason: str, message: str) -> None:
    """Post a Kubernetes Event about a control plane (Kopf batches and posts them)."""
    kopf.event(body, type=type_, reason=reason, message=message)
