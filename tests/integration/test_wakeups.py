"""What wakes a control plane's loop: a change of Helm's record made by another helm is seen
at once, not at the next periodic resync."""

from __future__ import annotations

import pytest

from tests.integration.operator_harness import RunningOperator, control_plane

pytestmark = pytest.mark.integration


def test_a_release_changed_by_another_helm_is_seen_without_waiting_for_the_resync(
    kube, sim, client, namespace, chart_repo
):
    body = control_plane("minimal.yaml", namespace, chart_repo.url)
    name = body["metadata"]["name"]
    # No resync within the test: only a wake-up can bring the next pass.
    with RunningOperator(str(kube.kubeconfig), namespace, resync_seconds=3600.0) as op:
        client.apply_control_plane(body)
        ready = client.wait_ready(namespace, name)
        assert ready["status"]["services"]["memcached"]["revision"] == 1
        plane = op.runtime.control_planes[(namespace, name)]
        client.wait_for(lambda: not plane.in_pass, 10, "the loop to be idle", interval=0.05)
        # Helm's last word (the new revision recorded deployed) comes late: a pass woken by
        # the rollback's own changes sees it pending, and only that record's change is left
        # to wake the loop again.
        sim.faults.delay("PUT", "/secrets/sh.helm.release.v1.memcached.v2", 2.0)
        done = kube.helm("rollback", "memcached", "1", "-n", namespace)
        assert done.returncode == 0, done.stderr

        def memcached() -> dict:
            status = client.get("OpenStackControlPlane", namespace, name).get("status") or {}
            return (status.get("services") or {}).get("memcached") or {}

        client.wait_for(lambda: memcached().get("revision") == 2
                        and memcached().get("phase") == "Ready", 60,
                        "memcached Ready at revision 2", interval=0.2)
