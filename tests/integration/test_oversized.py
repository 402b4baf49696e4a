"""A release that renders an object kube-apiserver refuses for its size (a Secret whose data is
over 1 MiB) fails with the API server's words in status, once as an Event, and is retried
with a back-off, not in a loop of new errors."""

from __future__ import annotations

import pytest

from tests.integration.operator_harness import RunningOperator, control_plane

pytestmark = [
    pytest.mark.integration,
    pytest.mark.fixture_charts(reason="the fixture keystone renders its conf into keystone-etc"),
]

KEYSTONE_ONLY = {name: {"enabled": False} for name in ("glance", "placement", "neutron", "nova")}
# The fixture charts render `conf` into the keystone-etc Secret (values.json).
OVERSIZED = {"conf": {"blob": "x" * (1024 * 1024 + 1)}}
REFUSAL = 'Secret "keystone-etc" is invalid: data: Too long: may not be more than 1048576 bytes'


def test_a_secret_over_one_mib_fails_the_release_with_the_api_servers_words(
    kube, client, namespace, chart_repo
):
    body = control_plane("minimal.yaml", namespace, chart_repo.url,
                         services={**KEYSTONE_ONLY, "keystone": {"values": OVERSIZED}})
    name = body["metadata"]["name"]

    def keystone_refused() -> dict | None:
        plane = client.get("OpenStackControlPlane", namespace, name) or {}
        keystone = ((plane.get("status") or {}).get("services") or {}).get("keystone") or {}
        # Between two attempts: while one runs, the phase is Progressing.
        failed = keystone.get("phase") == "Failed" and REFUSAL in keystone.get("lastError", "")
        return keystone if failed else None

    def failed_events() -> list[dict]:
        return [e for e in client.list("Event", namespace)
                if e["involvedObject"].get("name") == name and e["reason"] == "Failed"
                and e["message"].startswith("keystone:")]

    with RunningOperator(str(kube.kubeconfig), namespace) as op:
        client.apply_control_plane(body)
        client.wait_for(keystone_refused, 240, "keystone Failed naming the refused Secret")
        attempts = client.wait_for(
            lambda: (n := len([o for o in op.helm.of(namespace, "upgrade")
                               if o.release == "keystone"])) >= 3 and n, 120,
            "two more attempts at keystone")
        events = client.wait_for(failed_events, 30, "the Failed Event")
        again = client.wait_for(keystone_refused, 60, "keystone Failed again, after retries")
    assert "\n" not in again["lastError"]
    # Helm words the install's failure and the upgrades' differently: one Event for each
    # distinct error, not one per attempt.
    messages = [e["message"] for e in events]
    assert len(messages) == len(set(messages)) <= 2 < attempts
    assert all(REFUSAL in m for m in messages)
    assert client.get("Secret", namespace, "keystone-etc") is None
