"""kube-scheduler: binds unscheduled Pods to a Node (spec.nodeName and PodScheduled=True in
one write, as the binding subresource does), or leaves them Pending with
PodScheduled=False/Unschedulable and one FailedScheduling event per distinct reason.

Unschedulable Pods are tried again when a Node changes or a bound Pod goes away.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from .cluster_index import PODS, is_terminal
from .scheduling import Placed, required_terms, schedule
from .timeutil import now_rfc3339

if TYPE_CHECKING:
    from .controllers import Controllers

SCHEDULER_NAME = "default-scheduler"


def _scheduled_condition(pod: dict[str, Any]) -> dict[str, Any] | None:
    for cond in (pod.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "PodScheduled":
            return cond
    return None


class Scheduler:
    def __init__(self, ctx: Controllers) -> None:
        self.ctx = ctx

    def _placed(self) -> list[Placed]:
        return [
            Placed(
                p["metadata"].get("namespace", ""),
                p["metadata"].get("labels") or {},
                p["spec"]["nodeName"],
                required_terms(p["spec"], "podAntiAffinity"),
            )
            for p in self.ctx.index.bound_pods()
        ]

    def reconcile(self, ns: str, name: str) -> None:
        pod = self.ctx.index.pod(ns, name)
        if pod is None or pod["metadata"].get("deletionTimestamp") or is_terminal(pod):
            return
        spec = pod.get("spec") or {}
        if spec.get("nodeName") or spec.get("schedulerName", SCHEDULER_NAME) != SCHEDULER_NAME:
            return
        if spec.get("schedulingGates"):
            return
        nodes = [self.ctx.index.nodes[n] for n in sorted(self.ctx.index.nodes)]
        decision = schedule(pod, nodes, self._placed(), self.ctx.index.namespace_labels)
        if decision.node is not None:
            self._bind(pod, decision.node)
        else:
            self._unschedulable(pod, decision.message)

    def _bind(self, pod: dict[str, Any], node: str) -> None:
        status = dict(pod.get("status") or {})
        conditions = [c for c in status.get("conditions") or [] if c.get("type") != "PodScheduled"]
        conditions.append(
            {"type": "PodScheduled", "status": "True", "lastTransitionTime": now_rfc3339()}
        )
        status["conditions"] = conditions
        # Shallow: _commit rebuilds the object before it changes anything in it.
        new = {**pod, "spec": {**pod["spec"], "nodeName": node}, "status": status}
        rtype = self.ctx.rtype(PODS)
        with self.ctx.api.store.lock:
            current = self.ctx.api.store.peek(
                PODS, pod["metadata"]["namespace"], pod["metadata"]["name"]
            )
            if (
                current is None
                or current["metadata"]["resourceVersion"] != pod["metadata"]["resourceVersion"]
            ):
                self.ctx.enqueue(
                    "scheduler", (pod["metadata"]["namespace"], pod["metadata"]["name"])
                )
                return
            # The binding subresource writes spec.nodeName and the condition together.
            self.ctx.api._commit(rtype, current, new, manager="kube-scheduler")

    def _unschedulable(self, pod: dict[str, Any], message: str) -> None:
        current = _scheduled_condition(pod)
        if (
            current is not None
            and current.get("status") == "False"
            and current.get("message") == message
        ):
            return
        status = copy.deepcopy(pod.get("status") or {})
        conditions = [c for c in status.get("conditions") or [] if c.get("type") != "PodScheduled"]
        conditions.append(
            {
                "type": "PodScheduled",
                "status": "False",
                "reason": "Unschedulable",
                "message": message,
                "lastTransitionTime": now_rfc3339(),
            }
        )
        status["conditions"] = conditions
        self.ctx.write_status(PODS, pod, status, manager="kube-scheduler")
        self.ctx.events.scheduling(pod, "Warning", "FailedScheduling", message)
