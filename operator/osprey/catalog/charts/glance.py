"""Glance: images, stored on a PVC, in Ceph (rbd) or in Swift."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from osprey.api.spec import ControlPlaneSpec, GlanceBackend
from osprey.catalog.charts._service import SingleApiChart
from osprey.catalog.entry import Claim, ValuesContext, Workload
from osprey.catalog.values.shared import storage_class


@dataclass(frozen=True)
class GlanceChart(SingleApiChart):
    name: str = "glance"

    api = Workload("Deployment", "glance-api")
    control_plane_labels = ("api", "job", "test")
    public_endpoints = ("identity", "image", "dashboard")
    keystone_users = ("glance",)
    database_user = "glance"
    messaging_user = "glance"
    uses_memcache_secret = True

    def claims(self, spec: ControlPlaneSpec) -> tuple[Claim, ...]:
        glance = self.settings(spec)
        if glance.backend != GlanceBackend.pvc:
            return ()
        field = ("spec.services.glance.storage.storageClass" if glance.storage.storageClass
                 else "spec.storageClass")
        return (Claim("glance-images", storage_class(spec, glance.storage), field),)

    def extra(self, ctx: ValuesContext) -> dict[str, Any]:
        glance = self.settings(ctx.spec)
        values: dict[str, Any] = {"storage": glance.backend.value}
        if glance.backend == GlanceBackend.pvc:
            # The chart always writes storageClassName; null leaves it empty: cluster default.
            values["volume"] = {
                "size": glance.storage.size,
                "class_name": storage_class(ctx.spec, glance.storage),
            }
            # Helm must never delete the images volume on uninstall; deletionPolicy decides.
            values["keep_pvc"] = True
        return values
