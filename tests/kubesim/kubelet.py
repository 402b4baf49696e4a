"""The kubelets: a bound Pod starts `workload_delay` after binding and turns Running and
Ready; a Pod that runs to completion (restartPolicy Never/OnFailure: Jobs, helm test pods)
ends Succeeded `job_delay` after binding, or Failed when its name, or its Job's, matches a
`fail_jobs` rule. A Pod with an image matching a `fail_images` rule stays Pending, that
container waiting in ImagePullBackOff. Also the pod garbage collector, which removes Pods of
deleted Nodes.
"""

from __future__ import annotations

import copy
import itertools
import json
import time
import uuid
from typing import TYPE_CHECKING, Any

from .cluster_index import PODS, controller_ref, is_terminal
from .timeutil import now_rfc3339

if TYPE_CHECKING:
    from .controllers import Controllers

_pod_ips = itertools.count(2)


def runs_to_completion(pod: dict[str, Any]) -> bool:
    return (pod.get("spec") or {}).get("restartPolicy", "Always") != "Always"


def _condition(kind: str, status: str, stamp: str, reason: str = "") -> dict[str, Any]:
    cond: dict[str, Any] = {"type": kind, "status": status, "lastTransitionTime": stamp}
    if reason:
        cond["reason"] = reason
    return cond


def _container_statuses(
    spec: dict[str, Any], state: dict[str, Any], ready: bool, restarts: int = 0
) -> list[dict[str, Any]]:
    return [
        {
            "name": c.get("name", ""),
            "image": c.get("image", ""),
            "imageID": "",
            "containerID": f"containerd://{uuid.uuid4().hex}",
            "ready": ready,
            "started": "running" in state,
            "restartCount": restarts,
            "state": copy.deepcopy(state),
            "lastState": {},
        }
        for c in spec.get("containers") or []
    ]


def started_status(
    pod: dict[str, Any], node: dict[str, Any] | None, *, outcome: str, restarts: int = 0
) -> dict[str, Any]:
    """The status a kubelet reports for a started pod: Running and Ready, or ended
    (`Succeeded` with exit code 0, `Failed` with exit code 1)."""
    spec, stamp = pod.get("spec") or {}, now_rfc3339()
    host_ip = next(
        (
            a["address"]
            for a in ((node or {}).get("status") or {}).get("addresses") or []
            if a.get("type") == "InternalIP"
        ),
        "172.18.0.2",
    )
    n = next(_pod_ips)
    pod_ip = f"10.244.{n // 250}.{n % 250 + 1}"
    running = outcome == "Running"
    if running:
        state = {"running": {"startedAt": stamp}}
    else:
        code = 0 if outcome == "Succeeded" else 1
        state = {
            "terminated": {
                "exitCode": code,
                "reason": "Completed" if code == 0 else "Error",
                "startedAt": stamp,
                "finishedAt": stamp,
                "containerID": f"containerd://{uuid.uuid4().hex}",
            }
        }
    ready = "True" if running else "False"
    not_ready_reason = "" if running else "PodCompleted"
    status: dict[str, Any] = {
        "phase": outcome,
        "conditions": [
            _condition("PodReadyToStartContainers", "True" if running else "False", stamp),
            _condition("Initialized", "True", stamp, not_ready_reason),
            _condition("Ready", ready, stamp, not_ready_reason),
            _condition("ContainersReady", ready, stamp, not_ready_reason),
            _condition("PodScheduled", "True", stamp),
        ],
        "hostIP": host_ip,
        "hostIPs": [{"ip": host_ip}],
        "podIP": pod_ip,
        "podIPs": [{"ip": pod_ip}],
        "startTime": stamp,
        "containerStatuses": _container_statuses(spec, state, running, restarts),
        "qosClass": (pod.get("status") or {}).get("qosClass", "BestEffort"),
    }
    if spec.get("initContainers"):
        status["initContainerStatuses"] = _container_statuses(
            {"containers": spec["initContainers"]},
            {
                "terminated": {
                    "exitCode": 0,
                    "reason": "Completed",
                    "startedAt": stamp,
                    "finishedAt": stamp,
                }
            },
            False,
        )
    return status


def _waiting_status(name: str, image: str, reason: str, message: str = "") -> dict[str, Any]:
    waiting = {"reason": reason, **({"message": message} if message else {})}
    return {"name": name, "image": image, "imageID": "", "ready": False, "started": False,
            "restartCount": 0, "state": {"waiting": waiting}, "lastState": {}}


def image_pull_status(pod: dict[str, Any], cannot_pull: Any) -> dict[str, Any] | None:
    """The kubelet's status of a Pod an image of which cannot be pulled (kubelet's words:
    `ImagePullBackOff`, `Back-off pulling image "<image>"`), or None when every image pulls.
    Init containers run first: while one cannot start, the others wait in PodInitializing."""
    spec = pod.get("spec") or {}
    init, containers = spec.get("initContainers") or [], spec.get("containers") or []
    blocked_init = [c for c in init if cannot_pull(c.get("image", ""))]
    blocked = [c for c in containers if cannot_pull(c.get("image", ""))]
    if not blocked_init and not blocked:
        return None

    def back_off(c: dict[str, Any]) -> dict[str, Any]:
        image = c.get("image", "")
        return _waiting_status(c.get("name", ""), image, "ImagePullBackOff",
                               f"Back-off pulling image {json.dumps(image)}")

    stamp = now_rfc3339()
    names = ", ".join(c.get("name", "") for c in containers)
    conditions = [
        _condition("PodReadyToStartContainers", "True", stamp),
        _condition("Initialized", "True", stamp),
        {**_condition("Ready", "False", stamp, "ContainersNotReady"),
         "message": f"containers with unready status: [{names}]"},
        {**_condition("ContainersReady", "False", stamp, "ContainersNotReady"),
         "message": f"containers with unready status: [{names}]"},
        _condition("PodScheduled", "True", stamp),
    ]
    status: dict[str, Any] = {"phase": "Pending", "conditions": conditions,
                              "qosClass": (pod.get("status") or {}).get("qosClass",
                                                                        "BestEffort")}
    if blocked_init:
        waiting = ", ".join(c.get("name", "") for c in blocked_init)
        conditions[1] = {**_condition("Initialized", "False", stamp, "ContainersNotInitialized"),
                         "message": f"containers with incomplete status: [{waiting}]"}
        status["initContainerStatuses"] = [
            back_off(c) if c in blocked_init
            else _waiting_status(c.get("name", ""), c.get("image", ""), "PodInitializing")
            for c in init]
        status["containerStatuses"] = [
            _waiting_status(c.get("name", ""), c.get("image", ""), "PodInitializing")
            for c in containers]
    else:
        status["containerStatuses"] = [
            back_off(c) if c in blocked
            else _waiting_status(c.get("name", ""), c.get("image", ""), "ContainerCreating")
            for c in containers]
    return status


class Kubelet:
    def __init__(self, ctx: Controllers) -> None:
        self.ctx = ctx
        self._bound_at: dict[str, float] = {}

    def forget(self, pod: dict[str, Any]) -> None:
        self._bound_at.pop(pod["metadata"].get("uid", ""), None)

    def _should_fail(self, pod: dict[str, Any]) -> bool:
        owner = controller_ref(pod)
        names = [pod["metadata"]["name"]]
        if owner is not None and owner.get("kind") == "Job":
            names.append(owner["name"])
        return any(self.ctx.faults.job_should_fail(n) for n in names)

    def reconcile(self, ns: str, name: str) -> None:
        pod = self.ctx.index.pod(ns, name)
        if pod is None or pod["metadata"].get("deletionTimestamp") or is_terminal(pod):
            return
        node_name = (pod.get("spec") or {}).get("nodeName")
        if not node_name or (pod.get("status") or {}).get("phase") != "Pending":
            return
        uid = pod["metadata"]["uid"]
        bound_at = self._bound_at.setdefault(uid, time.monotonic())
        completes = runs_to_completion(pod)
        delay = self.ctx.job_delay if completes else self.ctx.workload_delay
        remaining = bound_at + delay - time.monotonic()
        if remaining > 0:
            self.ctx.enqueue_later(remaining + 0.001, "kubelet", (ns, name))
            return
        pulling = image_pull_status(pod, self.ctx.faults.image_should_fail)
        if pulling is not None:
            self.ctx.write_status(PODS, pod, pulling, manager="kubelet")
            return
        outcome, restarts = "Running", 0
        if completes:
            outcome = "Failed" if self._should_fail(pod) else "Succeeded"
            if outcome == "Failed" and pod["spec"].get("restartPolicy") == "OnFailure":
                restarts = self._backoff_limit(pod)
        status = started_status(
            pod, self.ctx.index.nodes.get(node_name), outcome=outcome, restarts=restarts
        )
        self.ctx.write_status(PODS, pod, status, manager="kubelet")

    def _backoff_limit(self, pod: dict[str, Any]) -> int:
        """A failing OnFailure pod restarts in place until its Job gives up."""
        owner = controller_ref(pod)
        if owner is None or owner.get("kind") != "Job":
            return 0
        job = self.ctx.api.store.peek(
            ("batch", "jobs"), pod["metadata"]["namespace"], owner["name"]
        )
        return int(((job or {}).get("spec") or {}).get("backoffLimit", 6))


class PodGarbageCollector:
    """Pods bound to a Node that no longer exists are deleted (kube's pod GC)."""

    def __init__(self, ctx: Controllers) -> None:
        self.ctx = ctx

    def reconcile(self, _: str, node: str) -> None:
        if node in self.ctx.index.nodes:
            return
        for pod in list(self.ctx.index.objects[PODS].values()):
            if (pod.get("spec") or {}).get("nodeName") == node:
                self.ctx.delete(PODS, pod)
