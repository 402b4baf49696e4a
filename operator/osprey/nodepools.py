"""Which nodes each control plane's pools hold, and which control plane may have them. Pure.

A pool is one node label (OpenStack-Helm selects nodes by a single key/value). The agent
pools (compute, network, gateway) run DaemonSets that own the host (libvirtd, ovs-vswitchd,
network namespaces): two control planes must never share a node of them. The oldest control
plane keeps its nodes; a younger one whose agent nodes overlap a control plane that holds
its own is refused before it installs anything, so a refusal never disturbs the older one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from osprey.api.spec import ControlPlaneSpec, NeutronBackend
from osprey.catalog.enablement import enabled_releases

Selector = tuple[str, str]
NodeLabels = Mapping[str, Mapping[str, str]]  # node name -> its labels

POOLS = ("control", "compute", "network", "gateway")
AGENT_POOLS = ("compute", "network", "gateway")
# OpenStack-Helm's own labels where the spec leaves a pool to the charts.
CHART_CONTROL = ("openstack-control-plane", "enabled")
CHART_OVN_GATEWAY = ("l3-agent", "enabled")


def _first(labels: Mapping[str, str]) -> Selector | None:
    return next(iter(labels.items()), None)


def pool_selectors(spec: ControlPlaneSpec) -> dict[str, Selector]:
    """The node label of each pool, as the charts will render it."""
    control = _first(spec.nodeSelector) or CHART_CONTROL
    pools = spec.nodePools
    if spec.services.neutron.backend == NeutronBackend.ovn:
        default_gateway = CHART_OVN_GATEWAY
    else:  # neutron's DHCP, L3 and metadata agents follow the control plane's label
        default_gateway = control
    return {
        "control": control,
        "compute": _first(pools.compute) or ("openstack-compute-node", "enabled"),
        "network": _first(pools.network) or ("openvswitch", "enabled"),
        "gateway": _first(pools.gateway) or default_gateway,
    }


def agent_pools(spec: ControlPlaneSpec) -> tuple[str, ...]:
    """The agent pools the spec installs agents on: compute with nova, the others with neutron."""
    enabled = enabled_releases(spec)
    pools = ("compute",) if "nova" in enabled else ()
    return pools + (("network", "gateway") if "neutron" in enabled else ())


def pool_nodes(spec: ControlPlaneSpec, nodes: NodeLabels) -> dict[str, frozenset[str]]:
    """The nodes of every pool."""
    return {
        pool: frozenset(n for n, labels in nodes.items() if labels.get(key) == value)
        for pool, (key, value) in pool_selectors(spec).items()
    }


def agent_nodes(spec: ControlPlaneSpec, nodes: NodeLabels) -> frozenset[str]:
    """Every node this control plane runs a node agent on."""
    held = pool_nodes(spec, nodes)
    return frozenset().union(*(held[pool] for pool in agent_pools(spec)))


class AgentNodesMemo:
    """`agent_nodes` of each control plane, once per (uid, generation) while the nodes'
    labels stay the same (`epoch`): every pass of every control plane asks for all the
    others', which made the node pool check grow with the square of the control planes."""

    KEPT = 4096

    def __init__(self) -> None:
        self._epoch: int | None = None
        self._memo: dict[tuple[str, int], frozenset[str]] = {}

    def of(self, key: tuple[str, int] | None, spec: ControlPlaneSpec, nodes: NodeLabels,
           epoch: int) -> frozenset[str]:
        """`key` (uid, generation), None for a resource without them: computed every time."""
        if key is None:
            return agent_nodes(spec, nodes)
        if epoch != self._epoch or len(self._memo) >= self.KEPT:
            self._epoch, self._memo = epoch, {}
        held = self._memo.get(key)
        if held is None:
            held = self._memo[key] = agent_nodes(spec, nodes)
        return held


@dataclass(frozen=True)
class PlaneNodes:
    """A control plane and the nodes of its agents."""

    namespace: str
    name: str
    created: str  # metadata.creationTimestamp (RFC 3339 sorts as text)
    nodes: frozenset[str]

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.created, self.namespace, self.name)


@dataclass(frozen=True)
class Overlap:
    """The control plane that holds some of our agent nodes, and which."""

    namespace: str
    name: str
    nodes: tuple[str, ...]

    def message(self) -> str:
        nodes = ", ".join(self.nodes[:10]) + (" ..." if len(self.nodes) > 10 else "")
        return (
            f"node pools overlap control plane {self.namespace}/{self.name} on "
            f"{len(self.nodes)} node(s): {nodes}; two control planes' node agents (libvirt, "
            "Open vSwitch, network agents) must not share a node, so this one installs nothing "
            "until spec.nodePools (or the nodes' labels) make its compute, network and gateway "
            "nodes disjoint from the older control plane's"
        )


def overlap(me: PlaneNodes, planes: Iterable[PlaneNodes]) -> Overlap | None:
    """Why `me` may not have its agent nodes, if it may not.

    Control planes are taken oldest first (creation time, namespace, name); each holds its
    nodes unless an older one that holds its own already has one of them. The answer for an
    older control plane never depends on a younger one.
    """
    holders: list[PlaneNodes] = []
    for plane in sorted({p.key: p for p in (*planes, me)}.values(), key=lambda p: p.key):
        blocker = next((h for h in holders if h.nodes & plane.nodes), None)
        if plane.key == me.key:
            if blocker is None:
                return None
            return Overlap(blocker.namespace, blocker.name, tuple(sorted(blocker.nodes & me.nodes)))
        if blocker is None:
            holders.append(plane)
    return None
