"""What a cluster admin reads of the operator: Events, status and log lines.

One control plane converges with the operator logging at info, then loses a Deployment,
which Osprey restores; the tests read what that left behind.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from osprey.api.status import ControlPlaneStatus
from osprey.logging import configure_logging
from tests.integration.operator_harness import Client, RunningOperator, control_plane

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class Story:
    namespace: str
    name: str
    events: list[dict[str, Any]]  # in the order they were posted
    body: dict[str, Any]
    log: list[str]
    events_before_the_deletion: int


def events_of(client: Client, namespace: str, name: str) -> list[dict[str, Any]]:
    events = [e for e in client.list("Event", namespace) if e["involvedObject"]["name"] == name]
    return sorted(events, key=lambda e: e.get("eventTime") or e["metadata"]["creationTimestamp"])


@pytest.fixture(scope="module")
def story(kube, crd_installed, chart_repo) -> Iterator[Story]:
    client = Client(str(kube.kubeconfig))
    namespace = kube.new_namespace("reporting")
    body = control_plane("minimal.yaml", namespace, chart_repo.url)
    name = body["metadata"]["name"]
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    stream = io.StringIO()
    configure_logging("info", "logfmt", stream=stream)
    try:
        with RunningOperator(str(kube.kubeconfig), namespace):
            client.apply_control_plane(body)
            client.wait_ready(namespace, name)
            before = len(events_of(client, namespace, name))
            uid = client.get("Deployment", namespace, "keystone-api")["metadata"]["uid"]
            client.delete("Deployment", namespace, "keystone-api")
            client.wait_for(
                lambda: (d := client.get("Deployment", namespace, "keystone-api"))
                and d["metadata"]["uid"] != uid, 30, "keystone-api to be restored")
            client.wait_ready(namespace, name)
            # The Ready event of the last pass is posted in the background.
            client.wait_for(
                lambda: events_of(client, namespace, name)[-1]["reason"] == "AllServicesReady",
                10, "the event of Ready turning True")
            final = client.get("OpenStackControlPlane", namespace, name)
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    yield Story(namespace, name, events_of(client, namespace, name), final,
                stream.getvalue().splitlines(), before)
    kube.delete_namespace(namespace)


def test_events_come_from_osprey(story: Story):
    assert story.events
    for event in story.events:
        assert event["source"] == {"component": "osprey"}
        assert event["reportingComponent"] == "osprey"
        assert event["metadata"]["name"].startswith("osprey-")


def test_an_install_event_names_the_chart_and_version_installed(story: Story):
    installed = [e for e in story.events if e["reason"] == "Installed"]
    mariadb = story.body["status"]["services"]["mariadb"]
    assert f"mariadb: installed chart mariadb {mariadb['chartVersion']}" in [
        e["message"] for e in installed]
    assert all("not installed" not in e["message"] for e in installed)


def test_a_control_plane_that_converges_cleanly_posts_no_warning(story: Story):
    first = story.events[:story.events_before_the_deletion]
    assert [e for e in first if e["type"] == "Warning"] == []
    assert [e["reason"] for e in first if e["reason"] == "AllServicesReady"] == [
        "AllServicesReady"]


def test_a_deleted_deployment_is_one_warning_one_repair_and_ready_again(story: Story):
    after = [(e["type"], e["reason"], e["message"])
             for e in story.events[story.events_before_the_deletion:]]
    # The pass that finds the Deployment missing restores it, then reports.
    assert sorted(after[:-1]) == [
        ("Normal", "Healed", "keystone: restored Deployment/keystone-api"),
        ("Warning", "KeystoneDegraded",
         "Ready is False: keystone: Deployment/keystone-api is missing"),
    ]
    assert after[-1] == ("Normal", "AllServicesReady", "Ready is True: 10/10 releases ready")


def test_status_is_osprey_alone_and_metadata_is_as_applied(story: Story):
    assert set(story.body["status"]) <= set(ControlPlaneStatus.model_fields)
    assert "kopf" not in story.body["status"]
    assert not story.body["metadata"].get("annotations")


def test_at_info_the_log_has_helm_operations_repairs_and_transitions_not_kopf(story: Story):
    kopf_at_info = [line for line in story.log
                    if " level=info logger=kopf." in line and "Operator is stopping" not in line]
    assert kopf_at_info == []
    info = [line for line in story.log if " level=info " in line]
    assert any('msg="helm install ' in line and "/mariadb: not installed" in line
               for line in info)
    assert any("restored Deployment/keystone-api" in line for line in info)
    assert any("Ready is True" in line for line in info)


def test_a_first_install_that_fails_reads_as_a_failed_install(kube, client, namespace, chart_repo):
    # No node agents: the module's control plane holds the nodes of OpenStack-Helm's labels.
    body = control_plane("minimal.yaml", namespace, chart_repo.url,
                         charts={"repository": chart_repo.url, "versions": {"memcached": "9.9.9"}},
                         services={"nova": {"enabled": False}, "neutron": {"enabled": False}})
    name = body["metadata"]["name"]
    with RunningOperator(str(kube.kubeconfig), namespace):
        client.apply_control_plane(body)
        failed = client.wait_for(
            lambda: [e for e in events_of(client, namespace, name) if e["reason"] == "Failed"],
            60, "a Failed event")
    assert failed[0]["type"] == "Warning"
    assert failed[0]["message"].startswith("memcached: helm install failed: ")
    assert "9.9.9" in failed[0]["message"]
