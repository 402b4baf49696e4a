"""Which parts of the control plane need which others: the one table the rules come from.

Both the CRD's CEL rules and ControlPlaneSpec's validator are generated from these tables, so
admission and the operator refuse the same specs (e.g. nova without placement) with the same
message. The tables follow the OpenStack-Helm charts' own `dependencies:` and endpoints: every
OpenStack service registers in Keystone; horizon and placement use no message queue.
"""

from __future__ import annotations

from types import MappingProxyType

from osprey.api.rules import Requires

INFRASTRUCTURE = ("mariadb", "rabbitmq", "memcached")
_NO_QUEUE = ("mariadb", "memcached")

# service -> services that must be enabled with it.
SERVICE_REQUIREMENTS = MappingProxyType({
    "keystone": (),
    "glance": ("keystone",),
    "placement": ("keystone",),
    "neutron": ("keystone",),
    "nova": ("keystone", "placement", "glance", "neutron"),
    "horizon": ("keystone",),
    "heat": ("keystone",),
    "cinder": ("keystone",),
    "barbican": ("keystone",),
    # Amphorae are Nova servers booted from a Glance image on a Neutron network.
    "octavia": ("keystone", "neutron", "nova", "glance"),
})

# service -> infrastructure components that must be enabled with it.
INFRASTRUCTURE_REQUIREMENTS = MappingProxyType({
    "keystone": INFRASTRUCTURE,
    "glance": INFRASTRUCTURE,
    "placement": _NO_QUEUE,
    "neutron": INFRASTRUCTURE,
    "nova": INFRASTRUCTURE,
    "horizon": _NO_QUEUE,
    "heat": INFRASTRUCTURE,
    "cinder": INFRASTRUCTURE,
    "barbican": INFRASTRUCTURE,
    "octavia": INFRASTRUCTURE,
})


def dependency_rules() -> tuple[Requires, ...]:
    """The rules of ControlPlaneSpec: an enabled service needs what the tables list."""
    rules: list[Requires] = []
    for service, needs in SERVICE_REQUIREMENTS.items():
        when = f"services.{service}.enabled"
        for need in needs:
            then = f"services.{need}.enabled"
            rules.append(Requires(when, then, f"{service} requires spec.{then}"))
        for component in INFRASTRUCTURE_REQUIREMENTS[service]:
            then = f"infrastructure.{component}.enabled"
            rules.append(Requires(when, then, f"{service} requires spec.{then}"))
    return tuple(rules)
