"""kube-scheduler's filters, pure: where a pod fits, or why it fits nowhere.

The filters kubesim knows run in kube-scheduler's default order (NodeUnschedulable,
TaintToleration, NodeAffinity, InterPodAffinity) and stop at a node's first failure, so the
FailedScheduling message counts the same reasons kube-scheduler would, followed by its
preemption verdict. Resources (requests vs allocatable) and volume topology are not checked.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

UNSCHEDULABLE_TAINT = {"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}
NOT_HELPFUL = "Preemption is not helpful for scheduling"
NO_VICTIMS = "No preemption victims found for incoming pod"


@dataclass(frozen=True)
class Placed:
    """A pod already bound to a node, as the affinity filters see it."""

    namespace: str
    labels: Mapping[str, str]
    node: str
    anti_affinity: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class Decision:
    node: str | None
    message: str = ""


# ---- selectors ------------------------------------------------------------------------
def _requirement(labels: Mapping[str, str], req: Mapping[str, Any]) -> bool:
    key, op, values = req.get("key"), req.get("operator"), req.get("values") or []
    if op == "In":
        return key in labels and labels[key] in values
    if op == "NotIn":
        return key not in labels or labels[key] not in values
    if op == "Exists":
        return key in labels
    if op == "DoesNotExist":
        return key not in labels
    if op in ("Gt", "Lt") and key in labels and len(values) == 1:
        try:
            have, bound = int(labels[key]), int(values[0])
        except ValueError:
            return False
        return have > bound if op == "Gt" else have < bound
    return False


def selector_matches(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """metav1.LabelSelector: None matches nothing, `{}` everything."""
    if selector is None:
        return False
    labels = labels or {}
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    return all(_requirement(labels, r) for r in selector.get("matchExpressions") or [])


def _node_term(node: Mapping[str, Any], term: Mapping[str, Any]) -> bool:
    expressions = term.get("matchExpressions") or []
    fields = term.get("matchFields") or []
    if not expressions and not fields:
        return False
    labels = node["metadata"].get("labels") or {}
    name = {"metadata.name": node["metadata"]["name"]}
    return all(_requirement(labels, r) for r in expressions) and all(
        _requirement(name, r) for r in fields
    )


def node_matches(pod_spec: Mapping[str, Any], node: Mapping[str, Any]) -> bool:
    """nodeSelector and required node affinity (the NodeAffinity filter)."""
    labels = node["metadata"].get("labels") or {}
    if any(labels.get(k) != v for k, v in (pod_spec.get("nodeSelector") or {}).items()):
        return False
    required = ((pod_spec.get("affinity") or {}).get("nodeAffinity") or {}).get(
        "requiredDuringSchedulingIgnoredDuringExecution"
    ) or {}
    terms = required.get("nodeSelectorTerms")
    return terms is None or any(_node_term(node, t) for t in terms)


def tolerates(tolerations: Iterable[Mapping[str, Any]], taint: Mapping[str, Any]) -> bool:
    for t in tolerations:
        if t.get("effect") and t.get("effect") != taint.get("effect"):
            continue
        if t.get("key") and t.get("key") != taint.get("key"):
            continue
        operator = t.get("operator") or "Equal"
        if operator == "Exists" or (
            operator == "Equal" and (t.get("value") or "") == (taint.get("value") or "")
        ):
            return True
    return False


def untolerated_taint(
    pod_spec: Mapping[str, Any], node: Mapping[str, Any], effects: tuple[str, ...]
) -> Mapping[str, Any] | None:
    tolerations = pod_spec.get("tolerations") or []
    for taint in (node.get("spec") or {}).get("taints") or []:
        if taint.get("effect") in effects and not tolerates(tolerations, taint):
            return taint
    return None


# ---- inter-pod affinity ---------------------------------------------------------------
def required_terms(pod_spec: Mapping[str, Any], kind: str) -> tuple[dict[str, Any], ...]:
    """`podAffinity` or `podAntiAffinity` required terms of a pod spec."""
    section = (pod_spec.get("affinity") or {}).get(kind) or {}
    return tuple(section.get("requiredDuringSchedulingIgnoredDuringExecution") or ())


NamespaceLabels = Callable[[str], Mapping[str, str] | None]


def _term_namespaces(
    term: Mapping[str, Any], own: str, namespace_labels: NamespaceLabels
) -> Callable[[str], bool]:
    names = set(term.get("namespaces") or ())
    selector = term.get("namespaceSelector")
    if not names and selector is None:
        return lambda ns: ns == own

    def member(ns: str) -> bool:
        if ns in names:
            return True
        labels = namespace_labels(ns)
        return selector is not None and labels is not None and selector_matches(selector, labels)

    return member


def _term_matches(
    term: Mapping[str, Any],
    term_owner_ns: str,
    pod_ns: str,
    pod_labels: Mapping[str, str],
    namespace_labels: NamespaceLabels,
) -> bool:
    return _term_namespaces(term, term_owner_ns, namespace_labels)(pod_ns) and selector_matches(
        term.get("labelSelector"), pod_labels
    )


# ---- the decision ---------------------------------------------------------------------
class _Cluster:
    def __init__(
        self,
        nodes: list[Mapping[str, Any]],
        placed: list[Placed],
        namespace_labels: NamespaceLabels,
    ) -> None:
        self.nodes = nodes
        self.placed = placed
        self.namespace_labels = namespace_labels
        self.labels = {n["metadata"]["name"]: n["metadata"].get("labels") or {} for n in nodes}

    def domain(self, node: str, key: str) -> str | None:
        return self.labels.get(node, {}).get(key)


def _affinity_failure(
    pod: Mapping[str, Any], node: Mapping[str, Any], cluster: _Cluster
) -> tuple[str, bool] | None:
    """(reason, resolvable by preemption) of the InterPodAffinity filter, or None."""
    spec, meta = pod.get("spec") or {}, pod["metadata"]
    ns, labels = meta.get("namespace", ""), meta.get("labels") or {}
    node_labels = node["metadata"].get("labels") or {}
    affinity = required_terms(spec, "podAffinity")
    if affinity:
        matching = [
            p
            for p in cluster.placed
            if all(
                _term_matches(t, ns, p.namespace, p.labels, cluster.namespace_labels)
                for t in affinity
            )
        ]
        if any(t.get("topologyKey") not in node_labels for t in affinity):
            return "node(s) didn't match pod affinity rules", False
        satisfied = all(
            any(
                cluster.domain(p.node, t["topologyKey"]) == node_labels[t["topologyKey"]]
                for p in matching
            )
            for t in affinity
        )
        self_match = all(
            _term_matches(t, ns, ns, labels, cluster.namespace_labels) for t in affinity
        )
        if not satisfied and not (not matching and self_match):
            return "node(s) didn't match pod affinity rules", False
    for term in required_terms(spec, "podAntiAffinity"):
        key = term.get("topologyKey")
        if key not in node_labels:
            continue
        for p in cluster.placed:
            if cluster.domain(p.node, key) == node_labels[key] and _term_matches(
                term, ns, p.namespace, p.labels, cluster.namespace_labels
            ):
                return "node(s) didn't match pod anti-affinity rules", True
    for p in cluster.placed:
        for term in p.anti_affinity:
            key = term.get("topologyKey")
            if (
                key in node_labels
                and cluster.domain(p.node, key) == node_labels[key]
                and _term_matches(term, p.namespace, ns, labels, cluster.namespace_labels)
            ):
                return "node(s) didn't satisfy existing pods anti-affinity rules", True
    return None


def _node_failure(
    pod: Mapping[str, Any], node: Mapping[str, Any], cluster: _Cluster
) -> tuple[str, bool] | None:
    spec = pod.get("spec") or {}
    if (node.get("spec") or {}).get("unschedulable") and not tolerates(
        spec.get("tolerations") or [], UNSCHEDULABLE_TAINT
    ):
        return "node(s) were unschedulable", False
    taint = untolerated_taint(spec, node, ("NoSchedule", "NoExecute"))
    if taint is not None:
        return f"node(s) had untolerated taint {{{taint['key']}: {taint.get('value', '')}}}", False
    if not node_matches(spec, node):
        return "node(s) didn't match Pod's node affinity/selector", False
    return _affinity_failure(pod, node, cluster)


def _histogram(reasons: Iterable[str]) -> str:
    return ", ".join(sorted(f"{count} {reason}" for reason, count in Counter(reasons).items()))


def schedule(
    pod: Mapping[str, Any],
    nodes: list[Mapping[str, Any]],
    placed: list[Placed],
    namespace_labels: NamespaceLabels,
) -> Decision:
    """The node the pod goes to (the least loaded that fits), or kube-scheduler's message."""
    if not nodes:
        return Decision(None, "no nodes available to schedule pods")
    cluster = _Cluster(nodes, placed, namespace_labels)
    failures: dict[str, tuple[str, bool]] = {}
    fits = []
    for node in nodes:
        failure = _node_failure(pod, node, cluster)
        if failure is None:
            fits.append(node["metadata"]["name"])
        else:
            failures[node["metadata"]["name"]] = failure
    if fits:
        load = Counter(p.node for p in placed)
        return Decision(min(fits, key=lambda n: (load[n], n)))
    total = len(nodes)
    message = f"0/{total} nodes are available: {_histogram(r for r, _ in failures.values())}."
    if (pod.get("spec") or {}).get("preemptionPolicy") == "Never":
        return Decision(None, f"{message} preemption: not eligible due to preemptionPolicy=Never.")
    verdicts = (NO_VICTIMS if resolvable else NOT_HELPFUL for _, resolvable in failures.values())
    return Decision(
        None, f"{message} preemption: 0/{total} nodes are available: {_histogram(verdicts)}."
    )
