"""RabbitMQ: the message queue. Stateful: never uninstalled to recover."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from osprey.api.spec import ControlPlaneSpec, RabbitMQ
from osprey.catalog import credentials as keys
from osprey.catalog.entry import ChartEntry, ValuesContext, Workload
from osprey.catalog.values.shared import RABBITMQ_USER, storage_class

ERLANG_COOKIE = "rabbitmq-erlang-cookie"
GUEST_PASSWORD = "rabbitmq-guest-password"
# OpenStack-Helm's rabbitmq omits storageClassName (cluster default) for this class name.
CLUSTER_DEFAULT_CLASS = "default"


@dataclass(frozen=True)
class RabbitMQChart(ChartEntry):
    name: str = "rabbitmq"
    stateful: bool = True

    control_plane_labels = ("server", "prometheus_rabbitmq_exporter", "jobs", "test")
    own_credentials = (keys.RABBITMQ_ADMIN, ERLANG_COOKIE, GUEST_PASSWORD)

    def settings(self, spec: ControlPlaneSpec) -> RabbitMQ:
        return spec.infrastructure.rabbitmq

    def workloads(self, spec: ControlPlaneSpec) -> tuple[Workload, ...]:
        # The StatefulSet is named after the release: <release>-rabbitmq.
        return (Workload("StatefulSet", "rabbitmq-rabbitmq"),)

    def build(self, ctx: ValuesContext) -> dict[str, Any]:
        rabbitmq = self.settings(ctx.spec)
        auth = {
            "user": {"username": RABBITMQ_USER, "password": ctx.secret(keys.RABBITMQ_ADMIN)},
            "guest": {"password": ctx.secret(GUEST_PASSWORD)},
            "erlang_cookie": ctx.secret(ERLANG_COOKIE),
        }
        return {
            "pod": {"replicas": {"server": rabbitmq.replicas}},
            "volume": {
                "size": rabbitmq.storage.size,
                "class_name": storage_class(ctx.spec, rabbitmq.storage) or CLUSTER_DEFAULT_CLASS,
            },
            "endpoints": {"oslo_messaging": {"auth": auth}},
        }
