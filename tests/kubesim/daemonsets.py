"""The DaemonSet controller: one Pod per Node the template fits (nodeSelector, required node
affinity, NoSchedule/NoExecute taints), pinned to it by node affinity on metadata.name and
bound by the scheduler; Pods leave Nodes that no longer fit; RollingUpdate replaces outdated
Pods up to maxUnavailable at a time."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from .cluster_index import PODS, is_ready
from .pods import from_template, revision_name
from .scheduling import node_matches, untolerated_taint
from .workload_status import active, daemonset_status, scaled

if TYPE_CHECKING:
    from .controllers import Controllers

DAEMONSETS = ("apps", "daemonsets")
REVISION_LABEL = "controller-revision-hash"
# What the DaemonSet controller adds to every template: its pods ride out node conditions.
TOLERATIONS = (
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute"},
    {"key": "node.kubernetes.io/disk-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/memory-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/pid-pressure", "operator": "Exists", "effect": "NoSchedule"},
    {"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"},
)
HOST_NETWORK_TOLERATION = {
    "key": "node.kubernetes.io/network-unavailable",
    "operator": "Exists",
    "effect": "NoSchedule",
}


def pod_spec(ds: dict[str, Any]) -> dict[str, Any]:
    """The template's spec with the controller's tolerations."""
    spec = copy.deepcopy(((ds.get("spec") or {}).get("template") or {}).get("spec") or {})
    tolerations = spec.setdefault("tolerations", [])
    extra = [*TOLERATIONS, *([HOST_NETWORK_TOLERATION] if spec.get("hostNetwork") else [])]
    for toleration in extra:
        if not any(
            t.get("key") == toleration["key"] and t.get("effect") == toleration["effect"]
            for t in tolerations
        ):
            tolerations.append(dict(toleration))
    return spec


def should_run(spec: dict[str, Any], node: dict[str, Any]) -> bool:
    return (
        node_matches(spec, node)
        and untolerated_taint(spec, node, ("NoSchedule", "NoExecute")) is None
    )


def should_continue(spec: dict[str, Any], node: dict[str, Any]) -> bool:
    """A Pod stays on its Node unless the Node stops matching or gains a NoExecute taint."""
    return node_matches(spec, node) and untolerated_taint(spec, node, ("NoExecute",)) is None


def _pin(spec: dict[str, Any], node: str) -> None:
    """Node affinity on metadata.name, replacing any matchFields the template had."""
    affinity = spec.setdefault("affinity", {}).setdefault("nodeAffinity", {})
    required = affinity.setdefault("requiredDuringSchedulingIgnoredDuringExecution", {})
    field = {"key": "metadata.name", "operator": "In", "values": [node]}
    terms = required.get("nodeSelectorTerms") or [{}]
    for term in terms:
        term["matchFields"] = [field]
    required["nodeSelectorTerms"] = terms


def _target(pod: dict[str, Any]) -> str | None:
    """The Node a DaemonSet Pod is pinned to (or bound to)."""
    if (pod.get("spec") or {}).get("nodeName"):
        return pod["spec"]["nodeName"]
    required = (((pod.get("spec") or {}).get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution"
    ) or {}
    for term in required.get("nodeSelectorTerms") or []:
        for field in term.get("matchFields") or []:
            if field.get("key") == "metadata.name" and field.get("values"):
                return field["values"][0]
    return None


class DaemonSets:
    def __init__(self, ctx: Controllers) -> None:
        self.ctx = ctx

    def reconcile(self, ns: str, name: str) -> None:
        ds = self.ctx.api.store.peek(DAEMONSETS, ns, name)
        if ds is None or ds["metadata"].get("deletionTimestamp") or self.ctx.index.terminating(ns):
            return
        self.ctx.adopt(PODS, ds, lambda pod: True)
        spec = pod_spec(ds)
        revision = revision_name(ds)
        nodes = self.ctx.index.nodes
        by_node: dict[str | None, list[dict[str, Any]]] = {}
        for pod in active(self.ctx.index.owned(ds["metadata"]["uid"], PODS)):
            by_node.setdefault(_target(pod), []).append(pod)
        eligible = sorted(n for n, node in nodes.items() if should_run(spec, node))
        for node_name, pods in by_node.items():
            node = nodes.get(node_name or "")
            keep = node is not None and should_continue(spec, node)
            for pod in pods[1:] if keep else pods:
                self._delete(ds, pod)
        for node_name in eligible:
            if node_name not in by_node:
                self._create(ds, spec, node_name, revision)
        self._roll(ds, by_node, eligible, revision)
        current = self.ctx.api.store.peek(DAEMONSETS, ns, name)
        if current is None:
            return
        pods = active(self.ctx.index.owned(current["metadata"]["uid"], PODS))
        placed = {_target(p): p for p in pods}
        scheduled = [n for n in placed if n in eligible]
        self.ctx.write_status(
            DAEMONSETS,
            current,
            daemonset_status(
                current,
                desired=len(eligible),
                scheduled=len(scheduled),
                misscheduled=len([n for n in placed if n not in eligible]),
                ready=sum(1 for n in scheduled if is_ready(placed[n])),
                updated=sum(
                    1
                    for n in scheduled
                    if (placed[n]["metadata"].get("labels") or {}).get(REVISION_LABEL) == revision
                ),
            ),
        )

    def _create(self, ds: dict[str, Any], spec: dict[str, Any], node: str, revision: str) -> None:
        template = copy.deepcopy(ds["spec"]["template"])
        template["spec"] = copy.deepcopy(spec)
        _pin(template["spec"], node)
        pod = from_template(
            ds,
            template,
            labels={
                REVISION_LABEL: revision,
                "pod-template-generation": str(ds["metadata"].get("generation", 1)),
            },
        )
        created = self.ctx.create(PODS, ds["metadata"]["namespace"], pod)
        self.ctx.events.record(
            ds,
            "Normal",
            "SuccessfulCreate",
            f"Created pod: {created['metadata']['name']}",
            component="daemonset-controller",
        )

    def _delete(self, ds: dict[str, Any], pod: dict[str, Any]) -> None:
        self.ctx.delete(PODS, pod)
        self.ctx.events.record(
            ds,
            "Normal",
            "SuccessfulDelete",
            f"Deleted pod: {pod['metadata']['name']}",
            component="daemonset-controller",
        )

    def _roll(
        self,
        ds: dict[str, Any],
        by_node: dict[str | None, list[dict[str, Any]]],
        eligible: list[str],
        revision: str,
    ) -> None:
        strategy = ds["spec"].get("updateStrategy") or {}
        if strategy.get("type", "RollingUpdate") != "RollingUpdate":
            return
        max_unavailable = max(
            1,
            scaled(
                (strategy.get("rollingUpdate") or {}).get("maxUnavailable", 1), len(eligible), True
            ),
        )
        pods = {n: ps[0] for n, ps in by_node.items() if n in eligible and ps}
        unavailable = sum(1 for n in eligible if n not in pods or not is_ready(pods[n]))
        outdated = [
            p
            for n, p in sorted(pods.items())
            if (p["metadata"].get("labels") or {}).get(REVISION_LABEL) != revision
        ]
        for pod in outdated:
            if not is_ready(pod):
                self._delete(ds, pod)
            elif unavailable < max_unavailable:
                self._delete(ds, pod)
                unavailable += 1
