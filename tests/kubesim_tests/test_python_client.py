"""The official `kubernetes` Python client: CRUD, patch types, watch, errors."""

from __future__ import annotations

import threading

import pytest
from kubernetes import client, watch

from .support import NOT_ROOT_CA, configmap, deployment


@pytest.fixture
def core(kube):
    with kube.api_client() as api:
        yield client.CoreV1Api(api)


@pytest.fixture
def apps(kube):
    with kube.api_client() as api:
        yield client.AppsV1Api(api)


def test_crud_round_trip(core: client.CoreV1Api, namespace: str) -> None:
    created = core.create_namespaced_config_map(namespace, configmap("c", {"k": "v"}))
    assert created.metadata.uid
    created.data["k"] = "w"
    replaced = core.replace_namespaced_config_map("c", namespace, created)
    assert replaced.data == {"k": "w"}
    listed = core.list_namespaced_config_map(namespace, field_selector=NOT_ROOT_CA)
    assert [c.metadata.name for c in listed.items] == ["c"]
    core.delete_namespaced_config_map("c", namespace)
    with pytest.raises(client.ApiException) as missing:
        core.read_namespaced_config_map("c", namespace)
    assert missing.value.status == 404


def test_stale_replace_raises_409(core: client.CoreV1Api, namespace: str) -> None:
    created = core.create_namespaced_config_map(namespace, configmap("s"))
    core.patch_namespaced_config_map("s", namespace, {"data": {"a": "2"}})
    with pytest.raises(client.ApiException) as conflict:
        core.replace_namespaced_config_map("s", namespace, created)
    assert conflict.value.status == 409


def test_patch_types(apps: client.AppsV1Api, namespace: str) -> None:
    apps.create_namespaced_deployment(namespace, deployment("p"))
    apps.patch_namespaced_deployment(
        "p", namespace, {"spec": {"replicas": 2}}, _content_type="application/merge-patch+json"
    )
    apps.patch_namespaced_deployment(
        "p",
        namespace,
        [{"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "app:2"}],
    )
    smp = {
        "spec": {
            "template": {
                "spec": {"containers": [{"name": "app", "env": [{"name": "B", "value": "2"}]}]}
            }
        }
    }
    result = apps.patch_namespaced_deployment(
        "p", namespace, smp, _content_type="application/strategic-merge-patch+json"
    )
    container = result.spec.template.spec.containers[0]
    assert result.spec.replicas == 2 and container.image == "app:2"
    assert [e.name for e in container.env] == ["A", "B"]
    applied = apps.patch_namespaced_deployment(
        "p",
        namespace,
        deployment("p", replicas=3),
        field_manager="test",
        force=True,
        _content_type="application/apply-patch+yaml",
    )
    assert applied.spec.replicas == 3


def test_watch_streams_events_from_a_resource_version(
    core: client.CoreV1Api, namespace: str
) -> None:
    start = core.list_namespaced_config_map(namespace).metadata.resource_version
    threading.Timer(
        0.1, lambda: core.create_namespaced_config_map(namespace, configmap("w"))
    ).start()
    stream = watch.Watch().stream(
        core.list_namespaced_config_map, namespace, resource_version=start, timeout_seconds=3
    )
    for event in stream:
        assert event["type"] == "ADDED"
        assert event["object"].metadata.name == "w"
        break
