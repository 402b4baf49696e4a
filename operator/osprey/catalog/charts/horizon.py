"""Horizon: the dashboard. Its only pod group is `server`."""

from __future__ import annotations

from dataclasses import dataclass

from osprey.catalog.charts._service import SingleApiChart
from osprey.catalog.entry import Workload


@dataclass(frozen=True)
class HorizonChart(SingleApiChart):
    name: str = "horizon"
    ready_before: tuple[str, ...] = ("mariadb", "memcached", "keystone")

    api = Workload("Deployment", "horizon")
    replicas_key = "server"
    control_plane_labels = ("dashboard", "job", "test")
    public_endpoints = ("identity", "dashboard")
    database_user = "horizon"
