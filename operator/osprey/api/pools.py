"""Node pools: which nodes run a control plane's node agents.

Node agents (nova-compute and libvirt, Open vSwitch and ovn-controller, the network gateway
agents) are DaemonSets: two control planes whose agents share a node put two libvirtd or two
ovs-vswitchd on it. Each pool is one node label, as OpenStack-Helm selects nodes by a single
`labels.<group>.node_selector_key/value`; the defaults are the charts' own labels, right for a
single control plane.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from osprey.api.base import Model
from osprey.api.formats import LABEL_KEY_PATTERNS, LabelValue
from osprey.api.rules import KeysMatch, MaxEntries

NodeLabel = Annotated[
    dict[str, LabelValue],
    MaxEntries(1, "OpenStack-Helm places node agents by a single node label: give one "
                  "key/value pair"),
    KeysMatch(LABEL_KEY_PATTERNS, "keys must be label keys: an optional DNS subdomain "
              "prefix (at most 253 characters) and '/', then a name of at most 63 "
              "alphanumerics, '-', '_' or '.', beginning and ending with an alphanumeric"),
]

# OpenStack-Helm's labels of the agent groups (nova labels.agent.compute, openvswitch
# labels.ovs): rendering them again would change every release's values for nothing.
DEFAULT_COMPUTE = {"openstack-compute-node": "enabled"}
DEFAULT_NETWORK = {"openvswitch": "enabled"}


class NodePools(Model):
    """The nodes of this control plane's node agents, one node label per pool."""

    compute: NodeLabel = Field(
        default_factory=lambda: dict(DEFAULT_COMPUTE),
        description=(
            "The node label of the compute nodes (nova-compute and libvirt); one key/value "
            "pair. Defaults to OpenStack-Helm's."
        ),
    )
    network: NodeLabel = Field(
        default_factory=lambda: dict(DEFAULT_NETWORK),
        description=(
            "The node label of the nodes running Open vSwitch and its agent "
            "(neutron-ovs-agent, or ovn-controller with OVN); one key/value pair. Must "
            "include the compute nodes. Defaults to OpenStack-Helm's."
        ),
    )
    gateway: NodeLabel = Field(
        default_factory=dict,
        description=(
            "The node label of the network gateway agents (neutron's DHCP, L3 and metadata "
            "agents, or OVN's gateway ovn-controller); one key/value pair. Empty: "
            "OpenStack-Helm's placement (with ovs the control plane's nodes, spec.nodeSelector; "
            "with ovn the nodes labelled l3-agent=enabled)."
        ),
    )
