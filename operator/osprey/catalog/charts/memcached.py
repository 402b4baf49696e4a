"""Memcached: the token and cache store. Holds nothing that must survive."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from osprey.api.spec import ControlPlaneSpec, Memcached
from osprey.catalog.entry import ChartEntry, ValuesContext, Workload


@dataclass(frozen=True)
class MemcachedChart(ChartEntry):
    name: str = "memcached"

    control_plane_labels = ("server",)

    def settings(self, spec: ControlPlaneSpec) -> Memcached:
        return spec.infrastructure.memcached

    def workloads(self, spec: ControlPlaneSpec) -> tuple[Workload, ...]:
        # The StatefulSet is named after the release: <release>-memcached.
        return (Workload("StatefulSet", "memcached-memcached"),)

    def build(self, ctx: ValuesContext) -> dict[str, Any]:
        return {"pod": {"replicas": {"server": self.settings(ctx.spec).replicas}}}
