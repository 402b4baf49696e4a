"""The Job that gives a service's database user its new password. Pure.

It runs as the MariaDB root with the image of the service's own db-init Job (OpenStack-Helm's
heat image: Python with PyMySQL), and reads both passwords from Secrets (secretKeyRef), so no
password is in the Job's spec. `ALTER USER` changes the password of an existing user, which
OpenStack-Helm's db-init (`CREATE USER IF NOT EXISTS`) never does.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from osprey.catalog import credentials as keys

DEFAULT_DATABASE_HOST = "mariadb"  # OpenStack-Helm's endpoints.oslo_db.hosts.default
DATABASE_PORT = 3306
ROTATION_LABEL = "osprey.dev/rotation"

# The user name and the password travel as query parameters: PyMySQL quotes them.
SCRIPT = """\
import os, pymysql
connection = pymysql.connect(host=os.environ["DB_HOST"], port=int(os.environ["DB_PORT"]),
                             user="root", password=os.environ["ROOT_PASSWORD"])
with connection.cursor() as cursor:
    cursor.execute("ALTER USER %s@'%%' IDENTIFIED BY %s",
                   (os.environ["DB_USER"], os.environ["NEW_PASSWORD"]))
    cursor.execute("FLUSH PRIVILEGES")
connection.close()
"""


def rotation_secret_name(control_plane: str) -> str:
    return f"{control_plane}-rotation"


def job_name(service: str, token: str, attempt: int) -> str:
    digest = hashlib.sha256(token.encode()).hexdigest()[:8]
    return f"{service}-db-password-rotate-{digest}-{attempt}"


def database_job(
    *,
    control_plane: str,
    service: str,
    user: str,
    token: str,
    attempt: int,
    image: str,
    host: str,
    node_selector: Mapping[str, str],
    pull_secrets: Sequence[str] = (),
) -> dict[str, Any]:
    """The Job manifest; `user` is the chart's database user (its key in the Secrets). It pulls
    its image with the release's `pull_secrets`, as the release's own pods do."""
    labels = {ROTATION_LABEL: service, "app.kubernetes.io/managed-by": "osprey",
              "application": service, "component": "db-password-rotate"}
    env = [
        {"name": "DB_HOST", "value": host},
        {"name": "DB_PORT", "value": str(DATABASE_PORT)},
        {"name": "DB_USER", "value": user},
        {"name": "ROOT_PASSWORD", "valueFrom": {"secretKeyRef": {
            "name": f"{control_plane}-credentials", "key": keys.MARIADB_ROOT}}},
        {"name": "NEW_PASSWORD", "valueFrom": {"secretKeyRef": {
            "name": rotation_secret_name(control_plane), "key": keys.database_password(user)}}},
    ]
    pod: dict[str, Any] = {
        "restartPolicy": "OnFailure",
        "containers": [{"name": "db-password-rotate", "image": image,
                        "command": ["python3", "-c", SCRIPT], "env": env}],
    }
    if node_selector:
        pod["nodeSelector"] = dict(node_selector)
    if pull_secrets:
        pod["imagePullSecrets"] = [{"name": name} for name in pull_secrets]
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": job_name(service, token, attempt), "labels": labels},
        "spec": {"backoffLimit": 3, "template": {"metadata": {"labels": labels}, "spec": pod}},
    }


def job_state(job: Mapping[str, Any] | None) -> tuple[str, str]:
    """(absent | running | complete | failed, the failure's message)."""
    if job is None:
        return "absent", ""
    for cond in (job.get("status") or {}).get("conditions") or []:
        if cond.get("status") != "True":
            continue
        if cond.get("type") == "Complete":
            return "complete", ""
        if cond.get("type") == "Failed":
            return "failed", cond.get("message") or cond.get("reason") or "Failed"
    return "running", ""
