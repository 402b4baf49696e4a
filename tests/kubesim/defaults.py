"""Server-side defaults of the workload kinds and Pods (k8s.io/kubernetes pkg/apis/apps/v1,
batch/v1 and core/v1 defaults.go), plus the Job selector the Job registry generates.

Defaulting runs on every write, as it does when kube-apiserver decodes a request, so fields
a client drops come back; what the registry adds on create (Job selectors, Pod admission)
runs on create only.
"""

from __future__ import annotations

from typing import Any

from . import podspec

StoreKey = tuple[str, str]
DEPLOYMENTS = ("apps", "deployments")
STATEFULSETS = ("apps", "statefulsets")
DAEMONSETS = ("apps", "daemonsets")
REPLICASETS = ("apps", "replicasets")
JOBS = ("batch", "jobs")
CRONJOBS = ("batch", "cronjobs")
PODS = ("", "pods")
WORKLOADS = {DEPLOYMENTS, STATEFULSETS, DAEMONSETS, REPLICASETS, JOBS, CRONJOBS, PODS}

JOB_NAME_LABELS = ("job-name", "batch.kubernetes.io/job-name")
CONTROLLER_UID_LABELS = ("controller-uid", "batch.kubernetes.io/controller-uid")


def _rolling(spec: dict[str, Any], field: str, defaults: dict[str, Any]) -> None:
    """Fill a rollout strategy field by field, as Go defaulting does after apply removals."""
    strategy = spec.setdefault(field, {})
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling = strategy.setdefault("rollingUpdate", {})
        for key, value in defaults.items():
            rolling.setdefault(key, value)


def _claim_templates(spec: dict[str, Any]) -> None:
    """StatefulSet volumeClaimTemplates are PVCs: typed and defaulted like one."""
    for claim in spec.get("volumeClaimTemplates") or []:
        if not isinstance(claim, dict):
            continue
        claim.setdefault("apiVersion", "v1")
        claim.setdefault("kind", "PersistentVolumeClaim")
        if isinstance(claim.get("spec"), dict):
            claim["spec"].setdefault("volumeMode", "Filesystem")
        claim.setdefault("status", {}).setdefault("phase", "Pending")


def _job_spec(obj: dict[str, Any], spec: dict[str, Any]) -> None:
    if "completions" not in spec and "parallelism" not in spec:
        spec["completions"] = 1
    spec.setdefault("parallelism", 1)
    spec.setdefault("backoffLimit", 6)
    spec.setdefault("completionMode", "NonIndexed")
    spec.setdefault("suspend", False)
    spec.setdefault(
        "podReplacementPolicy", "Failed" if spec.get("podFailurePolicy") else "TerminatingOrFailed"
    )
    labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels")
    if labels and not obj["metadata"].get("labels"):
        obj["metadata"]["labels"] = dict(labels)


def generate_job_selector(job: dict[str, Any]) -> None:
    """The Job registry's generateSelector: pods of this Job, and only them, carry its uid."""
    spec = job["spec"]
    if spec.get("manualSelector"):
        return
    meta = job["metadata"]
    template = spec.setdefault("template", {})
    labels = template.setdefault("metadata", {}).setdefault("labels", {})
    for key in JOB_NAME_LABELS:
        labels.setdefault(key, meta["name"])
    for key in CONTROLLER_UID_LABELS:
        labels.setdefault(key, meta["uid"])
    selector = spec.get("selector") or {}
    spec["selector"] = selector
    selector.setdefault("matchLabels", {}).setdefault(CONTROLLER_UID_LABELS[1], meta["uid"])


def default_workload(key: StoreKey, obj: dict[str, Any], *, creating: bool) -> None:
    if key == PODS:
        podspec.default_pod(obj, creating=creating)
        return
    spec = obj.setdefault("spec", {})
    if key in (DEPLOYMENTS, STATEFULSETS, REPLICASETS):
        spec.setdefault("replicas", 1)
    if key in (DEPLOYMENTS, STATEFULSETS, DAEMONSETS):
        spec.setdefault("revisionHistoryLimit", 10)
    if key == DEPLOYMENTS:
        _rolling(spec, "strategy", {"maxUnavailable": "25%", "maxSurge": "25%"})
        spec.setdefault("progressDeadlineSeconds", 600)
    elif key == STATEFULSETS:
        spec.setdefault("podManagementPolicy", "OrderedReady")
        _rolling(spec, "updateStrategy", {"partition": 0})
        policy = spec.setdefault("persistentVolumeClaimRetentionPolicy", {})
        policy.setdefault("whenDeleted", "Retain")
        policy.setdefault("whenScaled", "Retain")
        _claim_templates(spec)
    elif key == DAEMONSETS:
        _rolling(spec, "updateStrategy", {"maxUnavailable": 1, "maxSurge": 0})
    elif key == JOBS:
        _job_spec(obj, spec)
        if creating:
            generate_job_selector(obj)
    elif key == CRONJOBS:
        spec.setdefault("concurrencyPolicy", "Allow")
        spec.setdefault("suspend", False)
        spec.setdefault("successfulJobsHistoryLimit", 3)
        spec.setdefault("failedJobsHistoryLimit", 1)
        podspec.default_template(
            ((spec.get("jobTemplate") or {}).get("spec") or {}).get("template")
        )
        return
    podspec.default_template(spec.get("template"))
