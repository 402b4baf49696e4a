"""HorizontalPodAutoscalers for API services with `autoscaling` set.

The HPA is Osprey's own object (not part of any chart). While it exists, the values builders
leave the API's replica count out, and drift detection ignores `spec.replicas` of the API
Deployment, so the operator never fights the autoscaler.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from osprey.plan import ReleasePlan

CONTROL_PLANE_LABEL = "osprey.dev/control-plane"
RELEASE_LABEL = "osprey.dev/release"


def hpa_name(release: ReleasePlan) -> str:
    assert release.api_workload is not None
    return release.api_workload.name


def hpa_manifest(release: ReleasePlan, control_plane: str) -> dict[str, Any]:
    """The HPA of one autoscaled release, as Osprey applies it."""
    scaling, target = release.autoscaling, release.api_workload
    assert scaling is not None and target is not None
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": {
            "name": hpa_name(release),
            "labels": {
                CONTROL_PLANE_LABEL: control_plane,
                RELEASE_LABEL: release.name,
                "app.kubernetes.io/managed-by": "osprey",
            },
        },
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": target.kind, "name": target.name},
            "minReplicas": scaling.minReplicas,
            "maxReplicas": scaling.maxReplicas,
            "metrics": [{
                "type": "Resource",
                "resource": {
                    "name": "cpu",
                    "target": {
                        "type": "Utilization",
                        "averageUtilization": scaling.targetCPUUtilizationPercentage,
                    },
                },
            }],
        },
    }


def autoscaled(releases: Iterable[ReleasePlan]) -> list[ReleasePlan]:
    return [r for r in releases if r.autoscaling is not None and r.api_workload is not None]


def ignored_fields(releases: Iterable[ReleasePlan]) -> dict[tuple[str, str], set[str]]:
    """Fields drift detection leaves alone: the replicas an HPA owns."""
    return {
        (r.api_workload.kind, r.api_workload.name): {"spec.replicas"}
        for r in autoscaled(releases)
    }
