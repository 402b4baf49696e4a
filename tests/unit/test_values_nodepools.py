"""Node pools rendered into the charts' agent labels."""

from __future__ import annotations

from typing import Any

from tests.unit.test_values import dig, full, render

ANY_LABEL = {"node_selector_key": "cloud", "node_selector_value": "a"}


def labels(values: dict[str, Any]) -> dict[str, Any]:
    return values.get("labels", {})


def test_default_pools_render_no_agent_labels() -> None:
    for backend in ("ovs", "ovn"):
        rendered = render(full(backend))
        assert "agent" not in labels(rendered["nova"])
        assert labels(rendered["libvirt"]) == {}
        assert labels(rendered["openvswitch"]) == {}
        assert "ovs" not in labels(rendered["neutron"])


def test_compute_pool_places_nova_compute_and_libvirt() -> None:
    rendered = render(full(nodePools={"compute": {"cloud": "a"}}))
    assert dig(rendered["nova"], "labels.agent.compute") == ANY_LABEL
    assert dig(rendered["libvirt"], "labels.agent.libvirt") == ANY_LABEL
    assert dig(rendered["nova"], "labels.osapi.node_selector_key") == "openstack-control-plane"


def test_network_pool_places_open_vswitch_and_its_agents() -> None:
    ovs = render(full(nodePools={"network": {"cloud": "a"}}))
    assert dig(ovs["openvswitch"], "labels.ovs") == ANY_LABEL
    assert dig(ovs["neutron"], "labels.ovs") == ANY_LABEL
    ovn = render(full("ovn", nodePools={"network": {"cloud": "a"}}))
    assert dig(ovn["ovn"], "labels.ovn_controller") == ANY_LABEL


def test_gateway_agents_follow_the_control_plane_until_a_gateway_pool_is_given() -> None:
    control = render(full(nodeSelector={"role": "control"}))
    assert dig(control["neutron"], "labels.agent.l3.node_selector_key") == "role"
    gateway = render(full(nodeSelector={"role": "control"}, nodePools={"gateway": {"cloud": "a"}}))
    for group in ("agent.dhcp", "agent.l3", "agent.metadata", "netns_cleanup_cron"):
        assert dig(gateway["neutron"], f"labels.{group}") == ANY_LABEL
    assert dig(gateway["neutron"], "labels.server.node_selector_key") == "role"
    ovn = render(full("ovn", nodePools={"gateway": {"cloud": "a"}}))
    assert dig(ovn["ovn"], "labels.ovn_controller_gw") == ANY_LABEL
