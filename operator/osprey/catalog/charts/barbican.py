"""Barbican: the key manager."""

from __future__ import annotations

from dataclasses import dataclass

from osprey.catalog.charts._service import SingleApiChart
from osprey.catalog.entry import Workload


@dataclass(frozen=True)
class BarbicanChart(SingleApiChart):
    name: str = "barbican"

    api = Workload("Deployment", "barbican-api")
    control_plane_labels = ("api", "job", "test")
    public_endpoints = ("identity", "key_manager")
    keystone_users = ("barbican",)
    database_user = "barbican"
    messaging_user = "barbican"
    uses_memcache_secret = True
