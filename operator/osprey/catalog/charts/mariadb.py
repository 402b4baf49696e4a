"""MariaDB: the database of every service. Stateful: never uninstalled to recover."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from osprey.api.spec import ControlPlaneSpec, MariaDB
from osprey.catalog import credentials as keys
from osprey.catalog.entry import ChartEntry, Claim, ValuesContext, Workload
from osprey.catalog.values.shared import MARIADB_ROOT_USER, storage_class

SST_PASSWORD = "mariadb-sst-password"
AUDIT_PASSWORD = "mariadb-audit-password"
EXPORTER_PASSWORD = "mariadb-exporter-password"
# OpenStack-Helm's mariadb omits storageClassName (cluster default) for this class name.
CLUSTER_DEFAULT_CLASS = "default"
BACKUP_CLAIM = "mariadb-backup-data"


@dataclass(frozen=True)
class MariaDBChart(ChartEntry):
    name: str = "mariadb"
    stateful: bool = True

    renders_shared = True  # the CRDs of its database controller (charts after 2026.1.0)
    control_plane_labels = ("server", "controller", "prometheus_mysql_exporter", "job", "test")
    own_credentials = (keys.MARIADB_ROOT, SST_PASSWORD, AUDIT_PASSWORD, EXPORTER_PASSWORD)

    def settings(self, spec: ControlPlaneSpec) -> MariaDB:
        return spec.infrastructure.mariadb

    def workloads(self, spec: ControlPlaneSpec) -> tuple[Workload, ...]:
        return (
            Workload("Deployment", "mariadb-controller"),
            Workload("StatefulSet", "mariadb-server"),
        )

    def claims(self, spec: ControlPlaneSpec) -> tuple[Claim, ...]:
        """The backup claim (the data claims come from the StatefulSet's template)."""
        storage = self.settings(spec).storage
        field = ("spec.infrastructure.mariadb.storage.storageClass" if storage.storageClass
                 else "spec.storageClass")
        return (Claim(BACKUP_CLAIM, storage_class(spec, storage), field),)

    def build(self, ctx: ValuesContext) -> dict[str, Any]:
        mariadb = self.settings(ctx.spec)
        auth = {
            "admin": {"username": MARIADB_ROOT_USER, "password": ctx.secret(keys.MARIADB_ROOT)},
            "sst": {"password": ctx.secret(SST_PASSWORD)},
            "audit": {"password": ctx.secret(AUDIT_PASSWORD)},
            "exporter": {"password": ctx.secret(EXPORTER_PASSWORD)},
        }
        class_name = storage_class(ctx.spec, mariadb.storage) or CLUSTER_DEFAULT_CLASS
        return {
            "pod": {"replicas": {"server": mariadb.replicas}},
            "volume": {
                "size": mariadb.storage.size,
                "class_name": class_name,
                # Backups land on a claim of their own, as large as the data. The chart
                # always writes its storageClassName; null leaves it empty: cluster default.
                "backup": {"enabled": True, "size": mariadb.storage.size,
                           "class_name": storage_class(ctx.spec, mariadb.storage)},
            },
            "endpoints": {"oslo_db": {"auth": auth}},
            # The backup CronJob an upgrade takes its backup from (osprey.upgrade.backup);
            # local backups only.
            "conf": {"backup": {"enabled": True}},
            "manifests": {"cron_job_mariadb_backup": True, "pvc_backup": True,
                          "secret_backup_restore": True},
        }
