"""The OpenStack services of a control plane: spec.services."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field

from osprey.api.base import Autoscaling, ChartPart, Model, Storage, Values, ValuesFrom
from osprey.api.rules import Excludes

# What the values builders render for an API replica count left unset (and not autoscaled).
DEFAULT_API_REPLICAS = 1
REPLICAS_OWNED_BY_AUTOSCALING = (
    "{field} is managed by autoscaling; remove it or remove autoscaling")


class Service(Model):
    """Fields every OpenStack service has."""

    enabled: bool = Field(default=False, description="Install this service.")
    values: Values
    valuesFrom: ValuesFrom


def _api_replicas(description: str) -> Any:
    """An API replica count: unset by default, since autoscaling, when set, owns it."""
    return Field(
        default=None, ge=0, le=100,
        description=(f"{description}; {DEFAULT_API_REPLICAS} when unset. Leave unset when "
                     "autoscaling is set: the autoscaler owns the count."),
    )


def _owned_by_autoscaling(field: str) -> Excludes:
    return Excludes(field, "autoscaling", REPLICAS_OWNED_BY_AUTOSCALING.format(field=field))


class ApiService(Service):
    """A service whose only scalable component is its API."""

    cross_field_rules = (_owned_by_autoscaling("replicas"),)

    replicas: int | None = _api_replicas("API pods")
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
    server: int | None = _api_replicas("neutron-server pods")
    rpcServer: int = Field(default=1, ge=0, le=100, description="neutron-rpc-server pods.")


class Neutron(Service):
    """Neutron, the networking service."""

    cross_field_rules = (_owned_by_autoscaling("replicas.server"),)
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
    api: int | None = _api_replicas("nova-api (osapi) pods")
    metadata: int = Field(default=1, ge=0, le=100, description="nova-metadata pods.")
    conductor: int = Field(default=1, ge=0, le=100, description="nova-conductor pods.")
    scheduler: int = Field(default=1, ge=0, le=100, description="nova-scheduler pods.")
    novncproxy: int = Field(default=1, ge=0, le=100, description="nova-novncproxy pods.")


class Nova(Service):
    """Nova, the compute service (with libvirt on compute nodes)."""

    cross_field_rules = (_owned_by_autoscaling("replicas.api"),)

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
    api: int | None = _api_replicas("heat-api pods")
    cfn: int = Field(default=1, ge=0, le=100, description="heat-cfn pods.")
    engine: int = Field(default=1, ge=0, le=100, description="heat-engine pods.")


class Heat(Service):
    """Heat, the orchestration service."""

    cross_field_rules = (_owned_by_autoscaling("replicas.api"),)

    replicas: HeatReplicas = Field(default_factory=HeatReplicas, description="Pods per component.")
    autoscaling: Autoscaling | None = Field(
        default=None, description="Autoscale heat-api instead of a fixed replica count."
    )


class CinderReplicas(Model):
    api: int | None = _api_replicas("cinder-api pods")
    scheduler: int = Field(default=1, ge=0, le=100, description="cinder-scheduler pods.")
    volume: int = Field(default=1, ge=0, le=100, description="cinder-volume pods.")
    backup: int = Field(default=1, ge=0, le=100, description="cinder-backup pods.")


class Cinder(Service):
    """Cinder, the block storage service."""

    cross_field_rules = (_owned_by_autoscaling("replicas.api"),)

    replicas: CinderReplicas = Field(
        default_factory=CinderReplicas, description="Pods per component."
    )
    autoscaling: Autoscaling | None = Field(
        default=None, description="Autoscale cinder-api instead of a fixed replica count."
    )


class Barbican(ApiService):
    """Barbican, the key manager."""


class OctaviaReplicas(Model):
    api: int | None = _api_replicas("octavia-api pods")
    worker: int = Field(default=1, ge=0, le=100, description="octavia-worker pods.")
    housekeeping: int = Field(default=1, ge=0, le=100, description="octavia-housekeeping pods.")


class Octavia(Service):
    """Octavia, the load balancer service."""

    cross_field_rules = (_owned_by_autoscaling("replicas.api"),)

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
