"""The Job that gives a service's database user its new password. Pure.

It runs as the MariaDB root with the image of the service's own db-init Job (OpenStack-Helm's
heat image: Python with PyMySQL), and reads both passwords from Secrets (secretKeyRef), so no
password is in the Job's spec. `ALTER USER` changes the password of an existing user, which
OpenStack-Helm's db-init (`CREATE USER IF NOT EXISTS`) never does. Under internal TLS MariaDB
requires a client certificate of every account, root included (`REQUIRE X509`): the Job then
mounts the one the release's own db-init uses, where OpenStack-Helm mounts it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from typing import Any

from osprey.catalog import credentials as keys
from osprey.catalog.values.internal_tls import MARIADB_SECRET
from osprey.recovery import value_at

DEFAULT_DATABASE_HOST = "mariadb"  # OpenStack-Helm's endpoints.oslo_db.hosts.default
DATABASE_PORT = 3306
ROTATION_LABEL = "osprey.dev/rotation"
CERTS = "/etc/mysql/certs"
DEFAULT_TLS_SECRET = "mariadb-tls-direct"  # OpenStack-Helm's oslo_db tls.internal default  # helm-toolkit's db-init: ca.crt, tls.crt, tls.key

# The user name and the password travel as query parameters: PyMySQL quotes them.
SCRIPT = """\
import os, pymysql
certs = os.environ.get("DB_CERTS")
ssl = {"ca": certs + "/ca.crt", "cert": certs + "/tls.crt", "key": certs + "/tls.key"} \
    if certs else None
connection = pymysql.connect(host=os.environ["DB_HOST"], port=int(os.environ["DB_PORT"]),
                             user="root", password=os.environ["ROOT_PASSWORD"], ssl=ssl)
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
    tls_secret: str | None = None,
) -> dict[str, Any]:
    """The Job manifest; `user` is the chart's database user (its key in the Secrets). It pulls
    its image with the release's `pull_secrets`, as the release's own pods do, and connects
    with the client certificate of `tls_secret` when the release's database connection does."""
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
    container: dict[str, Any] = {"name": "db-password-rotate", "image": image,
                                 "command": ["python3", "-c", SCRIPT], "env": env}
    pod: dict[str, Any] = {"restartPolicy": "OnFailure", "containers": [container]}
    if tls_secret:
        env.append({"name": "DB_CERTS", "value": CERTS})
        container["volumeMounts"] = [{"name": "db-certs", "mountPath": CERTS, "readOnly": True}]
        pod["volumes"] = [{"name": "db-certs", "secret": {"secretName": tls_secret,
                                                          "defaultMode": 0o444}}]
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


def database_tls_secret(values: Mapping[str, Any]) -> str | None:
    """The client certificate Secret a release's database connection uses: OpenStack-Helm's
    `endpoints.oslo_db.auth.admin.secret.tls.internal` under `manifests.certificates`."""
    if value_at(values, ("manifests", "certificates")) is not True:
        return None
    secret = value_at(values, ("endpoints", "oslo_db", "auth", "admin", "secret", "tls",
                               "internal"))
    return secret if isinstance(secret, str) and secret else MARIADB_SECRET


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
