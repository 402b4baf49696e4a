"""The spec of an OpenStackControlPlane.

Every field carries a description (it becomes `kubectl explain` text) and a default (it becomes
the CRD's schema default); unknown fields are errors, never silently dropped.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from osprey.api.dependencies import dependency_rules
from osprey.api.rules import Compare, Rule, cel_validations, check_rules

# A Kubernetes resource quantity as used for storage sizes (e.g. 10Gi, 500Mi, 1T).
QUANTITY_PATTERN = r"^([0-9]+(\.[0-9]+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$"
Quantity = Annotated[str, Field(pattern=QUANTITY_PATTERN, examples=["10Gi"])]

DEFAULT_CHART_REPOSITORY = "https://tarballs.opendev.org/openstack/openstack-helm"


def _add_validations(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """Put a model's cross-field and transition rules into its JSON schema as CEL."""
    validations = cel_validations(getattr(model, "cross_field_rules", ()))
    validations += list(getattr(model, "transition_rules", ()))
    if validations:
        schema["x-kubernetes-validations"] = validations


class Model(BaseModel):
    """Base of every API model: unknown fields are errors, names are the wire names.

    `cross_field_rules` are checked here and rendered as CEL in the CRD; `transition_rules`
    (CEL with oldSelf) exist only in the CRD, since the operator never sees the old spec.
    """

    model_config = ConfigDict(
        extra="forbid", populate_by_name=True, validate_default=True,
        json_schema_extra=_add_validations,
    )
    cross_field_rules: ClassVar[tuple[Rule, ...]] = ()
    transition_rules: ClassVar[tuple[dict[str, str], ...]] = ()

    @model_validator(mode="after")
    def _check_cross_field_rules(self) -> Self:
        check_rules(self, self.cross_field_rules)
        return self


Values = Annotated[
    dict[str, Any],
    Field(
        default_factory=dict,
        description=(
            "Raw chart values merged last, over everything Osprey renders (escape hatch). "
            "Keys are the OpenStack-Helm chart's own values keys."
        ),
        json_schema_extra={"x-kubernetes-preserve-unknown-fields": True},
    ),
]


class Storage(Model):
    """A persistent volume request."""

    size: Quantity = Field(description="Size of the persistent volume claim, e.g. 10Gi.")
    storageClass: str | None = Field(
        default=None,
        description="Storage class of the claim; defaults to spec.storageClass.",
    )


class Autoscaling(Model):
    """Horizontal pod autoscaling of a service's API pods.

    When set, Osprey creates a HorizontalPodAutoscaler and stops managing the API's replicas.
    """

    cross_field_rules = (
        Compare("minReplicas", "<=", "maxReplicas",
                "minReplicas must be less than or equal to maxReplicas"),
    )

    minReplicas: int = Field(default=1, ge=1, description="Lower bound of API replicas.")
    maxReplicas: int = Field(ge=1, le=100, description="Upper bound of API replicas.")
    targetCPUUtilizationPercentage: int = Field(
        default=80, ge=1, le=100, description="Average CPU utilisation the autoscaler aims at."
    )


# --- infrastructure -------------------------------------------------------------------------


class MariaDB(Model):
    """The MariaDB (Galera) cluster that backs every service's database."""

    enabled: bool = Field(default=True, description="Install MariaDB.")
    replicas: int = Field(default=1, ge=1, le=9, description="MariaDB server pods.")
    storage: Storage = Field(
        default_factory=lambda: Storage(size="5Gi"), description="Data volume of each server."
    )
    values: Values


class RabbitMQ(Model):
    """The RabbitMQ cluster used for OpenStack RPC and notifications."""

    enabled: bool = Field(default=True, description="Install RabbitMQ.")
    replicas: int = Field(default=1, ge=1, le=9, description="RabbitMQ server pods.")
    storage: Storage = Field(
        default_factory=lambda: Storage(size="1Gi"), description="Data volume of each server."
    )
    values: Values


class Memcached(Model):
    """Memcached, the token and cache store shared by the services."""

    enabled: bool = Field(default=True, description="Install Memcached.")
    replicas: int = Field(default=1, ge=1, le=20, description="Memcached pods.")
    values: Values


class Infrastructure(Model):
    """The shared infrastructure every OpenStack service needs."""

    mariadb: MariaDB = Field(
        default_factory=MariaDB, description="MariaDB (Galera), the database of every service."
    )
    rabbitmq: RabbitMQ = Field(
        default_factory=RabbitMQ, description="RabbitMQ, the RPC and notification bus."
    )
    memcached: Memcached = Field(
        default_factory=Memcached, description="Memcached, the token and cache store."
    )


# --- services ---------------------------------------------------------------------------------


class ChartPart(Model):
    """A supporting chart installed alongside a service (e.g. libvirt for nova)."""

    values: Values


class Service(Model):
    """Fields every OpenStack service has."""

    enabled: bool = Field(default=False, description="Install this service.")
    values: Values


class ApiService(Service):
    """A service whose only scalable component is its API."""

    replicas: int = Field(default=1, ge=0, le=100, description="API pods.")
    autoscaling: Autoscaling | None = Field(
        default=None, description="Autoscale the API pods instead of a fixed replica count."
    )


class Keystone(ApiService):
    """Keystone, the identity service."""

    enabled: bool = Field(default=True, description="Install Keystone.")


class GlanceBackend(StrEnum):
    pvc = "pvc"
    rbd = "rbd"
    swift = "swift"


class Glance(ApiService):
    """Glance, the image service."""

    enabled: bool = Field(default=True, description="Install Glance.")
    backend: GlanceBackend = Field(
        default=GlanceBackend.pvc, description="Where images are stored."
    )
    storage: Storage = Field(
        default_factory=lambda: Storage(size="10Gi"),
        description="Image volume, used by the pvc backend.",
    )


class Placement(ApiService):
    """Placement, the resource inventory service."""

    enabled: bool = Field(default=True, description="Install Placement.")


class NeutronBackend(StrEnum):
    ovs = "ovs"
    ovn = "ovn"


class NeutronReplicas(Model):
    server: int = Field(default=1, ge=0, le=100, description="neutron-server pods.")
    rpcServer: int = Field(default=1, ge=0, le=100, description="neutron-rpc-server pods.")


class Neutron(Service):
    """Neutron, the networking service."""

    transition_rules = ({
        "rule": "!oldSelf.enabled || self.backend == oldSelf.backend",
        "message": "backend cannot change once Neutron is enabled: moving networks between "
                   "ovs and ovn is a migration Osprey does not perform",
        "fieldPath": ".backend",
        "reason": "FieldValueForbidden",
    },)

    enabled: bool = Field(default=True, description="Install Neutron.")
    backend: NeutronBackend = Field(
        default=NeutronBackend.ovs,
        description="ML2 backend: ovs (Open vSwitch agents) or ovn (OVN, with the ovn chart).",
    )
    replicas: NeutronReplicas = Field(
        default_factory=NeutronReplicas, description="Pods per component."
    )
    autoscaling: Autoscaling | None = Field(
        default=None, description="Autoscale neutron-server instead of a fixed replica count."
    )
    openvswitch: ChartPart = Field(
        default_factory=ChartPart, description="The openvswitch chart (ovs backend)."
    )
    ovn: ChartPart = Field(default_factory=ChartPart, description="The ovn chart (ovn backend).")


class VirtType(StrEnum):
    kvm = "kvm"
    qemu = "qemu"


class NovaReplicas(Model):
    api: int = Field(default=1, ge=0, le=100, description="nova-api (osapi) pods.")
    metadata: int = Field(default=1, ge=0, le=100, description="nova-metadata pods.")
    conductor: int = Field(default=1, ge=0, le=100, description="nova-conductor pods.")
    scheduler: int = Field(default=1, ge=0, le=100, description="nova-scheduler pods.")
    novncproxy: int = Field(default=1, ge=0, le=100, description="nova-novncproxy pods.")


class Nova(Service):
    """Nova, the compute service (with libvirt on compute nodes)."""

    enabled: bool = Field(default=True, description="Install Nova and libvirt.")
    replicas: NovaReplicas = Field(default_factory=NovaReplicas, description="Pods per component.")
    autoscaling: Autoscaling | None = Field(
        default=None, description="Autoscale nova-api instead of a fixed replica count."
    )
    virtType: VirtType = Field(
        default=VirtType.qemu, description="libvirt virtualisation: kvm (hardware) or qemu."
    )
    libvirt: ChartPart = Field(default_factory=ChartPart, description="The libvirt chart.")


class Horizon(ApiService):
    """Horizon, the dashboard."""


class HeatReplicas(Model):
    api: int = Field(default=1, ge=0, le=100, description="heat-api pods.")
    cfn: int = Field(default=1, ge=0, le=100, description="heat-cfn pods.")
    engine: int = Field(default=1, ge=0, le=100, description="heat-engine pods.")


class Heat(Service):
    """Heat, the orchestration service."""

    replicas: HeatReplicas = Field(default_factory=HeatReplicas, description="Pods per component.")
    autoscaling: Autoscaling | None = Field(
        default=None, description="Autoscale heat-api instead of a fixed replica count."
    )


class CinderReplicas(Model):
    api: int = Field(default=1, ge=0, le=100, description="cinder-api pods.")
    scheduler: int = Field(default=1, ge=0, le=100, description="cinder-scheduler pods.")
    volume: int = Field(default=1, ge=0, le=100, description="cinder-volume pods.")
    backup: int = Field(default=1, ge=0, le=100, description="cinder-backup pods.")


class Cinder(Service):
    """Cinder, the block storage service."""

    replicas: CinderReplicas = Field(
        default_factory=CinderReplicas, description="Pods per component."
    )
    autoscaling: Autoscaling | None = Field(
        default=None, description="Autoscale cinder-api instead of a fixed replica count."
    )


class Barbican(ApiService):
    """Barbican, the key manager."""


class OctaviaReplicas(Model):
    api: int = Field(default=1, ge=0, le=100, description="octavia-api pods.")
    worker: int = Field(default=1, ge=0, le=100, description="octavia-worker pods.")
    housekeeping: int = Field(default=1, ge=0, le=100, description="octavia-housekeeping pods.")


class Octavia(Service):
    """Octavia, the load balancer service."""

    replicas: OctaviaReplicas = Field(
        default_factory=OctaviaReplicas, description="Pods per component."
    )
    autoscaling: Autoscaling | None = Field(
        default=None, description="Autoscale octavia-api instead of a fixed replica count."
    )


class Services(Model):
    """The OpenStack services of the control plane. The compute kit is enabled by default."""

    keystone: Keystone = Field(
        default_factory=Keystone, description="Keystone, identity; every other service needs it."
    )
    glance: Glance = Field(default_factory=Glance, description="Glance, the image service.")
    placement: Placement = Field(
        default_factory=Placement, description="Placement, the inventory nova schedules on."
    )
    neutron: Neutron = Field(default_factory=Neutron, description="Neutron, networking.")
    nova: Nova = Field(default_factory=Nova, description="Nova, compute (with libvirt).")
    horizon: Horizon = Field(default_factory=Horizon, description="Horizon, the web dashboard.")
    heat: Heat = Field(default_factory=Heat, description="Heat, orchestration.")
    cinder: Cinder = Field(default_factory=Cinder, description="Cinder, block storage.")
    barbican: Barbican = Field(default_factory=Barbican, description="Barbican, the key manager.")
    octavia: Octavia = Field(
        default_factory=Octavia, description="Octavia, load balancers (on nova and neutron)."
    )


# --- top level --------------------------------------------------------------------------------


class Charts(Model):
    """Where the OpenStack-Helm charts come from."""

    repository: str = Field(
        default=DEFAULT_CHART_REPOSITORY,
        pattern=r"^(https?://|oci://|/).+",
        description=(
            "A Helm repository URL (https://...), an OCI registry prefix (oci://...), or an "
            "absolute path to a local directory holding one unpacked chart per folder "
            "(air-gapped installs)."
        ),
    )
    version: str | None = Field(
        default=None,
        description="Chart version for every chart; defaults to the release catalog's pin.",
    )
    versions: dict[str, str] = Field(
        default_factory=dict,
        description="Chart version per chart name (e.g. {nova: 2025.2.0}); wins over version.",
    )


class DeletionPolicy(StrEnum):
    Retain = "Retain"
    Delete = "Delete"


class OpenStackRelease(StrEnum):
    r2025_1 = "2025.1"
    r2025_2 = "2025.2"


class ControlPlaneSpec(Model):
    """Desired state of an OpenStack control plane."""

    cross_field_rules = dependency_rules()

    openstackRelease: OpenStackRelease = Field(
        default=OpenStackRelease.r2025_1,
        description=(
            "OpenStack release; selects image tags and default chart versions. Upgrades only: "
            "OpenStack's database migrations cannot be undone."
        ),
        json_schema_extra={"x-kubernetes-validations": [{
            "rule": "self >= oldSelf",
            "message": "openstackRelease cannot be downgraded (database migrations are one-way)",
            "reason": "FieldValueForbidden",
        }]},
    )
    region: str = Field(
        default="RegionOne",
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
        description="Keystone region name.",
    )
    charts: Charts = Field(default_factory=Charts, description="Chart source and versions.")
    publicDomain: str | None = Field(
        default=None,
        pattern=r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,63}$",
        description=(
            "DNS domain of the public endpoints (e.g. cloud.example.com gives "
            "keystone.cloud.example.com); cluster-internal names when unset."
        ),
    )
    nodeSelector: dict[str, str] = Field(
        default_factory=lambda: {"openstack-control-plane": "enabled"},
        description="Node labels the control plane pods are scheduled on.",
    )
    storageClass: str | None = Field(
        default=None, description="Storage class of every claim; the cluster default when unset."
    )
    infrastructure: Infrastructure = Field(
        default_factory=Infrastructure, description="Database, message queue and cache."
    )
    services: Services = Field(default_factory=Services, description="OpenStack services.")
    paused: bool = Field(
        default=False, description="Stop all changes to the control plane until set back."
    )
    deletionPolicy: DeletionPolicy = Field(
        default=DeletionPolicy.Retain,
        description=(
            "On deletion of the resource: Retain keeps volumes (PVCs) and the credentials "
            "Secret; Delete removes them too."
        ),
    )
