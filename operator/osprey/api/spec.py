"""The spec of an OpenStackControlPlane: the top level, infrastructure and chart source.

The models of the services are in services.py, their base in base.py, string formats in
formats.py; all are importable from here.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from osprey.api.base import Autoscaling, ChartPart, Model, Storage, Values
from osprey.api.dependencies import dependency_rules
from osprey.api.formats import QUANTITY_PATTERN
from osprey.api.services import (
    ApiService,
    Barbican,
    Cinder,
    Glance,
    GlanceBackend,
    Heat,
    Horizon,
    Keystone,
    Neutron,
    NeutronBackend,
    Nova,
    Octavia,
    Placement,
    Service,
    Services,
    VirtType,
)

DEFAULT_CHART_REPOSITORY = "https://tarballs.opendev.org/openstack/openstack-helm"


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


__all__ = [
    "DEFAULT_CHART_REPOSITORY",
    "QUANTITY_PATTERN",
    "ApiService",
    "Autoscaling",
    "Barbican",
    "ChartPart",
    "Charts",
    "Cinder",
    "ControlPlaneSpec",
    "DeletionPolicy",
    "Glance",
    "GlanceBackend",
    "Heat",
    "Horizon",
    "Infrastructure",
    "Keystone",
    "MariaDB",
    "Memcached",
    "Model",
    "Neutron",
    "NeutronBackend",
    "Nova",
    "Octavia",
    "OpenStackRelease",
    "Placement",
    "RabbitMQ",
    "Service",
    "Services",
    "Storage",
    "Values",
    "VirtType",
]
