"""Watching a namespace from a test: what was created while something ran, even objects
that were deleted right after (Helm deletes a hook Job once it succeeded)."""

from __future__ import annotations

import threading
from typing import Any, Self

from kubernetes import client as k8s
from kubernetes import watch


class JobCreations:
    """Names of the Jobs created in a namespace between enter and exit (a watch from the
    namespace's current resourceVersion on, so nothing created before counts)."""

    def __init__(self, kube: Any, namespace: str) -> None:
        self._api = k8s.BatchV1Api(kube.api_client())
        self._namespace = namespace
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._names: list[str] = []

    @property
    def names(self) -> list[str]:
        with self._lock:
            return list(self._names)

    def __enter__(self) -> Self:
        version = self._api.list_namespaced_job(self._namespace).metadata.resource_version
        self._thread = threading.Thread(target=self._watch, args=(version,), daemon=True,
                                        name=f"jobs-{self._namespace}")
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _watch(self, version: str) -> None:
        while not self._stopped.is_set():
            for event in watch.Watch().stream(self._api.list_namespaced_job, self._namespace,
                                              resource_version=version, timeout_seconds=1):
                job = event["object"]
                version = job.metadata.resource_version
                if event["type"] == "ADDED":
                    with self._lock:
                        self._names.append(job.metadata.name)
                if self._stopped.is_set():
                    return
