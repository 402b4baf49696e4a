"""Several operator replicas: one leader per Lease, a graceful handover, a crashed leader
replaced once its Lease runs out."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from contextlib import ExitStack

import pytest

from osprey.leadership import LEASE, LeaseConfig, LeaseTiming
from tests.integration.operator_harness import HELM, RunningOperator, control_plane

pytestmark = pytest.mark.integration

KEYSTONE_ONLY = {"services": {name: {"enabled": False}
                              for name in ("glance", "placement", "neutron", "nova")}}
HANDOVER_SECONDS = 15.0  # the bound: a successor acts within the lease duration
TIMING = LeaseTiming()  # client-go's defaults: 15 s lease, 10 s renew deadline, 2 s retry


def replica(kube, namespace: str, identity: str, **overrides) -> RunningOperator:
    """An operator replica electing its leader with a Lease in the control plane's namespace;
    on stop it lets running helm operations finish (as on SIGTERM in a pod)."""
    lease = LeaseConfig(namespace=namespace, identity=identity, timing=TIMING)
    return RunningOperator(str(kube.kubeconfig), namespace, lease=lease,
                           **({"drain_seconds": 180.0} | overrides))


def holder(client, namespace: str) -> str | None:
    lease = client.run(client.kube.get(LEASE, namespace, "osprey"))
    return (lease or {}).get("spec", {}).get("holderIdentity") or None


def running(op: RunningOperator) -> set[str]:
    """Releases whose helm operation the replica is running now (asked on its own loop)."""

    async def releases() -> set[str]:
        return {name for plane in op.runtime.control_planes.values()
                for name in plane.operations.running}

    return op.thread.call(releases)


def test_only_the_leader_acts_and_a_stopped_leader_hands_over_without_repeating_an_operation(
        kube, client, namespace, chart_repo, sim):
    # keystone's install waits on its hook Jobs: long enough to be stopped midway.
    sim.job_delay = 5.0
    body = control_plane("minimal.yaml", namespace, chart_repo.url, **KEYSTONE_ONLY)
    name = body["metadata"]["name"]
    with ExitStack() as replicas:
        first = replicas.enter_context(replica(kube, namespace, "replica-a"))
        client.wait_for(lambda: holder(client, namespace) == "replica-a", 30, "a leader")
        second = replicas.enter_context(replica(kube, namespace, "replica-b"))
        assert not second.runtime.leading, "the second replica stands by"
        client.apply_control_plane(body)
        # The leader is stopped (as a pod on SIGTERM) while it installs keystone.
        client.wait_for(lambda: "keystone" in running(first), 120, "keystone's install")
        assert second.helm.operations == [] and second.runtime.control_planes == {}
        assert all(i.lists == 0 for i in second.runtime.watch_cache.informers), (
            "a standby lists and watches nothing")
        first.thread.stop()  # drains, then releases the Lease
        stopped_at = time.monotonic()
        client.wait_for(lambda: second.runtime.leading, HANDOVER_SECONDS, "the handover")
        handover = time.monotonic() - stopped_at
        client.wait_ready(namespace, name)  # may be the stopped leader's last word
        client.wait_for(lambda: all(i.lists >= 1 for i in second.runtime.watch_cache.informers),
                        30, "the new leader's informers to list")

    assert handover < HANDOVER_SECONDS
    ops_a, ops_b = first.helm.of(namespace), second.helm.of(namespace)
    assert ops_a, "the leader acted"
    assert ("keystone", "upgrade", True) in {(o.release, o.operation, o.ok) for o in ops_a}, (
        "the stopped leader let keystone's install finish")
    assert all(o.ok for o in ops_a), "no helm operation of the stopped leader was cut short"
    assert all(o.started >= stopped_at for o in ops_b), "the standby acted only once leading"
    done = Counter((o.release, o.operation) for o in ops_a + ops_b)
    assert done and set(done.values()) == {1}, f"no helm operation twice: {done}"
    assert {o.release for o in ops_a + ops_b} == {"mariadb", "rabbitmq", "memcached", "keystone"}


def test_a_killed_leader_is_replaced_once_its_lease_runs_out(kube, client, namespace,
                                                            chart_repo):
    # The leader is a real `osprey run` killed with SIGKILL: it never releases its Lease.
    env = os.environ | {"KUBECONFIG": str(kube.kubeconfig)}
    leader = subprocess.Popen(
        [sys.executable, "-m", "osprey.cli", "run", "--helm", HELM, "--namespace", namespace,
         "--metrics-port", "0", "--liveness-port", "0", "--leader-elect",
         "--lease-namespace", namespace, "--identity", "killed"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        client.wait_for(lambda: holder(client, namespace) == "killed", 60, "the first leader")
        with replica(kube, namespace, "successor") as successor:
            assert not successor.runtime.leading
            leader.send_signal(signal.SIGKILL)
            killed_at = time.monotonic()
            leader.wait(10)
            # Nobody may take over while the killed leader's Lease may still be running.
            time.sleep(TIMING.renew_deadline)
            assert not successor.runtime.leading and holder(client, namespace) == "killed"
            bound = TIMING.lease_duration + 2 * TIMING.retry_period * 1.2
            client.wait_for(lambda: successor.runtime.leading, bound, "the takeover")
            takeover = time.monotonic() - killed_at
            body = control_plane("minimal.yaml", namespace, chart_repo.url, **KEYSTONE_ONLY)
            client.apply_control_plane(body)
            client.wait_ready(namespace, body["metadata"]["name"])
    finally:
        if leader.poll() is None:
            leader.kill()
            leader.wait(10)
    assert holder(client, namespace) is None, "the successor released the Lease on its way out"
    assert TIMING.renew_deadline <= takeover <= bound
