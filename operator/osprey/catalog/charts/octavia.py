"""Octavia: load balancers. It creates its management network in Neutron at bootstrap."""

from __future__ import annotations

from dataclasses import dataclass

from osprey.api.spec import ControlPlaneSpec
from osprey.catalog.charts._infra import SERVICE_BASE
from osprey.catalog.charts._service import Component, MultiComponentChart
from osprey.catalog.entry import Workload


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

    def other_workloads(self, spec: ControlPlaneSpec) -> tuple[Workload, ...]:
        return (Workload("DaemonSet", "octavia-health-manager-default"),)
