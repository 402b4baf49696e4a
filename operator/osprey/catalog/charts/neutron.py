"""Neutron: networking, with Open vSwitch agents (ovs) or OVN (ovn) as the ML2 backend."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from osprey.api.spec import ControlPlaneSpec, NeutronBackend
from osprey.catalog import credentials as keys
from osprey.catalog.charts._service import Component, MultiComponentChart
from osprey.catalog.entry import ValuesContext, Workload

SERVER = Workload("Deployment", "neutron-server")
RPC_SERVER = Workload("Deployment", "neutron-rpc-server")
OVS_AGENTS = tuple(
    Workload("DaemonSet", f"neutron-{agent}-default")
    for agent in ("dhcp-agent", "l3-agent", "metadata-agent", "ovs-agent")
)
NETNS_CLEANUP = Workload("DaemonSet", "neutron-netns-cleanup-cron-default")
OVN_METADATA_AGENT = Workload("DaemonSet", "neutron-ovn-metadata-agent-default")

# With OVN, ovn-controller and ovn-northd replace the agents and the RPC server.
OVN_MANIFESTS = {
    "daemonset_dhcp_agent": False,
    "daemonset_l3_agent": False,
    "daemonset_metadata_agent": False,
    "daemonset_ovs_agent": False,
    "deployment_rpc_server": False,
    "daemonset_ovn_metadata_agent": True,
}
OVN_CONF = {
    "neutron": {"DEFAULT": {"service_plugins": "ovn-router", "l3_ha_network_type": "geneve"}},
    "plugins": {
        "ml2_conf": {
            "ml2": {
                "extension_drivers": "port_security",
                "type_drivers": "flat,vxlan,geneve",
                "tenant_network_types": "geneve",
            },
            # The 2025.2 chart reads its OVN connection settings from this section.
            "ovn": {"ovn_l3_scheduler": "leastloaded", "neutron_sync_mode": "repair"},
        }
    },
}


@dataclass(frozen=True)
class NeutronChart(MultiComponentChart):
    name: str = "neutron"

    api = SERVER
    control_plane_labels = (
        "server",
        "rpc_server",
        "agent.dhcp",
        "agent.l3",
        "agent.metadata",
        "netns_cleanup_cron",
        "job",
        "test",
    )
    # The gateway agents follow the control plane's label unless spec.nodePools.gateway is set.
    agent_labels: ClassVar[Mapping[str, tuple[str, ...]]] = {
        "network": ("ovs",),
        "gateway": ("agent.dhcp", "agent.l3", "agent.metadata", "netns_cleanup_cron"),
    }
    public_endpoints = ("identity", "network", "compute", "compute_metadata", "load_balancer")
    keystone_users = ("neutron",)
    peer_users = ("nova", "placement")
    database_user = "neutron"
    messaging_user = "neutron"
    uses_memcache_secret = True
    own_credentials = (keys.METADATA_PROXY_SECRET,)

    components = (
        Component("server", "server", SERVER),
        Component("rpcServer", "rpc_server", RPC_SERVER),
    )

    def extra_installed(self, spec: ControlPlaneSpec) -> tuple[str, ...]:
        return ("openvswitch", "ovn") if _ovn(spec) else ("openvswitch",)

    def workloads(self, spec: ControlPlaneSpec) -> tuple[Workload, ...]:
        if _ovn(spec):
            return (SERVER, OVN_METADATA_AGENT, NETNS_CLEANUP)
        return (SERVER, RPC_SERVER) + OVS_AGENTS + (NETNS_CLEANUP,)

    def extra(self, ctx: ValuesContext) -> dict[str, Any]:
        secret = {
            "DEFAULT": {"metadata_proxy_shared_secret": ctx.secret(keys.METADATA_PROXY_SECRET)}
        }
        values: dict[str, Any] = {"conf": {"metadata_agent": secret, "ovn_metadata_agent": secret}}
        if _ovn(ctx.spec):
            values["network"] = {"backend": ["openvswitch", "ovn"]}
            values["manifests"] = dict(OVN_MANIFESTS)
            values["conf"].update(OVN_CONF)
        return values


def _ovn(spec: ControlPlaneSpec) -> bool:
    return spec.services.neutron.backend == NeutronBackend.ovn
