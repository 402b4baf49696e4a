"""Cinder: block storage. Its volume backend (Ceph by default) comes from raw values."""

from __future__ import annotations

from dataclasses import dataclass

from osprey.catalog.charts._service import Component, MultiComponentChart
from osprey.catalog.entry import Workload


@dataclass(frozen=True)
class CinderChart(MultiComponentChart):
    name: str = "cinder"

    api = Workload("Deployment", "cinder-api")
    components = (
        Component("api", "api", api),
        Component("scheduler", "scheduler", Workload("Deployment", "cinder-scheduler")),
        Component("volume", "volume", Workload("Deployment", "cinder-volume")),
        Component("backup", "backup", Workload("Deployment", "cinder-backup")),
    )
    control_plane_labels = ("api", "backup", "job", "scheduler", "test", "volume")
    public_endpoints = ("identity", "image", "volume", "volumev2", "volumev3")
    keystone_users = ("cinder",)
    database_user = "cinder"
    messaging_user = "cinder"
    uses_memcache_secret = True
