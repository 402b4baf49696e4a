"""The rotation's seam in a pass: what it asks of the cluster, and when it asks nothing."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

from osprey import catalog
from osprey.api import validate_spec
from osprey.api.status import ControlPlaneStatus, CredentialRotation, RotationPhase
from osprey.releases import DeployedRelease
from osprey.rotation.driver import Rotations

NOW = "2026-12-01T06:00:00Z"


class RecordingKube:
    """A cluster with nothing in it that remembers every request."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []

    async def get(self, res: Any, namespace: str, name: str) -> None:
        self.requests.append(("GET", name))

    async def create(self, res: Any, namespace: str, obj: dict[str, Any]) -> dict[str, Any]:
        self.requests.append(("POST", obj["metadata"]["name"]))
        return obj

    async def merge_patch(self, res: Any, namespace: str, name: str, patch: Any) -> dict:
        self.requests.append(("PATCH", name))
        return {}

    async def delete(self, res: Any, namespace: str, name: str) -> None:
        self.requests.append(("DELETE", name))


def advance(spec: dict[str, Any], previous: ControlPlaneStatus):
    kube, events = RecordingKube(), []
    runtime = SimpleNamespace(kube=kube, events=lambda *event: events.append(event))
    parsed = validate_spec(spec)
    credentials = {key: f"old-{key}" for key in catalog.credential_keys(parsed)}
    keystone = DeployedRelease(name="keystone", namespace="ns", revision=1, status="deployed",
                               chart="keystone", version="2025.1.0", values={})
    rotation = asyncio.run(Rotations(runtime, "ns", "openstack").advance(
        {}, parsed, previous, credentials, {"keystone": keystone}, {}, NOW))
    return rotation, kube.requests, events


def test_a_pass_with_every_rotation_done_asks_the_cluster_nothing():
    done = ControlPlaneStatus(credentials={"keystone": CredentialRotation(
        token="1", phase=RotationPhase.Rotated, rotatedAt=NOW)})
    rotation, requests, events = advance({"credentials": {"rotate": {"keystone": "1"}}}, done)
    assert requests == [] and events == []
    assert rotation.records == done.credentials and rotation.wake_in is None


def test_a_paused_control_plane_does_not_start_a_rotation():
    rotation, requests, _ = advance({"paused": True,
                                     "credentials": {"rotate": {"keystone": "1"}}},
                                    ControlPlaneStatus())
    assert requests == [] and rotation.records == {}


def test_a_new_token_stages_passwords_then_starts_the_database_job():
    rotation, requests, events = advance({"credentials": {"rotate": {"keystone": "1"}}},
                                         ControlPlaneStatus())
    assert requests[-2:] == [("POST", "openstack-rotation"),
                             ("POST", requests[-1][1])]
    assert requests[-1][1].startswith("keystone-db-password-rotate-")
    assert rotation.records["keystone"].phase is RotationPhase.Database
    assert rotation.wake_in is not None and [e[2] for e in events] == ["RotationStarted"]
    assert rotation.credentials["keystone-db-password"] == "old-keystone-db-password"
