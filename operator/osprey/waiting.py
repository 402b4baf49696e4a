"""Why a workload waits, from its pods. Pure: a workload and its pods in, one short reason out.

Health (health.py) counts replicas; this says why one is missing, in Kubernetes' own words,
most telling first: a pod the scheduler cannot place (its message), a container waiting on
something that will not come by itself (ImagePullBackOff, CrashLoopBackOff with its restarts,
CreateContainerConfigError ...), an init container doing so, a container that ended in error,
a pod running but not ready. One pod is named, the first by name among the most telling, so the reason
changes only when a pod's reason does. A failed Job says its Failed condition. Only pod and
Job status is read, which holds no secret; every message is bounded.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from osprey.health import ReleaseHealth

Object = Mapping[str, Any]
Ref = tuple[str, str]  # (kind, name) of a workload

MESSAGE_LIMIT = 160
# Waiting reasons every container passes through while it starts: no news, the least telling.
STARTING = frozenset({"ContainerCreating", "PodInitializing"})
# Ranks, most telling first.
UNSCHEDULABLE, WAITING, INIT_WAITING, TERMINATED, NOT_READY = range(5)


def bounded(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """The first line of `text`, at most `limit` characters; a long list of reasons is cut
    after a whole item (`, `), not mid-word."""
    line = " ".join(text.strip().splitlines()[0].split()) if text.strip() else ""
    if len(line) <= limit:
        return line
    cut = line[: limit - 3]
    comma = cut.rfind(", ")
    return (cut[:comma] if comma > limit // 2 else cut.rstrip()) + "..."


def scheduler_message(message: str) -> str:
    """kube-scheduler's reasons without its preemption postscript (it repeats the node count
    and says why no pod could be evicted: beside the point of why this pod waits)."""
    reasons = message.split(" preemption:", 1)[0].strip()
    return bounded(reasons.rstrip("."))


def job_failure(job: Object) -> str:
    """`BackoffLimitExceeded: Job has reached the specified backoff limit` for a failed Job,
    else ""."""
    for cond in (job.get("status") or {}).get("conditions") or ():
        if cond.get("type") == "Failed" and cond.get("status") == "True":
            reason, message = cond.get("reason") or "", bounded(cond.get("message") or "")
            return ": ".join(p for p in (reason, message) if p) or "failed"
    return ""


def _condition(pod: Object, type_: str) -> Object | None:
    for cond in (pod.get("status") or {}).get("conditions") or ():
        if cond.get("type") == type_:
            return cond
    return None


def _ready(pod: Object) -> bool:
    ready = _condition(pod, "Ready")
    return ready is not None and ready.get("status") == "True"


def _exit(terminated: Object) -> str:
    """`Error (exit code 1)`, with the container's termination message when it left one."""
    reason = terminated.get("reason") or "terminated"
    text = f"{reason} (exit code {terminated.get('exitCode', '?')})"
    message = bounded(terminated.get("message") or "")
    return f"{text}: {message}" if message else text


def _failed(terminated: Object | None) -> bool:
    return bool(terminated) and terminated.get("exitCode", 0) != 0


def _container_reason(status: Object, label: str) -> tuple[int, str] | None:
    """(rank, text) of one container that is not running as it should, else None."""
    state, last = status.get("state") or {}, status.get("lastState") or {}
    name = status.get("name", "")
    waiting = state.get("waiting")
    if waiting and waiting.get("reason") not in STARTING:
        reason = waiting.get("reason") or "Waiting"
        if reason == "CrashLoopBackOff":
            # Kubelet's message names the back-off delay and the pod's uid; the last exit says
            # why, and changes only when the container does.
            restarts = status.get("restartCount", 0)
            text = f"{label} {name} CrashLoopBackOff (restarts {restarts})"
            terminated = last.get("terminated")
            return WAITING, f"{text}: last {_exit(terminated)}" if terminated else text
        message = bounded(waiting.get("message") or "")
        text = f"{label} {name} {reason}"
        return WAITING, f"{text}: {message}" if message else text
    terminated = state.get("terminated")
    if _failed(terminated):
        return TERMINATED, f"{label} {name} terminated: {_exit(terminated)}"
    if "running" in state and not status.get("ready") and _failed(last.get("terminated")):
        # Running again: OpenStack-Helm's pods often exit once while their database starts.
        return NOT_READY, f"{label} {name} restarted after {_exit(last['terminated'])}"
    return None


def pod_reason(pod: Object) -> tuple[int, str] | None:
    """(rank, text) of why one pod is not serving; None for a ready or finished pod, and for
    one only starting: every pod passes through that, and saying so would write status once
    more per pod while a control plane converges."""
    name = pod["metadata"]["name"]
    status = pod.get("status") or {}
    phase = status.get("phase")
    if phase == "Succeeded" or (phase == "Running" and _ready(pod)):
        return None
    scheduled = _condition(pod, "PodScheduled")
    if scheduled and scheduled.get("status") == "False":
        if scheduled.get("reason") == "Unschedulable":
            message = scheduler_message(scheduled.get("message") or "")
            return UNSCHEDULABLE, f"pod {name} unschedulable: {message}"
        return None  # not tried yet: the scheduler's verdict comes within moments
    found = []
    for status_ in status.get("containerStatuses") or ():
        if (reason := _container_reason(status_, "container")) is not None:
            found.append(reason)
    for status_ in status.get("initContainerStatuses") or ():
        if (reason := _container_reason(status_, "init container")) is not None:
            rank, text = reason
            found.append((INIT_WAITING if rank == WAITING else rank, text))
    if found:
        rank, text = min(found)
        return rank, f"pod {name}: {text}"
    if phase == "Pending":
        return None  # starting (ContainerCreating, PodInitializing): a moment's news
    if phase == "Failed" and status.get("reason"):  # Evicted: its replacement tells more
        message = bounded(status.get("message") or "")
        return NOT_READY, f"pod {name} {status['reason']}: {message}".rstrip(": ")
    return NOT_READY, f"pod {name} not ready"


def most_telling(workload: Object, pods: Iterable[Object]) -> tuple[int, str] | None:
    """(rank, reason) of the most telling among a workload's pods (the first by name among
    equals), or of a failed Job's condition; None when the pods say nothing."""
    if workload.get("kind") == "Job" and (failure := job_failure(workload)):
        return TERMINATED, f"failed: {failure}"
    reasons = [
        (rank, pod["metadata"]["name"], text)
        for pod in pods
        if not pod["metadata"].get("deletionTimestamp")
        and (found := pod_reason(pod)) is not None
        for rank, text in (found,)
    ]
    if not reasons:
        return None
    rank, _, text = min(reasons)
    return rank, text


def why_waiting(workload: Object, pods: Iterable[Object]) -> str:
    """The most telling reason among a workload's pods, or a failed Job's condition; ""
    when the pods say nothing."""
    found = most_telling(workload, pods)
    return found[1] if found else ""


def stuck(rank: int) -> bool:
    """A reason that will not go by itself (a pod not ready may just be warming up)."""
    return rank < NOT_READY


# --- selectors: which pods are a workload's ------------------------------------------------


def selector_of(workload: Object) -> Object | None:
    """The workload's label selector (a Job's is set by the API server), None without one."""
    selector = (workload.get("spec") or {}).get("selector")
    return selector if selector and (selector.get("matchLabels")
                                     or selector.get("matchExpressions")) else None


def selector_query(selector: Object) -> str:
    """A LabelSelector as the `labelSelector` query parameter the API server parses."""
    parts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expr in selector.get("matchExpressions") or ():
        key, op, values = expr["key"], expr["operator"], sorted(expr.get("values") or ())
        parts.append({
            "In": f"{key} in ({','.join(values)})",
            "NotIn": f"{key} notin ({','.join(values)})",
            "Exists": key,
            "DoesNotExist": f"!{key}",
        }[op])
    return ",".join(parts)


def selects(selector: Object, labels: Mapping[str, str]) -> bool:
    """Whether a LabelSelector matches these labels, as the API server decides it."""
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for expr in selector.get("matchExpressions") or ():
        key, op, values = expr["key"], expr["operator"], expr.get("values") or ()
        present = key in labels
        ok = {
            "In": present and labels.get(key) in values,
            "NotIn": not present or labels.get(key) not in values,
            "Exists": present,
            "DoesNotExist": not present,
        }[op]
        if not ok:
            return False
    return True


# --- what a pass asks about ----------------------------------------------------------------


def unready_workloads(
    health: Mapping[str, ReleaseHealth], live: Mapping[Ref, Object]
) -> dict[Ref, Object]:
    """Live workloads whose pods may say why they wait: not ready, not failed (a failed Job's
    condition says it), not being deleted, and with a selector. A converged control plane has
    none, so a pass over it reads no pod."""
    found: dict[Ref, Object] = {}
    for release_health in health.values():
        for state in release_health.workloads:
            obj = live.get((state.kind, state.name))
            if (state.ready or state.failed or obj is None
                    or obj["metadata"].get("deletionTimestamp") or selector_of(obj) is None):
                continue
            found[(state.kind, state.name)] = obj
    return found


def pods_by_workload(
    workloads: Mapping[Ref, Object], pods: Sequence[Object]
) -> dict[Ref, list[Object]]:
    """Each workload's pods among `pods`, by its selector."""
    return {
        ref: [p for p in pods
              if selects(selector_of(obj) or {}, p["metadata"].get("labels") or {})]
        for ref, obj in workloads.items()
    }


def explained(
    health: Mapping[str, ReleaseHealth], workloads: Mapping[Ref, Object],
    pods: Mapping[Ref, Sequence[Object]],
) -> dict[str, ReleaseHealth]:
    """Each release's health with the reason its pods give on the workloads that wait
    (`has 1/2 replicas ready: pod memcached-1 unschedulable: ...`)."""
    reasons = {ref: found for ref, obj in workloads.items()
               if (found := most_telling(obj, pods.get(ref, ()))) is not None}
    return {name: h.with_reasons({ref: (text, stuck(rank)) for ref, (rank, text)
                                  in reasons.items()})
            for name, h in health.items()}
