"""A value kept in a Secret (spec.*.valuesFrom) reaches the release and nothing people read.

One control plane takes a value of Keystone's from a labelled Secret; the Secret then changes.
The operator logs at debug meanwhile; status, Events, logs and `osprey render` are searched for
both values afterwards, and status, Events and logs for the passwords the operator generated.
"""

from __future__ import annotations

import base64
import io
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import yaml

from osprey.cli import main
from osprey.kube import resource
from osprey.logging import configure_logging
from osprey.releases import ReleaseDecoder
from osprey.secrets import secret_name
from osprey.valuesfrom import WATCH_LABEL
from tests.integration.operator_harness import Client, RunningOperator, control_plane

pytestmark = pytest.mark.integration

FIRST = "AQBx8k5lFIRSTABAAwE3UQ6tq8pQ2tq6m8Ayb7w=="
SECOND = "AQBx8k5lSECONDBAAwE3UQ6tq8pQ2tq6m8Ayb7w="
PATH = ("conf", "storage", "client")  # a key that does not look secret: masked for its source


@dataclass(frozen=True)
class Story:
    namespace: str
    body: dict[str, Any]  # the control plane at the end
    secret: dict[str, Any]
    first_values: dict[str, Any]  # keystone's stored values, before and after the change
    second_values: dict[str, Any]
    events: list[dict[str, Any]]
    log: str
    passwords: list[str]  # the generated credentials


def secret(namespace: str, value: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "keystone-storage", "namespace": namespace,
                         "labels": {WATCH_LABEL: "true"}},
            "data": {"client": base64.b64encode(value.encode()).decode()}}


def keystone_values(client: Client, namespace: str) -> dict[str, Any]:
    storage = client.list("Secret", namespace, labels="owner=helm,name=keystone")
    return dict(ReleaseDecoder().latest(storage)["keystone"].values)


def at(values: dict[str, Any], path: tuple[str, ...]) -> Any:
    for key in path:
        values = (values or {}).get(key)
    return values


@pytest.fixture(scope="module")
def story(kube, crd_installed, chart_repo) -> Iterator[Story]:
    client = Client(str(kube.kubeconfig))
    namespace = kube.new_namespace("secrets")
    body = control_plane("minimal.yaml", namespace, chart_repo.url, services={"keystone": {
        "valuesFrom": [{"secretKeyRef": {"name": "keystone-storage", "key": "client"},
                        "path": ".".join(PATH)}]}})
    name = body["metadata"]["name"]
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    stream = io.StringIO()
    configure_logging("debug", "logfmt", stream=stream)
    try:
        # A resync far away: only the Secret's own change can bring the second value in time.
        with RunningOperator(str(kube.kubeconfig), namespace, resync_seconds=600.0):
            client.run(client.kube.create(resource("Secret"), namespace, secret(namespace, FIRST)))
            client.apply_control_plane(body)
            client.wait_ready(namespace, name)
            first = keystone_values(client, namespace)
            client.run(client.kube.merge_patch(resource("Secret"), namespace, "keystone-storage",
                                               {"data": secret(namespace, SECOND)["data"]}))
            client.wait_for(lambda: at(keystone_values(client, namespace), PATH) == SECOND,
                            120, "keystone upgraded with the Secret's new value")
            client.wait_ready(namespace, name)
            second = keystone_values(client, namespace)
            final = client.get("OpenStackControlPlane", namespace, name)
            stored = client.get("Secret", namespace, "keystone-storage")
            credentials = client.get("Secret", namespace, secret_name(name))["data"]
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    passwords = [base64.b64decode(v).decode() for v in credentials.values()]
    yield Story(namespace, final, stored, first, second, client.list("Event", namespace),
                stream.getvalue(), passwords)
    kube.delete_namespace(namespace)


def test_the_secrets_value_reaches_the_release(story: Story):
    assert at(story.first_values, PATH) == FIRST


def test_a_change_to_a_labelled_secret_is_applied_without_waiting_for_the_resync(story: Story):
    assert at(story.second_values, PATH) == SECOND


@pytest.mark.parametrize("value", [FIRST, SECOND])
def test_the_value_is_nowhere_in_status_events_or_logs(story: Story, value: str):
    assert value not in json.dumps(story.body.get("status"))
    assert value not in json.dumps(story.events)
    assert story.log  # the operator did log, at debug
    assert value not in story.log


def test_no_generated_password_is_in_status_events_or_logs(story: Story):
    assert story.passwords
    for password in story.passwords:
        assert password not in json.dumps(story.body.get("status"))
        assert password not in json.dumps(story.events)
        assert password not in story.log


def test_render_masks_the_value_read_from_the_secret(story: Story, tmp_path, capsys):
    plane = story.body | {"status": {}}
    file = tmp_path / "plane.yaml"
    file.write_text(yaml.safe_dump_all([plane, story.secret]))

    assert main(["render", str(file), "-o", "json"]) == 0
    out = capsys.readouterr().out
    assert SECOND not in out
    keystone = next(r for r in json.loads(out)["releases"] if r["name"] == "keystone")
    assert at(keystone["values"], PATH) == "********"
