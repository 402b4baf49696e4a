"""Kubernetes API access for our own code: plain JSON objects, never on the event loop.

The official client's typed models are slow to build and lossy for objects we only pass
through (helm manifests, status), so requests go through its `ApiClient` for authentication
and TLS, and bodies stay dicts. Every call runs in a worker thread (`asyncio.to_thread`) and has
a timeout: a stalled API server must fail a pass, not hang it.
"""

from __future__ import annotations

import asyncio
import copy
import functools
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import kubernetes
import urllib3

from osprey import jsondecode

FIELD_MANAGER = "osprey"
CONNECT_TIMEOUT_SECONDS = 10.0
# A read timeout bounds each wait for bytes, not a whole response: large lists still arrive.
READ_TIMEOUT_SECONDS = 60.0
JSON = "application/json"
# Objects' metadata without their bodies (kube-apiserver's PartialObjectMetadataList).
METADATA_LIST = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"
# A watch's objects as metadata only (kube-apiserver sends PartialObjectMetadata per event).
METADATA_WATCH = "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1"


class KubeError(Exception):
    """A non-2xx answer of the API server, or none at all (`status` 0: unreachable, timed out).

    `request` ("GET /api/v1/...") says what was asked, for messages a person can act on.
    """

    def __init__(self, status: int, reason: str, message: str, request: str = ""):
        self.status = status
        self.reason = reason
        self.message = message
        self.request = request
        super().__init__(f"{status} {reason}: {message}")

    def describe(self) -> str:
        """One line: what was asked and what came back."""
        answer = f"{self.status} {self.reason}" if self.status else self.reason
        where = f"{self.request}: " if self.request else ""
        return f"{where}{answer}: {self.message}"


def refusal(status: int, data: bytes, request: str) -> KubeError:
    """The API server's non-2xx answer: its Status's reason and message when it sent one."""
    try:
        body = jsondecode.loads(data)
        reason, message = body.get("reason", ""), body.get("message", "")
    except ValueError:
        reason, message = "", data.decode(errors="replace")[:500]
    return KubeError(status, reason, message, request)


@dataclass(frozen=True)
class Resource:
    """Where objects of one kind live in the API."""

    api_version: str
    kind: str
    plural: str
    namespaced: bool = True

    def path(self, namespace: str | None = None, name: str | None = None) -> str:
        base = "/api/v1" if self.api_version == "v1" else f"/apis/{self.api_version}"
        if self.namespaced and namespace:
            base += f"/namespaces/{namespace}"
        base += f"/{self.plural}"
        return f"{base}/{name}" if name else base


_KNOWN = [
    Resource("v1", "Secret", "secrets"),
    Resource("v1", "ConfigMap", "configmaps"),
    Resource("v1", "Service", "services"),
    Resource("v1", "ServiceAccount", "serviceaccounts"),
    Resource("v1", "PersistentVolumeClaim", "persistentvolumeclaims"),
    Resource("v1", "Pod", "pods"),
    Resource("v1", "Event", "events"),
    Resource("v1", "Namespace", "namespaces", namespaced=False),
    Resource("v1", "Node", "nodes", namespaced=False),
    Resource("apiextensions.k8s.io/v1", "CustomResourceDefinition", "customresourcedefinitions",
             namespaced=False),
    Resource("apps/v1", "Deployment", "deployments"),
    Resource("apps/v1", "StatefulSet", "statefulsets"),
    Resource("apps/v1", "DaemonSet", "daemonsets"),
    Resource("batch/v1", "Job", "jobs"),
    Resource("batch/v1", "CronJob", "cronjobs"),
    Resource("policy/v1", "PodDisruptionBudget", "poddisruptionbudgets"),
    Resource("autoscaling/v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers"),
    Resource("rbac.authorization.k8s.io/v1", "Role", "roles"),
    Resource("rbac.authorization.k8s.io/v1", "RoleBinding", "rolebindings"),
    Resource("networking.k8s.io/v1", "Ingress", "ingresses"),
    Resource("networking.k8s.io/v1", "NetworkPolicy", "networkpolicies"),
    Resource("osprey.dev/v1alpha1", "OpenStackControlPlane", "openstackcontrolplanes"),
]
RESOURCES: Mapping[tuple[str, str], Resource] = {(r.api_version, r.kind): r for r in _KNOWN}


def resource_of(api_version: str, kind: str) -> Resource:
    try:
        return RESOURCES[(api_version, kind)]
    except KeyError:
        raise KubeError(0, "UnknownKind", f"osprey does not manage {kind} ({api_version})") from None


def resource(kind: str) -> Resource:
    """The resource of a kind we use by name (e.g. "Deployment")."""
    return next(r for r in _KNOWN if r.kind == kind)


class Kube:
    """A thin async JSON client of the Kubernetes API."""

    def __init__(
        self,
        api_client: kubernetes.client.ApiClient,
        *,
        timeout: float = READ_TIMEOUT_SECONDS,
        connect_timeout: float = CONNECT_TIMEOUT_SECONDS,
        executor: ThreadPoolExecutor | None = None,
    ):
        self._api = api_client
        self._timeout = (connect_timeout, timeout)
        self._executor = executor  # None: asyncio's default, shared with everything else

    def dedicated(self, name: str) -> Kube:
        """A client with a connection and a thread of its own, for requests that must not
        queue behind a busy operator's (the leader Lease's renewals: a renewal stuck behind
        hundreds of lists would lose the Lease)."""
        return Kube(kubernetes.client.ApiClient(self.configuration), timeout=self._timeout[1],
                    connect_timeout=self._timeout[0],
                    executor=ThreadPoolExecutor(1, thread_name_prefix=name))

    def for_watches(self, count: int) -> Kube:
        """A client with connections of its own, `count` of them kept open: each watch holds
        one for minutes, and must not take them from the requests of passes."""
        configuration = copy.deepcopy(self.configuration)
        configuration.connection_pool_maxsize = max(count, 1)
        return Kube(kubernetes.client.ApiClient(configuration), timeout=self._timeout[1],
                    connect_timeout=self._timeout[0])

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False)

    @property
    def configuration(self) -> kubernetes.client.Configuration:
        return self._api.configuration

    @classmethod
    def from_kubeconfig(cls, path: str | None = None, *, timeout: float = READ_TIMEOUT_SECONDS
                        ) -> Kube:
        """Load a kubeconfig (or the in-cluster service account when there is none)."""
        configuration = kubernetes.client.Configuration()
        try:
            kubernetes.config.load_kube_config(config_file=path, client_configuration=configuration)
        except kubernetes.config.ConfigException:
            if path:
                raise
            kubernetes.config.load_incluster_config(client_configuration=configuration)
        # One more try after a failed connection, not urllib3's three: with a read timeout,
        # each retry of a stalled GET would wait that long again.
        configuration.retries = 1
        return cls(kubernetes.client.ApiClient(configuration), timeout=timeout)

    def _request(
        self,
        method: str,
        path: str,
        query: Mapping[str, Any] | None,
        body: Any,
        content_type: str | None,
        accept: str = JSON,
    ) -> dict[str, Any]:
        headers = {"Accept": accept}
        if content_type:
            headers["Content-Type"] = content_type
        params = self._api.param_serialize(
            method=method,
            resource_path=path,
            query_params=list((query or {}).items()),
            header_params=headers,
            body=body,
            auth_settings=["BearerToken"],
        )
        request = f"{method} {path}"
        try:
            response = self._api.call_api(*params, _request_timeout=self._timeout)
            data = response.read()
        except kubernetes.client.ApiException as exc:  # TLS failures, raised by the client itself
            raise KubeError(0, "Unreachable", f"no answer from the API server ({exc.reason})",
                            request) from None
        except urllib3.exceptions.HTTPError as exc:
            timed_out = isinstance(exc, urllib3.exceptions.TimeoutError) or isinstance(
                getattr(exc, "reason", None), urllib3.exceptions.TimeoutError
            )
            reason = "Timeout" if timed_out else "Unreachable"
            raise KubeError(0, reason, f"no answer from the API server ({exc})", request) from None
        if not 200 <= response.status < 300:
            raise refusal(response.status, data, request)
        return jsondecode.loads(data) if data else {}

    async def request(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, Any] | None = None,
        body: Any = None,
        content_type: str | None = None,
        accept: str = JSON,
    ) -> dict[str, Any]:
        call = functools.partial(self._request, method, path, query, body, content_type, accept)
        if self._executor is None:
            return await asyncio.to_thread(call)
        return await asyncio.get_running_loop().run_in_executor(self._executor, call)

    async def get(self, res: Resource, namespace: str, name: str) -> dict[str, Any] | None:
        try:
            return await self.request("GET", res.path(namespace, name))
        except KubeError as exc:
            if exc.status == 404:
                return None
            raise

    async def list(
        self, res: Resource, namespace: str, *, labels: str | None = None,
        fields: str | None = None,
    ) -> list[dict[str, Any]]:
        query = {k: v for k, v in (("labelSelector", labels), ("fieldSelector", fields)) if v}
        result = await self.request("GET", res.path(namespace), query=query or None)
        return result.get("items", [])

    async def list_metadata(
        self, res: Resource, namespace: str, *, labels: str | None = None
    ) -> list[dict[str, Any]]:
        """The objects' metadata only (`PartialObjectMetadata` items: no data, no spec)."""
        query = {"labelSelector": labels} if labels else None
        result = await self.request("GET", res.path(namespace), query=query,
                                    accept=METADATA_LIST)
        if result.get("kind") != "PartialObjectMetadataList":
            raise KubeError(0, "NotAcceptable", "the API server answered "
                            f"{result.get('kind')!r} to a metadata-only list",
                            f"GET {res.path(namespace)}")
        return result.get("items", [])

    async def list_versioned(
        self, res: Resource, namespace: str | None, *, labels: str | None = None,
        metadata_only: bool = False,
    ) -> tuple[list[dict[str, Any]], str]:
        """(items, the list's resourceVersion): where a watch of the same selection starts.
        `namespace` None lists every namespace."""
        query = {"labelSelector": labels} if labels else None
        path = res.path(namespace)
        result = await self.request("GET", path, query=query,
                                    accept=METADATA_LIST if metadata_only else JSON)
        if metadata_only and result.get("kind") != "PartialObjectMetadataList":
            raise KubeError(0, "NotAcceptable", "the API server answered "
                            f"{result.get('kind')!r} to a metadata-only list", f"GET {path}")
        return result.get("items", []), (result.get("metadata") or {}).get("resourceVersion", "")

    def open_watch(
        self, res: Resource, namespace: str | None, resource_version: str, *,
        labels: str | None = None, metadata_only: bool = False, seconds: int = 300,
    ) -> WatchStream:
        """A watch from `resource_version`, ended by the server after `seconds`. Blocking: call
        it, and read the stream, in a thread of your own (a watch holds its thread)."""
        query: dict[str, Any] = {"watch": "true", "resourceVersion": resource_version,
                                 "timeoutSeconds": seconds, "allowWatchBookmarks": "true"}
        if labels:
            query["labelSelector"] = labels
        path = res.path(namespace)
        params = self._api.param_serialize(
            method="GET", resource_path=path, query_params=list(query.items()),
            header_params={"Accept": METADATA_WATCH if metadata_only else JSON},
            auth_settings=["BearerToken"])
        request = f"GET {path} (watch)"
        try:  # bytes must keep coming: the server ends the watch in time, or bookmarks it
            response = self._api.call_api(
                *params, _request_timeout=(self._timeout[0], seconds + self._timeout[1]))
        except (kubernetes.client.ApiException, urllib3.exceptions.HTTPError) as exc:
            raise KubeError(0, "Unreachable", f"no answer from the API server ({exc})",
                            request) from None
        if response.status != 200:
            raise refusal(response.status, response.read(), request)
        return WatchStream(response.response, request, metadata_only)

    async def create(self, res: Resource, namespace: str, obj: Mapping[str, Any]) -> dict:
        return await self.request("POST", res.path(namespace), body=dict(obj))

    async def replace(self, res: Resource, namespace: str, name: str, obj: Mapping[str, Any]
                      ) -> dict:
        """PUT: a 409 Conflict when obj's resourceVersion is no longer the object's."""
        return await self.request("PUT", res.path(namespace, name), body=dict(obj))

    async def merge_patch(
        self, res: Resource, namespace: str, name: str, patch: Mapping[str, Any], *, status=False
    ) -> dict[str, Any]:
        path = res.path(namespace, name) + ("/status" if status else "")
        return await self.request(
            "PATCH", path, body=dict(patch), content_type="application/merge-patch+json"
        )

    async def apply(
        self, obj: Mapping[str, Any], namespace: str, *, manager: str = FIELD_MANAGER
    ) -> dict:
        """Server-side apply one whole object, taking over conflicting fields."""
        res = resource_of(obj["apiVersion"], obj["kind"])
        return await self.request(
            "PATCH",
            res.path(namespace, obj["metadata"]["name"]),
            query={"fieldManager": manager, "force": "true"},
            body=dict(obj),
            content_type="application/apply-patch+yaml",
        )

    async def delete(
        self, res: Resource, namespace: str, name: str, *, propagation: str = "Background"
    ) -> None:
        try:
            await self.request(
                "DELETE",
                res.path(namespace, name),
                body={"propagationPolicy": propagation},
            )
        except KubeError as exc:
            if exc.status != 404:
                raise


class WatchStream:
    """The events of one watch request, read in the thread that iterates it: (type, object)
    pairs, BOOKMARK included. An ERROR event raises KubeError (410: the resourceVersion is too
    old, list again). `close`, from any thread, ends the iteration."""

    def __init__(self, response: urllib3.HTTPResponse, request: str, metadata_only: bool):
        self._response = response
        self._request = request
        self._metadata_only = metadata_only
        self.closed = False

    def __iter__(self):
        pending: list[bytes] = []
        try:
            for chunk in self._response.stream(2**16, decode_content=True):
                while (end := chunk.find(b"\n")) >= 0:
                    pending.append(chunk[:end])
                    line, pending, chunk = b"".join(pending), [], chunk[end + 1:]
                    if line.strip():
                        yield self._event(jsondecode.loads(line))
                if chunk:
                    pending.append(chunk)
        except (urllib3.exceptions.HTTPError, OSError, ValueError) as exc:
            if self.closed:
                return
            if isinstance(exc, ValueError):
                raise KubeError(0, "BadWatchEvent", f"not a watch event: {exc}",
                                self._request) from None
            raise KubeError(0, "Unreachable", f"the watch broke ({exc})", self._request) from None
        finally:
            self._response.release_conn()

    def _event(self, event: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        kind, obj = event.get("type", ""), event.get("object") or {}
        if kind == "ERROR":
            raise KubeError(int(obj.get("code") or 0), obj.get("reason", ""),
                            obj.get("message", ""), self._request)
        if (self._metadata_only and kind != "BOOKMARK"
                and obj.get("kind") != "PartialObjectMetadata"):
            raise KubeError(0, "NotAcceptable", "the API server answered "
                            f"{obj.get('kind')!r} to a metadata-only watch", self._request)
        return kind, obj

    def close(self) -> None:
        self.closed = True
        self._response.shutdown()
