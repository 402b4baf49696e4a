"""Two shards over several namespaces: each control plane is reconciled by exactly one."""

from __future__ import annotations

from contextlib import ExitStack

import pytest

from osprey.leadership import LEASE, LeaseConfig
from osprey.sharding import Shard
from tests.integration.operator_harness import RunningOperator, control_plane

pytestmark = pytest.mark.integration

KEYSTONE_ONLY = {"services": {name: {"enabled": False}
                              for name in ("glance", "placement", "neutron", "nova")}}
SHARDS = 2
PER_SHARD = 2


@pytest.fixture
def sharded_namespaces(kube):
    """PER_SHARD namespaces of each shard (names are random: drawn until each shard has its
    share), and one more for the Leases."""
    by_shard: dict[int, list[str]] = {i: [] for i in range(SHARDS)}
    created = [kube.new_namespace("leases")]
    while any(len(names) < PER_SHARD for names in by_shard.values()):
        name = kube.new_namespace("shard")
        created.append(name)
        owner = next(i for i in range(SHARDS) if Shard(i, SHARDS).owns(name))
        if len(by_shard[owner]) < PER_SHARD:
            by_shard[owner].append(name)
    yield created[0], by_shard
    for name in created:
        kube.delete_namespace(name)


def test_two_shards_each_reconcile_only_the_control_planes_of_their_namespaces(
        kube, client, chart_repo, sharded_namespaces):
    lease_namespace, by_shard = sharded_namespaces
    namespaces = tuple(ns for names in by_shard.values() for ns in names)
    with ExitStack() as stack:
        shards = [stack.enter_context(RunningOperator(
            str(kube.kubeconfig), namespaces, shard=Shard(i, SHARDS),
            lease=LeaseConfig(namespace=lease_namespace, identity=f"replica-{i}")))
            for i in range(SHARDS)]
        bodies = [control_plane("minimal.yaml", ns, chart_repo.url, **KEYSTONE_ONLY)
                  for ns in namespaces]
        for body in bodies:
            client.apply_control_plane(body)
        for body in bodies:
            client.wait_ready(body["metadata"]["namespace"], body["metadata"]["name"])

    for index, op in enumerate(shards):
        mine = set(by_shard[index])
        assert {ns for ns, _ in op.runtime.control_planes} == mine
        assert {o.namespace for o in op.helm.operations} == mine, f"shard {index} acted"
    for ns in namespaces:
        acting = [i for i, op in enumerate(shards) if op.helm.of(ns)]
        assert len(acting) == 1, f"{ns} reconciled by shards {acting}"
    holders = {name: client.run(client.kube.get(LEASE, lease_namespace, name))["spec"]
               for name in (f"osprey-shard-{i}-of-{SHARDS}" for i in range(SHARDS))}
    assert {n: h["holderIdentity"] for n, h in holders.items()} == {
        f"osprey-shard-{i}-of-{SHARDS}": "" for i in range(SHARDS)}, "released on stop"
    assert all(h["leaseTransitions"] == 0 for h in holders.values()), "one leader each, ever"
