"""The order an OpenStack release upgrade moves the releases in, and what a step holds back.

Infrastructure first (MariaDB, RabbitMQ, Memcached, then Open vSwitch and OVN, as Red Hat's
operator moves OVN first), then Keystone, then the services that only need Keystone, then the
Neutron server before its agents, then the Nova control services, nova-compute last.

OpenStack-Helm ships the Neutron agents and nova-compute as DaemonSets of the neutron and
nova charts, so "server before agents" and "compute last" take two upgrades of one release:
the first renders the new chart with the agents' (compute's) images held at the old release,
the second lets them go. While only the Nova control services run the new release, Nova's
RPC to the computes is pinned (`[upgrade_levels] compute = auto`: capped at the oldest
nova-compute, as Nova documents for rolling upgrades); the compute step restarts the control
services, which releases the pin.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from osprey.catalog.charts.nova import RELEASE_ANNOTATION, release_annotations

# Neutron's agents: every image of a DaemonSet that runs on the network and compute nodes.
NEUTRON_AGENT_IMAGES = (
    "neutron_bagpipe_bgp",
    "neutron_dhcp",
    "neutron_l2gw",
    "neutron_l3",
    "neutron_linuxbridge_agent",
    "neutron_metadata",
    "neutron_netns_cleanup_cron",
    "neutron_openvswitch_agent",
    "neutron_ovn_metadata",
    "neutron_sriov_agent",
    "neutron_sriov_agent_init",
)
NOVA_COMPUTE_IMAGES = ("nova_compute", "nova_compute_ssh", "nova_compute_ironic")


@dataclass(frozen=True)
class StepKind:
    """One step of every upgrade: a release moved, with parts of it held at the old release."""

    name: str
    release: str
    held_images: tuple[str, ...] = ()  # images.tags keys rendered from the old release
    # Values of this step only (e.g. Nova's upgrade levels).
    during: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    # Nova's control pods keep the old release's annotation (restarted by the next step).
    hold_release_annotation: bool = False
    describes: str = ""


NOVA_PIN = MappingProxyType({"conf": {"nova": {"upgrade_levels": {"compute": "auto"}}}})

STEPS: tuple[StepKind, ...] = (
    StepKind("mariadb", "mariadb", describes="database"),
    StepKind("rabbitmq", "rabbitmq", describes="message queue"),
    StepKind("memcached", "memcached", describes="cache"),
    StepKind("openvswitch", "openvswitch", describes="virtual switch"),
    StepKind("ovn", "ovn", describes="OVN databases, northd and controllers"),
    StepKind("keystone", "keystone", describes="identity"),
    StepKind("glance", "glance", describes="images"),
    StepKind("placement", "placement", describes="placement"),
    StepKind("cinder", "cinder", describes="block storage"),
    StepKind("barbican", "barbican", describes="key manager"),
    StepKind("heat", "heat", describes="orchestration"),
    StepKind("horizon", "horizon", describes="dashboard"),
    StepKind("neutron", "neutron", held_images=NEUTRON_AGENT_IMAGES,
             describes="neutron server (agents held at the old release)"),
    StepKind("neutron-agents", "neutron", describes="neutron agents"),
    StepKind("octavia", "octavia", describes="load balancer"),
    StepKind("nova", "nova", held_images=NOVA_COMPUTE_IMAGES, during=NOVA_PIN,
             hold_release_annotation=True,
             describes="nova control services (nova-compute held, compute RPC pinned)"),
    StepKind("libvirt", "libvirt", describes="hypervisor"),
    StepKind("nova-compute", "nova", describes="nova-compute (compute RPC pin released)"),
)

__all__ = ["RELEASE_ANNOTATION", "STEPS", "StepKind", "release_annotations"]
