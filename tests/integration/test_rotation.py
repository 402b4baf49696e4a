"""Rotating Keystone's credentials (spec.credentials.rotate): the database user first, then the
credentials Secret and the release, with Keystone's API available throughout; a lost
credentials Secret comes back with the passwords the control plane runs with.

The story: Keystone on MariaDB, RabbitMQ and Memcached, Ready; a watch on the keystone-api
Deployment and on the namespace's Jobs runs while the spec asks for a rotation, until
status.credentials.keystone says Rotated.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Self

import pytest
from kubernetes import client as k8s
from kubernetes import watch

from osprey.catalog import credentials as keys
from osprey.recovery import value_at
from osprey.releases import ReleaseDecoder
from tests.integration.operator_harness import Client, RunningOperator, control_plane

pytestmark = pytest.mark.integration

KEYSTONE_ONLY = {"services": {name: {"enabled": False}
                              for name in ("glance", "placement", "neutron", "nova")}}
DB_PASSWORD = keys.database_password("keystone")
RABBITMQ_PASSWORD = keys.messaging_password("keystone")
DB_PATH = ("endpoints", "oslo_db", "auth", "keystone", "password")
RABBITMQ_PATH = ("endpoints", "oslo_messaging", "auth", "keystone", "password")


class Recorder:
    """The objects of one kind in a namespace as listed at the start ("LISTED"), then every
    watch event in the order the API server sent them (objects deleted meanwhile included)."""

    def __init__(self, list_call: Any, namespace: str, **selectors: str) -> None:
        self._list = list_call
        self._namespace = namespace
        self._selectors = selectors
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        self._events: list[tuple[str, dict[str, Any]]] = []
        self._thread: threading.Thread | None = None

    @property
    def events(self) -> list[tuple[str, dict[str, Any]]]:
        with self._lock:
            return list(self._events)

    def __enter__(self) -> Self:
        listed = self._list(self._namespace, **self._selectors)
        sanitize = k8s.ApiClient().sanitize_for_serialization
        self._events = [("LISTED", sanitize(item)) for item in listed.items]
        version = listed.metadata.resource_version
        self._thread = threading.Thread(target=self._watch, args=(version,), daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _watch(self, version: str) -> None:
        sanitize = k8s.ApiClient().sanitize_for_serialization
        while not self._stopped.is_set():
            for event in watch.Watch().stream(self._list, self._namespace,
                                              resource_version=version, timeout_seconds=1,
                                              **self._selectors):
                obj = sanitize(event["object"])
                version = obj["metadata"]["resourceVersion"]
                with self._lock:
                    self._events.append((event["type"], obj))
                if self._stopped.is_set():
                    return


def decoded(secret: dict[str, Any] | None, key: str) -> str | None:
    data = (secret or {}).get("data") or {}
    return base64.b64decode(data[key]).decode() if key in data else None


def keystone_release(client: Client, namespace: str):
    storage = client.list("Secret", namespace, labels="owner=helm,name=keystone")
    return ReleaseDecoder().latest(storage)["keystone"]


def reasons(client: Client, namespace: str, name: str) -> list[str]:
    return [e["reason"] for e in client.list("Event", namespace)
            if e["involvedObject"].get("name") == name]


def rotation(client: Client, namespace: str, name: str) -> dict[str, Any]:
    body = client.get("OpenStackControlPlane", namespace, name) or {}
    return ((body.get("status") or {}).get("credentials") or {}).get("keystone") or {}


def complete(job: dict[str, Any]) -> bool:
    return any(c["type"] == "Complete" and c["status"] == "True"
               for c in (job.get("status") or {}).get("conditions") or ())


@dataclass(frozen=True)
class Story:
    namespace: str
    name: str
    before: dict[str, str]  # the rotated passwords, before and after
    after: dict[str, str]
    revision_before: int
    release_after: Any
    deployments: list[tuple[str, dict[str, Any]]]  # keystone-api's watch events
    jobs: list[tuple[str, dict[str, Any]]]
    record: dict[str, Any]
    rotation_secret: dict[str, Any] | None
    events: list[str]


@pytest.fixture(scope="module")
def story(kube, crd_installed, chart_repo) -> Iterator[Story]:
    client = Client(str(kube.kubeconfig))
    namespace = kube.new_namespace("rotation")
    body = control_plane("minimal.yaml", namespace, chart_repo.url, **KEYSTONE_ONLY)
    name = body["metadata"]["name"]
    secret = f"{name}-credentials"
    api = kube.api_client()
    with RunningOperator(str(kube.kubeconfig), namespace):
        client.apply_control_plane(body)
        client.wait_ready(namespace, name)
        stored = client.get("Secret", namespace, secret)
        before = {k: decoded(stored, k) for k in (DB_PASSWORD, RABBITMQ_PASSWORD)}
        revision = keystone_release(client, namespace).revision
        deployments = Recorder(k8s.AppsV1Api(api).list_namespaced_deployment, namespace,
                               field_selector="metadata.name=keystone-api")
        with deployments, Recorder(k8s.BatchV1Api(api).list_namespaced_job, namespace) as jobs:
            client.patch_spec(namespace, name, {"credentials": {"rotate": {"keystone": "1"}}})
            client.wait_for(lambda: rotation(client, namespace, name).get("phase") == "Rotated",
                            240, "status.credentials.keystone.phase Rotated")
        client.wait_ready(namespace, name)
        stored = client.get("Secret", namespace, secret)
        yield Story(
            namespace=namespace, name=name, before=before,
            after={k: decoded(stored, k) for k in (DB_PASSWORD, RABBITMQ_PASSWORD)},
            revision_before=revision, release_after=keystone_release(client, namespace),
            deployments=deployments.events, jobs=jobs.events,
            record=rotation(client, namespace, name),
            rotation_secret=client.get("Secret", namespace, f"{name}-rotation"),
            events=reasons(client, namespace, name))


def test_rotating_keystone_changes_its_passwords_in_the_secret(story):
    assert all(story.after.values())
    assert all(story.after[k] != story.before[k] for k in story.before)


def test_the_keystone_release_runs_with_the_new_passwords(story):
    release = story.release_after
    assert release.status == "deployed" and release.revision > story.revision_before
    assert value_at(release.values, DB_PATH) == story.after[DB_PASSWORD]
    assert value_at(release.values, RABBITMQ_PATH) == story.after[RABBITMQ_PASSWORD]


def test_keystone_stays_available_while_its_pods_restart_with_the_new_passwords(story):
    statuses = [obj.get("status") or {} for _, obj in story.deployments]
    hashes = {obj["spec"]["template"]["metadata"]["annotations"]["configmap-etc-hash"]
              for _, obj in story.deployments}
    assert len(hashes) == 2, "the pod template changed once: the pods restarted"
    assert statuses and all(s.get("availableReplicas", 0) >= 1 for s in statuses)
    assert statuses[-1].get("updatedReplicas") == statuses[-1].get("replicas") == 1


def test_the_database_user_has_its_new_password_before_keystone_is_upgraded(story):
    order = [(kind, obj["metadata"]["name"], complete(obj)) for kind, obj in story.jobs]
    rotated = next(i for i, (_, job, done) in enumerate(order)
                   if job.startswith("keystone-db-password-rotate-") and done)
    db_init = next(i for i, (kind, job, _) in enumerate(order)
                   if kind == "ADDED" and job == "keystone-db-init")
    assert rotated < db_init


def test_the_rotation_is_recorded_and_told_in_events(story):
    assert story.record["token"] == "1" and story.record["rotatedAt"]
    assert story.record["message"] == ""
    for reason in ("RotationStarted", "DatabasePasswordChanged", "CredentialsRotated"):
        assert reason in story.events


def test_the_new_passwords_are_kept_only_in_the_credentials_secret_once_rotated(story):
    assert story.rotation_secret is None
    assert any(kind == "DELETED" and obj["metadata"]["name"].startswith(
        "keystone-db-password-rotate-") for kind, obj in story.jobs)


def test_a_credentials_secret_lost_after_a_rotation_comes_back_with_the_new_passwords(
        story, kube):
    client = Client(str(kube.kubeconfig))
    secret = f"{story.name}-credentials"
    with RunningOperator(str(kube.kubeconfig), story.namespace):
        client.delete("Secret", story.namespace, secret)
        back = client.wait_for(lambda: client.get("Secret", story.namespace, secret), 60,
                               "the credentials Secret recovered")
        assert {k: decoded(back, k) for k in story.after} == story.after


def test_a_credentials_secret_lost_mid_rotation_keeps_the_rotation_going(
        story, kube, sim):
    """Lost while the database Job runs: the releases' (old) passwords come back, which the
    database still takes; once the Job is done the new ones replace them, as asked."""
    client = Client(str(kube.kubeconfig))
    secret = f"{story.name}-credentials"
    sim.controllers.enable("jobs", False)
    with RunningOperator(str(kube.kubeconfig), story.namespace):
        client.patch_spec(story.namespace, story.name,
                          {"credentials": {"rotate": {"keystone": "2"}}})
        client.wait_for(lambda: rotation(client, story.namespace, story.name).get("phase")
                        == "Database", 60, "the rotation's database step")
        client.delete("Secret", story.namespace, secret)
        back = client.wait_for(lambda: client.get("Secret", story.namespace, secret), 60,
                               "the credentials Secret recovered")
        assert {k: decoded(back, k) for k in story.after} == story.after
        sim.controllers.enable("jobs", True)
        client.wait_for(lambda: rotation(client, story.namespace, story.name).get("phase")
                        == "Rotated", 240, "rotation 2 done")
        stored = client.get("Secret", story.namespace, secret)
        now = {k: decoded(stored, k) for k in story.after}
        release = keystone_release(client, story.namespace)
        assert now[DB_PASSWORD] != story.after[DB_PASSWORD]
        assert value_at(release.values, DB_PATH) == now[DB_PASSWORD]


def test_a_failed_database_job_stops_the_rotation_and_changes_no_password(story, kube, sim):
    client = Client(str(kube.kubeconfig))
    secret = f"{story.name}-credentials"
    before = client.get("Secret", story.namespace, secret)["data"]
    revision = keystone_release(client, story.namespace).revision
    sim.faults.fail_jobs("^keystone-db-password-rotate-")
    with RunningOperator(str(kube.kubeconfig), story.namespace):
        client.patch_spec(story.namespace, story.name,
                          {"credentials": {"rotate": {"keystone": "3"}}})
        record = client.wait_for(
            lambda: (rotation(client, story.namespace, story.name).get("phase") == "Failed"
                     and rotation(client, story.namespace, story.name)), 120,
            "the rotation Failed")
        assert "the database Job failed" in record["message"]
        assert "RotationFailed" in reasons(client, story.namespace, story.name)
        assert client.get("Secret", story.namespace, secret)["data"] == before
        assert keystone_release(client, story.namespace).revision == revision
        failed = [j for j in client.list("Job", story.namespace)
                  if j["metadata"]["name"].startswith("keystone-db-password-rotate-")]
        assert len(failed) == 1, "the failed Job is kept for its logs"
