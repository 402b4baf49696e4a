"""The status of an OpenStackControlPlane, written only by the operator."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class StatusModel(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Phase(StrEnum):
    Pending = "Pending"
    Progressing = "Progressing"
    Ready = "Ready"
    Degraded = "Degraded"
    Failed = "Failed"
    Paused = "Paused"
    Deleting = "Deleting"


class ConditionStatus(StrEnum):
    true = "True"
    false = "False"
    unknown = "Unknown"


class Condition(StatusModel):
    """A standard Kubernetes condition (metav1.Condition)."""

    type: str = Field(description="Condition type, e.g. Ready or KeystoneReady.")
    status: ConditionStatus = Field(description="True, False or Unknown.")
    reason: str = Field(description="CamelCase reason of the last transition.")
    message: str = Field(default="", description="Human readable detail.")
    lastTransitionTime: str = Field(description="When status last changed (RFC 3339).")
    observedGeneration: int | None = Field(
        default=None, description="metadata.generation this condition was computed for."
    )


class ServiceStatus(StatusModel):
    """The observed state of one Helm release of the control plane."""

    phase: Phase = Field(description="Where the release stands.")
    chart: str = Field(description="Chart name.")
    version: str = Field(default="", description="Chart version deployed or being deployed.")
    revision: int | None = Field(default=None, description="Helm revision deployed.")
    valuesHash: str = Field(default="", description="Hash of chart, version and values applied.")
    ready: int = Field(default=0, description="Workloads of the release that are ready.")
    desired: int = Field(default=0, description="Workloads of the release.")
    message: str = Field(default="", description="What the release is waiting for, if anything.")
    lastError: str = Field(default="", description="The last error installing or healing it.")


class ControlPlaneStatus(StatusModel):
    """Observed state of the control plane."""

    observedGeneration: int | None = Field(
        default=None, description="metadata.generation the status reflects."
    )
    phase: Phase | None = Field(default=None, description="Summary of the control plane.")
    servicesReady: str | None = Field(
        default=None, description="Ready releases over enabled releases, e.g. 9/9."
    )
    conditions: list[Condition] = Field(default_factory=list, description="Conditions.")
    services: dict[str, ServiceStatus] = Field(
        default_factory=dict, description="Per release (chart name) state."
    )
