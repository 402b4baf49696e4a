"""Nova: compute. nova-compute runs on compute nodes next to libvirt."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from osprey.api.spec import ControlPlaneSpec, GlanceBackend, NeutronBackend, VirtType
from osprey.catalog import credentials as keys
from osprey.catalog.charts._infra import SERVICE_BASE
from osprey.catalog.charts._service import Component, MultiComponentChart
from osprey.catalog.entry import ValuesContext, Workload

# Pods of Nova's control services, by OpenStack-Helm's custom_pod_annotations name.
NOVA_CONTROL_PODS = ("nova_api_osapi", "nova_api_metadata", "nova_conductor", "nova_scheduler",
                     "nova_novncproxy")
# The OpenStack release on the control pods: when an upgrade's compute step changes it, they
# restart, read the computes' versions again and drop the RPC pin (see osprey.upgrade.steps).
RELEASE_ANNOTATION = "osprey.dev/openstack-release"


def release_annotations(release: str) -> dict[str, Any]:
    """OpenStack-Helm's `annotations.pod.<pod>` of Nova's control pods, naming `release`."""
    return {"annotations": {"pod": {pod: {RELEASE_ANNOTATION: release}
                                    for pod in NOVA_CONTROL_PODS}}}


@dataclass(frozen=True)
class NovaChart(MultiComponentChart):
    name: str = "nova"
    ready_before: tuple[str, ...] = SERVICE_BASE + ("glance", "placement")
    # nova-compute waits for libvirt and the network agents on its node, and those wait
    # for nothing of nova's: installed is enough, Ready would serialise needlessly.
    installed_before: tuple[str, ...] = ("libvirt", "neutron")

    api = Workload("Deployment", "nova-api-osapi")
    components = (
        Component("api", "osapi", api),
        Component("metadata", "api_metadata", Workload("Deployment", "nova-api-metadata")),
        Component("conductor", "conductor", Workload("Deployment", "nova-conductor")),
        Component("scheduler", "scheduler", Workload("Deployment", "nova-scheduler")),
        Component("novncproxy", "novncproxy", Workload("Deployment", "nova-novncproxy")),
    )
    control_plane_labels = (
        "osapi",
        "api_metadata",
        "conductor",
        "scheduler",
        "novncproxy",
        "job",
        "test",
    )
    agent_labels: ClassVar[Mapping[str, tuple[str, ...]]] = {"compute": ("agent.compute",)}
    public_endpoints = (
        "identity",
        "image",
        "compute",
        "compute_metadata",
        "compute_novnc_proxy",
        "placement",
        "network",
    )
    keystone_users = ("nova",)
    peer_users = ("neutron", "placement", "cinder")
    database_user = "nova"
    database_endpoints = ("oslo_db", "oslo_db_api", "oslo_db_cell0")
    messaging_user = "nova"
    uses_memcache_secret = True
    own_credentials = (keys.METADATA_PROXY_SECRET,)

    def other_workloads(self, spec: ControlPlaneSpec) -> tuple[Workload, ...]:
        return (
            Workload("DaemonSet", "nova-compute-default"),
            Workload("Job", "nova-bootstrap"),
            Workload("Job", "nova-cell-setup"),
        )

    def extra(self, ctx: ValuesContext) -> dict[str, Any]:
        spec = ctx.spec
        nova = spec.services.nova
        libvirt: dict[str, Any] = {"virt_type": nova.virtType.value}
        if nova.virtType == VirtType.qemu:
            libvirt["cpu_mode"] = "none"  # emulated CPUs have no host model to copy
        conf: dict[str, Any] = {
            "ceph": {"enabled": spec.services.glance.backend == GlanceBackend.rbd},
            "nova": {
                "libvirt": libvirt,
                "neutron": {"metadata_proxy_shared_secret": ctx.secret(keys.METADATA_PROXY_SECRET)},
            },
        }
        values: dict[str, Any] = {"conf": conf, **release_annotations(spec.openstackRelease.value)}
        if spec.services.neutron.backend == NeutronBackend.ovn:
            # No neutron-ovs-agent exists to wait for; Neutron reports VIF plugging instead.
            values["dependencies"] = {
                "dynamic": {"targeted": {"openvswitch": {"compute": {"pod": []}}}}
            }
            conf["nova"]["DEFAULT"] = {"vif_plugging_is_fatal": True, "vif_plugging_timeout": 300}
        return values
