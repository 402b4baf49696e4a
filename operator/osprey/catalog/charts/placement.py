"""Placement: the resource inventory nova schedules against."""

from __future__ import annotations

from dataclasses import dataclass

from osprey.catalog.charts._service import SingleApiChart
from osprey.catalog.entry import Workload


@dataclass(frozen=True)
class PlacementChart(SingleApiChart):
    name: str = "placement"
    ready_before: tuple[str, ...] = ("mariadb", "memcached", "keystone")

    api = Workload("Deployment", "placement-api")
    control_plane_labels = ("api", "job")
    public_endpoints = ("identity", "placement")
    keystone_users = ("placement",)
    database_user = "placement"
    uses_memcache_secret = True
