"""Which releases a spec asks for, including the supporting charts a service implies.

One function holds the rules, so that `ChartEntry.enabled` and the dependency edges (which
must only name releases that will exist) can never disagree.
"""

from __future__ import annotations

from osprey.api.spec import ControlPlaneSpec, NeutronBackend

SERVICES = (
    "keystone",
    "glance",
    "placement",
    "neutron",
    "nova",
    "horizon",
    "heat",
    "cinder",
    "barbican",
    "octavia",
)
INFRASTRUCTURE = ("mariadb", "rabbitmq", "memcached")


def enabled_releases(spec: ControlPlaneSpec) -> frozenset[str]:
    """Names of the releases the spec asks for, directly or implied by a service."""
    names = {name for name in INFRASTRUCTURE if getattr(spec.infrastructure, name).enabled}
    names |= {name for name in SERVICES if getattr(spec.services, name).enabled}
    neutron = spec.services.neutron
    if neutron.enabled:
        # OVN's controller talks to the node's Open vSwitch, so both backends need the
        # openvswitch chart; OVN adds its own databases and northd.
        names.add("openvswitch")
        if neutron.backend == NeutronBackend.ovn:
            names.add("ovn")
    if spec.services.nova.enabled:
        names.add("libvirt")
    return frozenset(names)
