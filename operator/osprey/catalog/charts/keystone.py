"""Keystone: identity. Its bootstrap Job creates the admin user every chart logs in as."""

from __future__ import annotations

from dataclasses import dataclass

from osprey.catalog.charts._service import SingleApiChart
from osprey.catalog.entry import Workload


@dataclass(frozen=True)
class KeystoneChart(SingleApiChart):
    name: str = "keystone"
    ready_before: tuple[str, ...] = ("mariadb", "rabbitmq", "memcached")

    api = Workload("Deployment", "keystone-api")
    control_plane_labels = ("api", "job", "test")
    public_endpoints = ("identity",)
    database_user = "keystone"
    messaging_user = "keystone"
