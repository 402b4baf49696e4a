"""Octavia: load balancers. It creates its management network in Neutron at bootstrap.

From the 2025.2 charts on, the worker is a DaemonSet and a driver agent Deployment exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from osprey.api.spec import ControlPlaneSpec
from osprey.catalog.charts._infra import SERVICE_BASE
from osprey.catalog.charts._service import Component, MultiComponentChart
from osprey.catalog.entry import ValuesContext, Workload

WORKER_DAEMONSET_SINCE = (2025, 2)


@dataclass(frozen=True)
class OctaviaChart(MultiComponentChart):
    name: str = "octavia"
    ready_before: tuple[str, ...] = SERVICE_BASE + ("neutron",)

    api = Workload("Deployment", "octavia-api")
    components = (
        Component("api", "api", api),
        Component("worker", "worker", Workload("Deployment", "octavia-worker")),
        Component("housekeeping", "housekeeping", Workload("Deployment", "octavia-housekeeping")),
    )
    control_plane_labels = ("api", "worker", "housekeeping", "health_manager", "job")
    public_endpoints = ("identity", "load_balancer", "network")
    keystone_users = ("octavia",)
    database_user = "octavia"
    messaging_user = "octavia"
    uses_memcache_secret = True

    def workloads(self, spec: ControlPlaneSpec) -> tuple[Workload, ...]:
        health_manager = Workload("DaemonSet", "octavia-health-manager-default")
        if self.chart_series(spec) < WORKER_DAEMONSET_SINCE:
            return super().workloads(spec) + (health_manager,)
        return (
            self.api,
            Workload("Deployment", "octavia-housekeeping"),
            Workload("Deployment", "octavia-driver-agent"),
            Workload("DaemonSet", "octavia-worker-default"),
            health_manager,
        )

    def extra(self, ctx: ValuesContext) -> dict[str, Any]:
        # The 2025.2 chart runs db-init as a hook only with helm3_hook set, like its peers.
        return {"helm3_hook": True}
