"""Nodes of the simulated cluster: Ready kubelets with OpenStack-Helm's all-in-one labels
unless told otherwise, addresses, capacity and node info."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .timeutil import now_rfc3339

# An all-in-one node, labelled like OpenStack-Helm's single-node setups, so that both
# control-plane workloads and compute/network DaemonSets run on it.
NODE_LABELS = {
    "openstack-control-plane": "enabled",
    "openstack-compute-node": "enabled",
    "openvswitch": "enabled",
    "linuxbridge": "enabled",
}
KUBELET_VERSION = "v1.37.0"


@dataclass(frozen=True)
class NodeSpec:
    """One node: `labels` (default: OpenStack-Helm's four) come on top of the well-known
    `kubernetes.io/hostname`, `kubernetes.io/os` and `kubernetes.io/arch`."""

    name: str
    labels: dict[str, str] = field(default_factory=lambda: dict(NODE_LABELS))
    taints: tuple[dict[str, Any], ...] = ()
    unschedulable: bool = False


def node_specs(nodes: int | list[dict[str, Any]]) -> list[NodeSpec]:
    """`Simulator(nodes=...)`: a count of all-in-one nodes, or one dict per node with any of
    `name`, `labels`, `taints` (`[{"key", "value", "effect"}]`), `unschedulable`."""
    if isinstance(nodes, int):
        return [NodeSpec(f"kubesim-node-{i}") for i in range(nodes)]
    specs = []
    for i, spec in enumerate(nodes):
        unknown = set(spec) - {"name", "labels", "taints", "unschedulable"}
        if unknown:
            raise ValueError(
                f"node {i}: unknown settings {sorted(unknown)}; "
                "expected name, labels, taints, unschedulable"
            )
        specs.append(
            NodeSpec(
                spec.get("name", f"kubesim-node-{i}"),
                dict(spec["labels"]) if "labels" in spec else dict(NODE_LABELS),
                tuple(dict(t) for t in spec.get("taints") or ()),
                bool(spec.get("unschedulable", False)),
            )
        )
    return specs


def node_object(spec: NodeSpec, index: int) -> dict[str, Any]:
    labels = {
        "kubernetes.io/hostname": spec.name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "beta.kubernetes.io/os": "linux",
        "beta.kubernetes.io/arch": "amd64",
        **spec.labels,
    }
    node_spec: dict[str, Any] = {
        "podCIDR": f"10.244.{index}.0/24",
        "podCIDRs": [f"10.244.{index}.0/24"],
    }
    if spec.taints:
        node_spec["taints"] = [dict(t) for t in spec.taints]
    if spec.unschedulable:
        node_spec["unschedulable"] = True
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": spec.name, "labels": labels},
        "spec": node_spec,
    }


def node_status(spec: NodeSpec, index: int) -> dict[str, Any]:
    stamp = now_rfc3339()

    def condition(kind: str, status: str, reason: str, message: str) -> dict[str, Any]:
        return {
            "type": kind,
            "status": status,
            "reason": reason,
            "message": message,
            "lastHeartbeatTime": stamp,
            "lastTransitionTime": stamp,
        }

    resources = {"cpu": "8", "memory": "32Gi", "pods": "110", "ephemeral-storage": "100Gi"}
    return {
        "conditions": [
            condition(
                "MemoryPressure",
                "False",
                "KubeletHasSufficientMemory",
                "kubelet has sufficient memory available",
            ),
            condition(
                "DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"
            ),
            condition(
                "PIDPressure",
                "False",
                "KubeletHasSufficientPID",
                "kubelet has sufficient PID available",
            ),
            condition("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
        ],
        "addresses": [
            {"type": "InternalIP", "address": f"172.18.0.{index + 2}"},
            {"type": "Hostname", "address": spec.name},
        ],
        "allocatable": dict(resources),
        "capacity": dict(resources),
        "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
        "nodeInfo": {
            "architecture": "amd64",
            "bootID": "",
            "containerRuntimeVersion": "containerd://2.1.0",
            "kernelVersion": "6.8.0-kubesim",
            "kubeProxyVersion": "",
            "kubeletVersion": KUBELET_VERSION,
            "machineID": "",
            "operatingSystem": "linux",
            "osImage": "kubesim",
            "systemUUID": "",
        },
    }
