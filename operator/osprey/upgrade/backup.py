"""The MariaDB backup an upgrade takes before the first database migration.

OpenStack-Helm's mariadb chart renders a `mariadb-backup` CronJob (manifests.
cron_job_mariadb_backup, which Osprey turns on); a backup is a Job made from its jobTemplate,
as `kubectl create job --from=cronjob/mariadb-backup` makes it. One Job per upgrade, named
after it, so a pass never takes the backup twice and status can name it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from osprey.kube import Kube, KubeError, resource
from osprey.upgrade.progress import Backup, BackupState

CRONJOB_NAME = "mariadb-backup"
JOB = resource("Job")
CRONJOB = resource("CronJob")


def job_state(job: Mapping[str, Any]) -> tuple[Backup, str]:
    """Complete, failed or still running, from the Job's conditions."""
    for cond in job.get("status", {}).get("conditions") or ():
        if cond.get("status") != "True":
            continue
        if cond.get("type") == "Complete":
            return Backup.complete, ""
        if cond.get("type") == "Failed":
            name = job["metadata"]["name"]
            return Backup.failed, (
                f"MariaDB backup Job {name} failed ({cond.get('reason', 'Failed')}: "
                f"{cond.get('message', '')}); no migration runs without a backup: fix the "
                f"cause and delete Job {name} to take it again")
    return Backup.running, ""


def backup_job(cronjob: Mapping[str, Any], name: str) -> dict[str, Any]:
    """A Job from the CronJob's template, owned by it, as kubectl creates one by hand."""
    template = cronjob["spec"]["jobTemplate"]
    meta = template.get("metadata") or {}
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": name,
            "labels": dict(meta.get("labels") or {}),
            "annotations": {**(meta.get("annotations") or {}),
                            "cronjob.kubernetes.io/instantiate": "manual"},
            "ownerReferences": [{
                "apiVersion": "batch/v1", "kind": "CronJob",
                "name": cronjob["metadata"]["name"], "uid": cronjob["metadata"]["uid"],
                "controller": True, "blockOwnerDeletion": True,
            }],
        },
        "spec": template["spec"],
    }


async def read_backup(kube: Kube, namespace: str, name: str) -> BackupState:
    job = await kube.get(JOB, namespace, name)
    if job is None:
        return BackupState(name, Backup.absent)
    state, message = job_state(job)
    return BackupState(name, state, message)


async def take_backup(kube: Kube, namespace: str, name: str) -> BackupState:
    """Start the backup Job (one already there is kept)."""
    cronjob = await kube.get(CRONJOB, namespace, CRONJOB_NAME)
    if cronjob is None:
        return BackupState(name, Backup.unavailable, (
            f"no CronJob {CRONJOB_NAME} to take the MariaDB backup from (the mariadb "
            "release renders it with manifests.cron_job_mariadb_backup)"))
    try:
        await kube.create(JOB, namespace, backup_job(cronjob, name))
    except KubeError as exc:
        if exc.status != 409:
            raise
    return BackupState(name, Backup.running)
