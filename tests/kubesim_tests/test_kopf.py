"""A minimal Kopf operator runs against the cluster: create/update/delete handlers, status
patches, finalizers, with Kopf's bookkeeping kept in status."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import kopf
import pytest
from kubernetes import client

from .support import WIDGET_CRD, wait_for, widget

GROUP, VERSION, PLURAL = "kubesim.test", "v1", "widgets"


@pytest.fixture
def widget_crd(kube) -> Iterator[None]:
    with kube.api_client() as api:
        extensions = client.ApiextensionsV1Api(api)
        extensions.create_custom_resource_definition(WIDGET_CRD)
        wait_for(
            lambda: any(
                c.type == "Established" and c.status == "True"
                for c in (
                    extensions.read_custom_resource_definition(
                        WIDGET_CRD["metadata"]["name"]
                    ).status.conditions
                    or []
                )
            )
        )
        yield
        extensions.delete_custom_resource_definition(WIDGET_CRD["metadata"]["name"])


def build_operator(
    kube, namespace: str, seen: list[tuple[str, Any]]
) -> tuple[kopf.OperatorRegistry, kopf.OperatorSettings]:
    registry = kopf.OperatorRegistry()
    settings = kopf.OperatorSettings()
    settings.persistence.progress_storage = kopf.StatusProgressStorage()
    settings.persistence.diffbase_storage = kopf.StatusDiffBaseStorage()
    settings.watching.server_timeout = 10

    @kopf.on.login(registry=registry)
    def login(**_: Any) -> kopf.ConnectionInfo:
        return kube.kopf_connection()

    @kopf.on.create(GROUP, VERSION, PLURAL, registry=registry)
    def created(spec: Any, body: kopf.Body, patch: kopf.Patch, **_: Any) -> None:
        seen.append(("create", spec["size"]))
        kopf.info(body, reason="Created", message="widget created")
        patch.status["phase"] = "Created"

    @kopf.on.update(GROUP, VERSION, PLURAL, registry=registry, field="spec")
    def updated(spec: Any, patch: kopf.Patch, **_: Any) -> None:
        seen.append(("update", spec["replicas"]))
        patch.status["phase"] = f"Scaled to {spec['replicas']}"

    @kopf.on.delete(GROUP, VERSION, PLURAL, registry=registry)
    def deleted(name: str, **_: Any) -> None:
        seen.append(("delete", name))

    return registry, settings


@pytest.fixture
def operator(kube, namespace: str, widget_crd: None) -> Iterator[list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []
    registry, settings = build_operator(kube, namespace, seen)
    stop, ready = threading.Event(), threading.Event()

    def run() -> None:
        asyncio.run(
            kopf.operator(
                registry=registry,
                settings=settings,
                standalone=True,
                namespaces=[namespace],
                stop_flag=stop,
                ready_flag=ready,
            )
        )

    thread = threading.Thread(target=run, name="kopf", daemon=True)
    thread.start()
    assert ready.wait(10), "kopf did not become ready"
    yield seen
    stop.set()
    thread.join(10)


def test_kopf_operator_handles_create_update_delete_with_status_and_finalizers(
    kube, namespace: str, operator: list[tuple[str, Any]]
) -> None:
    with kube.api_client() as api:
        objects = client.CustomObjectsApi(api)

        def read() -> dict[str, Any]:
            return objects.get_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, "w")

        objects.create_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, widget("w"))
        wait_for(lambda: read().get("status", {}).get("phase") == "Created", timeout=10)
        obj = read()
        assert obj["metadata"]["finalizers"] == ["kopf.zalando.org/KopfFinalizerMarker"]
        assert "kopf" in obj["status"], "kopf keeps its bookkeeping in status"
        assert not obj["metadata"].get("annotations")

        core = client.CoreV1Api(api)
        posted = wait_for(
            lambda: (
                core.list_namespaced_event(namespace, field_selector="involvedObject.name=w").items
            ),
            timeout=10,
        )
        assert [(e.reason, e.message) for e in posted] == [("Created", "widget created")]

        objects.patch_namespaced_custom_object(
            GROUP, VERSION, namespace, PLURAL, "w", {"spec": {"replicas": 2}}
        )
        wait_for(lambda: read().get("status", {}).get("phase") == "Scaled to 2", timeout=10)

        objects.delete_namespaced_custom_object(GROUP, VERSION, namespace, PLURAL, "w")

        def gone() -> bool:
            try:
                read()
            except client.ApiException as exc:
                return exc.status == 404
            return False

        wait_for(gone, timeout=10)
    assert operator == [("create", "small"), ("update", 2), ("delete", "w")]
