"""Heat: orchestration, with its CloudFormation-compatible API."""

from __future__ import annotations

from dataclasses import dataclass

from osprey.catalog.charts._service import Component, MultiComponentChart
from osprey.catalog.entry import Workload


@dataclass(frozen=True)
class HeatChart(MultiComponentChart):
    name: str = "heat"

    api = Workload("Deployment", "heat-api")
    components = (
        Component("api", "api", api),
        Component("cfn", "cfn", Workload("Deployment", "heat-cfn")),
        Component("engine", "engine", Workload("Deployment", "heat-engine")),
    )
    control_plane_labels = ("api", "cfn", "engine", "job", "test")
    public_endpoints = ("identity", "orchestration", "cloudformation")
    keystone_users = ("heat", "heat_trustee", "heat_stack_user")
    database_user = "heat"
    messaging_user = "heat"
    uses_memcache_secret = True
