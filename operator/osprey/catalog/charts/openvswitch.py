"""Open vSwitch: the virtual switch on every network and compute node (both backends)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from osprey.api.spec import ChartPart, ControlPlaneSpec, NeutronBackend
from osprey.catalog.entry import ChartEntry, ValuesContext, Workload

# ovn-northd and ovn-controller reach the switch's database over TCP.
OVN_DB_PORT = 6640


@dataclass(frozen=True)
class OpenvswitchChart(ChartEntry):
    name: str = "openvswitch"
    agent_labels: ClassVar[Mapping[str, tuple[str, ...]]] = {"network": ("ovs",)}

    def settings(self, spec: ControlPlaneSpec) -> ChartPart:
        return spec.services.neutron.openvswitch

    def workloads(self, spec: ControlPlaneSpec) -> tuple[Workload, ...]:
        return (Workload("DaemonSet", "openvswitch"),)

    def build(self, ctx: ValuesContext) -> dict[str, Any]:
        if ctx.spec.services.neutron.backend != NeutronBackend.ovn:
            return {}
        return {"conf": {"openvswitch_db_server": {"ptcp_port": OVN_DB_PORT}}}
