"""The OpenStackControlPlane API (osprey.dev/v1alpha1): models, conditions, CRD generation."""

from osprey.api.spec import ControlPlaneSpec
from osprey.api.status import Condition, ControlPlaneStatus, Phase, ServiceStatus

GROUP = "osprey.dev"
VERSION = "v1alpha1"
KIND = "OpenStackControlPlane"
PLURAL = "openstackcontrolplanes"

__all__ = [
    "GROUP", "VERSION", "KIND", "PLURAL",
    "ControlPlaneSpec", "ControlPlaneStatus", "Condition", "Phase", "ServiceStatus",
]
