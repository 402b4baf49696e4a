"""Node pools: which nodes a control plane's agents hold, and who may have them."""

from __future__ import annotations

from osprey.api import validate_spec
from osprey.nodepools import (
    AgentNodesMemo,
    PlaneNodes,
    agent_nodes,
    overlap,
    pool_nodes,
    pool_selectors,
)

OSH_NODES = {
    "ctl": {"openstack-control-plane": "enabled"},
    "cmp": {"openstack-compute-node": "enabled", "openvswitch": "enabled"},
    "gw": {"l3-agent": "enabled", "openvswitch": "enabled"},
}


def spec(**fields):
    body = {"services": {"keystone": {"enabled": True}, "glance": {"enabled": True},
                         "placement": {"enabled": True}, "neutron": {"enabled": True},
                         "nova": {"enabled": True}}}
    body.update(fields)
    return validate_spec(body, name="cp")


def cloud(letter: str, **extra):
    label = {"cloud": letter}
    return spec(nodeSelector=label,
                nodePools={"compute": label, "network": label, "gateway": label}, **extra)


def test_default_pools_are_openstack_helms_labels():
    assert pool_selectors(spec()) == {
        "control": ("openstack-control-plane", "enabled"),
        "compute": ("openstack-compute-node", "enabled"),
        "network": ("openvswitch", "enabled"),
        "gateway": ("openstack-control-plane", "enabled"),  # neutron's agents, with ovs
    }


def test_the_ovn_gateway_defaults_to_the_l3_agent_label():
    ovn = spec(services={"keystone": {"enabled": True}, "neutron": {"enabled": True,
                                                                    "backend": "ovn"}})
    assert pool_selectors(ovn)["gateway"] == ("l3-agent", "enabled")


def test_pool_nodes_are_the_nodes_carrying_each_label():
    pools = pool_nodes(spec(), OSH_NODES)
    assert pools == {"control": {"ctl"}, "compute": {"cmp"}, "network": {"cmp", "gw"},
                     "gateway": {"ctl"}}


def test_agent_nodes_leave_out_pools_of_services_not_installed():
    no_nova = spec(services={"nova": {"enabled": False}})
    assert agent_nodes(no_nova, {"cmp": {"openstack-compute-node": "enabled"}}) == frozenset()
    assert agent_nodes(spec(), {"cmp": {"openstack-compute-node": "enabled"}}) == {"cmp"}


def plane(name, created, nodes):
    return PlaneNodes("ns-" + name, name, created, frozenset(nodes))


def test_disjoint_control_planes_both_hold_their_nodes():
    a, b = plane("a", "2026-01-01T00:00:00Z", {"n1"}), plane("b", "2026-01-02T00:00:00Z", {"n2"})
    assert overlap(a, [a, b]) is None
    assert overlap(b, [a, b]) is None


def test_the_younger_of_two_overlapping_control_planes_is_refused_naming_the_older_and_nodes():
    a = plane("a", "2026-01-01T00:00:00Z", {"n1", "n2"})
    b = plane("b", "2026-01-02T00:00:00Z", {"n2", "n3", "n1"})
    assert overlap(a, [a, b]) is None
    refused = overlap(b, [a, b])
    assert (refused.namespace, refused.name, refused.nodes) == ("ns-a", "a", ("n1", "n2"))
    assert "ns-a/a" in refused.message() and "n1, n2" in refused.message()


def test_a_refused_control_plane_holds_no_nodes_against_a_younger_one():
    a = plane("a", "2026-01-01T00:00:00Z", {"n1"})
    b = plane("b", "2026-01-02T00:00:00Z", {"n1", "n2"})  # refused: n1 is a's
    c = plane("c", "2026-01-03T00:00:00Z", {"n2"})
    assert overlap(c, [a, b, c]) is None


def test_equal_creation_times_are_ordered_by_namespace_and_name():
    a = plane("a", "2026-01-01T00:00:00Z", {"n1"})
    b = plane("b", "2026-01-01T00:00:00Z", {"n1"})
    assert overlap(a, [a, b]) is None
    assert overlap(b, [a, b]).name == "a"


def test_two_clouds_labelled_apart_hold_disjoint_agent_nodes():
    nodes = {"n1": {"cloud": "a"}, "n2": {"cloud": "a"}, "n3": {"cloud": "b"}}
    assert agent_nodes(cloud("a"), nodes) == {"n1", "n2"}
    assert agent_nodes(cloud("b"), nodes) == {"n3"}


def test_agent_nodes_are_computed_once_per_generation_while_node_labels_stay(monkeypatch):
    from osprey import nodepools

    calls = []
    real = nodepools.agent_nodes
    monkeypatch.setattr(nodepools, "agent_nodes",
                        lambda s, n: calls.append(1) or real(s, n))
    memo = AgentNodesMemo()
    first = memo.of(("uid-a", 1), spec(), OSH_NODES, epoch=1)
    assert first == frozenset({"cmp", "gw", "ctl"})
    assert memo.of(("uid-a", 1), spec(), OSH_NODES, epoch=1) is first and len(calls) == 1
    memo.of(("uid-a", 2), spec(), OSH_NODES, epoch=1)  # a new generation
    assert len(calls) == 2
    relabelled = {**OSH_NODES, "cmp": {}}
    assert memo.of(("uid-a", 2), spec(), relabelled, epoch=2) == frozenset({"gw", "ctl"})
    memo.of(None, spec(), OSH_NODES, epoch=2)  # no uid: never remembered
    memo.of(None, spec(), OSH_NODES, epoch=2)
    assert len(calls) == 5
