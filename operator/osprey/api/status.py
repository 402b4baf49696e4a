"""The status of an OpenStackControlPlane, written only by the operator."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

# metav1.Condition's limits: kube-apiserver refuses a status write that exceeds them.
CONDITION_TYPE_PATTERN = (
    r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
    r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$"
)
CONDITION_REASON_PATTERN = r"^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$"
CONDITION_MESSAGE_MAX = 32768


class StatusModel(BaseModel):
    """Base of the status models: the operator writes them whole, so unknown fields are bugs."""

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

    type: str = Field(
        max_length=316, pattern=CONDITION_TYPE_PATTERN,
        description="Condition type, e.g. Ready or KeystoneReady.",
    )
    status: ConditionStatus = Field(description="True, False or Unknown.")
    reason: str = Field(
        min_length=1, max_length=1024, pattern=CONDITION_REASON_PATTERN,
        description="CamelCase reason of the last transition.",
    )
    message: str = Field(
        default="", max_length=CONDITION_MESSAGE_MAX, description="Human readable detail."
    )
    lastTransitionTime: str = Field(
        description="When status last changed (RFC 3339).",
        json_schema_extra={"format": "date-time"},
    )
    observedGeneration: int | None = Field(
        default=None, ge=0, description="metadata.generation this condition was computed for."
    )


class ServiceStatus(StatusModel):
    """The observed state of one Helm release of the control plane."""

    phase: Phase = Field(description="Where the release stands.")
    chart: str = Field(description="Chart name.")
    chartVersion: str = Field(
        default="",
        description=(
            "Chart version of the deployed revision as Helm resolved it, build metadata "
            "included (e.g. 2025.1.3+0ee5adeff); the pinned line or version until installed."
        ),
    )
    revision: int | None = Field(default=None, ge=0, description="Helm revision deployed.")
    valuesHash: str = Field(default="", description="Hash of the chart and values applied.")
    ready: int = Field(default=0, ge=0, description="Workloads of the release that are ready.")
    desired: int = Field(default=0, ge=0, description="Workloads of the release.")
    message: str = Field(default="", description="What the release is waiting for, if anything.")
    lastError: str = Field(default="", description="The last error installing or healing it.")


class NodePoolSizes(StatusModel):
    """How many nodes each pool of the control plane has."""

    control: int = Field(default=0, ge=0, description="Nodes of the control services.")
    compute: int = Field(default=0, ge=0, description="Compute nodes (nova-compute, libvirt).")
    network: int = Field(default=0, ge=0, description="Nodes running Open vSwitch.")
    gateway: int = Field(default=0, ge=0, description="Nodes of the network gateway agents.")


class UpgradePhase(StrEnum):
    Preflight = "Preflight"  # checking that the control plane may be upgraded
    BackingUp = "BackingUp"  # the MariaDB backup runs
    Running = "Running"
    Paused = "Paused"  # spec.paused: held between steps
    Failed = "Failed"  # a step (or the backup) failed: the rest waits
    Completed = "Completed"


class StepState(StrEnum):
    Pending = "Pending"
    Running = "Running"
    Failed = "Failed"
    Completed = "Completed"


class UpgradeStep(StatusModel):
    """One step of an upgrade: one release moved (or, for neutron and nova, part of one)."""

    service: str = Field(description="The step, e.g. keystone, neutron-agents, nova-compute.")
    release: str = Field(description="The Helm release the step upgrades.")
    chartVersion: str = Field(default="", description="Chart version (or line) it moves to.")
    state: StepState = Field(default=StepState.Pending, description="Where the step stands.")
    startedAt: str | None = Field(default=None, description="When the step started (RFC 3339).",
                                  json_schema_extra={"format": "date-time"})
    finishedAt: str | None = Field(default=None, description="When it completed (RFC 3339).",
                                   json_schema_extra={"format": "date-time"})
    message: str = Field(default="", description="Why it failed, or what it waits for.")


class UpgradeStatus(StatusModel):
    """An OpenStack release upgrade: the plan, one step at a time, and where it stands."""

    source: str = Field(alias="from", description="The release upgraded from.")
    to: str = Field(description="The release upgraded to.")
    phase: UpgradePhase = Field(description="Where the upgrade stands.")
    step: str | None = Field(default=None, description="The step running, failed or held.")
    startedAt: str = Field(description="When the upgrade started (RFC 3339).",
                           json_schema_extra={"format": "date-time"})
    finishedAt: str | None = Field(default=None, description="When it completed (RFC 3339).",
                                   json_schema_extra={"format": "date-time"})
    backup: str | None = Field(
        default=None, description="The MariaDB backup Job taken before the first migration.")
    steps: list[UpgradeStep] = Field(default_factory=list, description="The steps, in order.")


class RotationPhase(StrEnum):
    Pending = "Pending"  # waiting for another rotation or an upgrade to finish
    Database = "Database"  # the database user is being given the new password
    Config = "Config"  # the releases are being upgraded with it, their pods restarted
    Rotated = "Rotated"
    Failed = "Failed"


class CredentialRotation(StatusModel):
    """The last rotation of one service's passwords (spec.credentials.rotate)."""

    token: str = Field(max_length=63, description="The spec token this rotation answers.")
    phase: RotationPhase = Field(description="Where the rotation stands.")
    attempt: int = Field(default=1, ge=1, description="Starts of this rotation (a lost Secret "
                         "restarts it).")
    startedAt: str | None = Field(default=None, description="When it started (RFC 3339).",
                                  json_schema_extra={"format": "date-time"})
    rotatedAt: str | None = Field(
        default=None, description="When the service last ran with new passwords (RFC 3339).",
        json_schema_extra={"format": "date-time"})
    message: str = Field(default="", max_length=1024,
                         description="What it waits for, or why it failed.")


class ControlPlaneStatus(StatusModel):
    """Observed state of the control plane."""

    observedGeneration: int | None = Field(
        default=None, ge=0, description="metadata.generation the status reflects."
    )
    phase: Phase | None = Field(default=None, description="Summary of the control plane.")
    servicesReady: str | None = Field(
        default=None, description="Ready releases over enabled releases, e.g. 9/9."
    )
    conditions: list[Condition] = Field(
        default_factory=list,
        description="Ready, InfrastructureReady, Progressing, Degraded and <Release>Ready.",
        json_schema_extra={"x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["type"]},
    )
    services: dict[str, ServiceStatus] = Field(
        default_factory=dict, description="Per release (chart name) state."
    )
    nodePools: NodePoolSizes | None = Field(
        default=None, description="Nodes in each pool (spec.nodeSelector, spec.nodePools)."
    )
    endpoints: dict[str, str] = Field(
        default_factory=dict,
        description=(
            "Public URL of each enabled service's endpoint by public host (keystone, glance, "
            "nova, metadata, novncproxy, horizon, ...), as the Keystone catalog lists it; "
            "empty without spec.publicDomain."
        ),
    )
    deployedRelease: str | None = Field(
        default=None,
        description=(
            "The OpenStack release every service runs: set once the control plane is first "
            "ready, moved when an upgrade completes."
        ),
    )
    upgrade: UpgradeStatus | None = Field(
        default=None, description="The current (or last) OpenStack release upgrade."
    )
    credentials: dict[str, CredentialRotation] = Field(
        default_factory=dict,
        description="Per service: the last rotation of its passwords (spec.credentials.rotate).",
    )
