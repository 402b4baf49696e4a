"""OVN: northbound/southbound databases, northd and ovn-controller (neutron's ovn backend).

Stateful: the OVN databases live on PVCs and hold the whole logical network.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from osprey.api.spec import ChartPart, ControlPlaneSpec
from osprey.catalog.entry import ChartEntry, ValuesContext, Workload


@dataclass(frozen=True)
class OvnChart(ChartEntry):
    name: str = "ovn"
    stateful: bool = True
    installed_before: tuple[str, ...] = ("openvswitch",)
    agent_labels: ClassVar[Mapping[str, tuple[str, ...]]] = {"network": ("ovn_controller",), "gateway": ("ovn_controller_gw",)}

    def settings(self, spec: ControlPlaneSpec) -> ChartPart:
        return spec.services.neutron.ovn

    def workloads(self, spec: ControlPlaneSpec) -> tuple[Workload, ...]:
        return (
            Workload("StatefulSet", "ovn-ovsdb-nb"),
            Workload("StatefulSet", "ovn-ovsdb-sb"),
            Workload("Deployment", "ovn-northd"),
            Workload("DaemonSet", "ovn-controller-default"),
        )

    def build(self, ctx: ValuesContext) -> dict[str, Any]:
        # The chart always writes storageClassName; null leaves it empty: cluster default.
        claim = {"class_name": ctx.spec.storageClass}
        return {"volume": {"ovn_ovsdb_nb": dict(claim), "ovn_ovsdb_sb": dict(claim)}}
