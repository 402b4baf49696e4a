"""libvirt: the hypervisor daemon on compute nodes, installed with nova."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from osprey.api.spec import ChartPart, ControlPlaneSpec, GlanceBackend, NeutronBackend
from osprey.catalog.entry import ChartEntry, ValuesContext, Workload


@dataclass(frozen=True)
class LibvirtChart(ChartEntry):
    name: str = "libvirt"
    agent_labels: ClassVar[Mapping[str, tuple[str, ...]]] = {"compute": ("agent.libvirt",)}

    def settings(self, spec: ControlPlaneSpec) -> ChartPart:
        return spec.services.nova.libvirt

    def workloads(self, spec: ControlPlaneSpec) -> tuple[Workload, ...]:
        # The DaemonSet is named <release>-libvirt-<daemonset override>.
        return (Workload("DaemonSet", "libvirt-libvirt-default"),)

    def build(self, ctx: ValuesContext) -> dict[str, Any]:
        spec = ctx.spec
        values: dict[str, Any] = {
            "conf": {"ceph": {"enabled": spec.services.glance.backend == GlanceBackend.rbd}}
        }
        if spec.services.neutron.backend == NeutronBackend.ovn:
            # No neutron-ovs-agent exists on the node to wait for.
            values["dependencies"] = {
                "dynamic": {"targeted": {"openvswitch": {"libvirt": {"pod": []}}}}
            }
        return values
