"""The OpenStackControlPlane API (osprey.dev/v1alpha1): models, conditions, CRD generation."""

from osprey.api.names import (
    API_VERSION,
    GROUP,
    KIND,
    PLURAL,
    SHORT_NAMES,
    SINGULAR,
    VERSION,
)
from osprey.api.spec import ControlPlaneSpec
from osprey.api.status import Condition, ControlPlaneStatus, Phase, ServiceStatus
from osprey.api.validation import SpecError, ValidatedSpecs, validate_spec

__all__ = [
    "API_VERSION",
    "GROUP",
    "KIND",
    "PLURAL",
    "SHORT_NAMES",
    "SINGULAR",
    "VERSION",
    "Condition",
    "ControlPlaneSpec",
    "ControlPlaneStatus",
    "Phase",
    "ServiceStatus",
    "SpecError",
    "ValidatedSpecs",
    "validate_spec",
]
