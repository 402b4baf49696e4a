"""An invalid spec (one that got past admission, e.g. under an older CRD) changes nothing."""

import asyncio

import pytest

from osprey.metrics import Metrics
from osprey.reconcile import ControlPlane
from osprey.runtime import Runtime, Settings


class RecordingKube:
    """Answers nothing but status writes: an invalid spec must need nothing else."""

    def __init__(self):
        self.calls = []

    async def merge_patch(self, res, namespace, name, patch, *, status=False):
        self.calls.append(("merge_patch", res.kind, name, status, patch))
        return {}

    def __getattr__(self, verb):
        async def refuse(*args, **kwargs):
            raise AssertionError(f"an invalid spec must not {verb} {args}")
        return refuse


class NoHelm:
    def __getattr__(self, verb):
        raise AssertionError(f"an invalid spec must not run helm {verb}")


def test_an_invalid_spec_only_reports_invalid_spec_naming_the_field():
    kube, events = RecordingKube(), []
    runtime = Runtime(Settings(), kube=kube, helm=NoHelm(), metrics=Metrics(),
                      events=lambda body, type_, reason, message: events.append((reason, message)))
    body = {"metadata": {"name": "cp", "namespace": "ns", "generation": 3},
            "spec": {"services": {"nova": {"replicas": {"api": -1}}}}}

    result = asyncio.run(ControlPlane(runtime, "ns", "cp").reconcile(body))

    assert result == "invalid"
    [(verb, kind, name, status, patch)] = kube.calls
    assert (verb, kind, name, status) == ("merge_patch", "OpenStackControlPlane", "cp", True)
    ready = next(c for c in patch["status"]["conditions"] if c["type"] == "Ready")
    assert ready["status"] == "False" and ready["reason"] == "InvalidSpec"
    assert "spec.services.nova.replicas.api" in ready["message"]
    assert patch["status"]["observedGeneration"] == 3
    assert [reason for reason, _ in events] == ["InvalidSpec"]


@pytest.mark.parametrize(("spec", "field"), [
    ({"charts": {"repository": "https://charts.example.com/osh"}}, "spec.charts.repository"),
    ({"charts": {"repository": "/var/lib/charts"}}, "spec.charts.repository"),
    ({"services": {"keystone": {"values": {"extraObjects": [{"kind": "ClusterRoleBinding"}]}}}},
     "spec.services.keystone.values.extraObjects"),
])
def test_what_the_operator_policy_refuses_only_reports_invalid_spec_naming_the_field(spec, field):
    kube, events = RecordingKube(), []
    runtime = Runtime(Settings(), kube=kube, helm=NoHelm(), metrics=Metrics(),
                      events=lambda body, type_, reason, message: events.append((reason, message)))
    body = {"metadata": {"name": "cp", "namespace": "ns", "generation": 1}, "spec": spec}

    result = asyncio.run(ControlPlane(runtime, "ns", "cp").reconcile(body))

    assert result == "invalid"
    [(verb, _, _, status_write, patch)] = kube.calls
    assert (verb, status_write) == ("merge_patch", True)
    ready = next(c for c in patch["status"]["conditions"] if c["type"] == "Ready")
    assert (ready["status"], ready["reason"]) == ("False", "InvalidSpec")
    assert ready["message"].startswith(f"{field}: ")
    assert "operator's policy" in ready["message"]
    assert [reason for reason, _ in events] == ["InvalidSpec"]
