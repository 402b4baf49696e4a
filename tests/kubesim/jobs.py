"""The Job controller: Pods `<job>-<random>` (`<job>-<index>-<random>` when Indexed), up to
`parallelism` at a time until `completions` succeed; Complete, or Failed when a Pod fails
(a failing Pod stands for every retry: the simulator does not re-run Pods up to the backoff
limit, it reports the limit as reached at once)."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from .cluster_index import PODS, is_ready
from .pods import from_template
from .timeutil import now_rfc3339

if TYPE_CHECKING:
    from .controllers import Controllers

JOBS = ("batch", "jobs")
INDEX_ANNOTATION = "batch.kubernetes.io/job-completion-index"
INDEX_LABEL = "batch.kubernetes.io/job-completion-index"
COMPLETED = "Reached expected number of succeeded pods"
BACKOFF = "Job has reached the specified backoff limit"


def _phase(pod: dict[str, Any]) -> str:
    return (pod.get("status") or {}).get("phase", "Pending")


def _condition(kind: str, reason: str, message: str, stamp: str) -> dict[str, Any]:
    return {
        "type": kind,
        "status": "True",
        "reason": reason,
        "message": message,
        "lastProbeTime": stamp,
        "lastTransitionTime": stamp,
    }


def finished(job: dict[str, Any]) -> bool:
    return any(
        c.get("type") in ("Complete", "Failed") and c.get("status") == "True"
        for c in (job.get("status") or {}).get("conditions") or []
    )


class Jobs:
    def __init__(self, ctx: Controllers) -> None:
        self.ctx = ctx

    def reconcile(self, ns: str, name: str) -> None:
        job = self.ctx.api.store.peek(JOBS, ns, name)
        if (
            job is None
            or job["metadata"].get("deletionTimestamp")
            or self.ctx.index.terminating(ns)
        ):
            return
        if finished(job):
            return
        spec = job["spec"]
        pods = self.ctx.index.owned(job["metadata"]["uid"], PODS)
        if not spec.get("suspend"):
            self._start_pods(job, pods)
            pods = self.ctx.index.owned(job["metadata"]["uid"], PODS)
        self._write_status(job, pods)

    def _start_pods(self, job: dict[str, Any], pods: list[dict[str, Any]]) -> None:
        spec = job["spec"]
        if any(_phase(p) == "Failed" for p in pods):
            return
        running = [p for p in pods if _phase(p) not in ("Succeeded", "Failed")]
        succeeded = [p for p in pods if _phase(p) == "Succeeded"]
        completions = spec.get("completions")
        remaining = (completions - len(succeeded) - len(running)) if completions else 0
        if completions is None:
            # Work-queue Jobs: parallel Pods until one succeeds.
            remaining = 0 if succeeded else spec.get("parallelism", 1) - len(running)
        slots = min(spec.get("parallelism", 1) - len(running), remaining)
        indexed = spec.get("completionMode") == "Indexed"
        taken = {
            (p["metadata"].get("annotations") or {}).get(INDEX_ANNOTATION)
            for p in running + succeeded
        }
        free = [str(i) for i in range(completions or 0) if str(i) not in taken]
        for slot in range(max(slots, 0)):
            labels: dict[str, str] = {}
            annotations: dict[str, str] = {}
            if indexed and slot < len(free):
                labels[INDEX_LABEL] = annotations[INDEX_ANNOTATION] = free[slot]
            pod = from_template(job, spec["template"], labels=labels, annotations=annotations)
            if indexed and slot < len(free):
                pod["metadata"]["generateName"] = f"{job['metadata']['name']}-{free[slot]}-"
            created = self.ctx.create(PODS, job["metadata"]["namespace"], pod)
            self.ctx.events.record(
                job,
                "Normal",
                "SuccessfulCreate",
                f"Created pod: {created['metadata']['name']}",
                component="job-controller",
            )

    def _write_status(self, job: dict[str, Any], pods: list[dict[str, Any]]) -> None:
        spec, stamp = job["spec"], now_rfc3339()
        status = copy.deepcopy(job.get("status") or {})
        active = [
            p
            for p in pods
            if _phase(p) not in ("Succeeded", "Failed")
            and not p["metadata"].get("deletionTimestamp")
        ]
        succeeded = sum(1 for p in pods if _phase(p) == "Succeeded")
        failed = [p for p in pods if _phase(p) == "Failed"]
        if pods and "startTime" not in status:
            status["startTime"] = stamp
        status.update(
            {
                "active": len(active),
                "ready": sum(1 for p in active if is_ready(p)),
                "terminating": 0,
                "uncountedTerminatedPods": {},
            }
        )
        if not status["active"]:
            status.pop("active")
        if succeeded:
            status["succeeded"] = succeeded
        completions = spec.get("completions")
        event = None
        if failed:
            never = (spec.get("template") or {}).get("spec", {}).get("restartPolicy") == "Never"
            status["failed"] = spec.get("backoffLimit", 6) + 1 if never else len(failed)
            status["conditions"] = [
                _condition("FailureTarget", "BackoffLimitExceeded", BACKOFF, stamp),
                _condition("Failed", "BackoffLimitExceeded", BACKOFF, stamp),
            ]
            event = ("Warning", "BackoffLimitExceeded", BACKOFF)
        elif succeeded and (completions is None or succeeded >= completions) and not active:
            status["completionTime"] = stamp
            status["conditions"] = [
                _condition("SuccessCriteriaMet", "CompletionsReached", COMPLETED, stamp),
                _condition("Complete", "CompletionsReached", COMPLETED, stamp),
            ]
            event = ("Normal", "Completed", "Job completed")
        if spec.get("completionMode") == "Indexed" and succeeded:
            done = sorted(
                int((p["metadata"].get("annotations") or {}).get(INDEX_ANNOTATION, 0))
                for p in pods
                if _phase(p) == "Succeeded"
            )
            status["completedIndexes"] = ",".join(str(i) for i in done)
        self.ctx.write_status(JOBS, job, status)
        if event is not None:
            self.ctx.events.record(job, event[0], event[1], event[2], component="job-controller")
