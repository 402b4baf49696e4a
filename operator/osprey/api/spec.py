"""The spec of an OpenStackControlPlane: the top level, infrastructure and chart source.

Every string, list and map is bounded: kube-apiserver estimates the cost of the CRD's CEL rules
from those bounds and refuses rules whose estimate is too high. The models of the services are
in services.py, their base in base.py, string formats in formats.py; all are importable from
here.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field

from osprey.api.base import Autoscaling, ChartPart, Model, Storage, Values, ValuesFrom
from osprey.api.credentials import Credentials
from osprey.api.dependencies import dependency_rules
from osprey.api.exposure import (
    TLS,
    Endpoints,
    Images,
    IssuerKind,
    IssuerRef,
    PublicTLS,
    internal_tls_rules,
)
from osprey.api.formats import (
    CHART_REPOSITORY_PATTERN,
    LABEL_KEY_PATTERNS,
    PUBLIC_DOMAIN_MAX_LENGTH,
    PUBLIC_DOMAIN_PATTERN,
    QUANTITY_PATTERN,
    REGION_PATTERN,
    ChartVersion,
    LabelValue,
    StorageClassName,
)
from osprey.api.pools import NodePools
from osprey.api.rules import KeysIn, KeysMatch, MaxEntries, Needs
from osprey.api.services import (
    DEFAULT_API_REPLICAS,
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
    valuesFrom: ValuesFrom


class RabbitMQ(Model):
    """The RabbitMQ cluster used for OpenStack RPC and notifications."""

    enabled: bool = Field(default=True, description="Install RabbitMQ.")
    replicas: int = Field(default=1, ge=1, le=9, description="RabbitMQ server pods.")
    storage: Storage = Field(
        default_factory=lambda: Storage(size="1Gi"), description="Data volume of each server."
    )
    values: Values
    valuesFrom: ValuesFrom


class Memcached(Model):
    """Memcached, the token and cache store shared by the services."""

    enabled: bool = Field(default=True, description="Install Memcached.")
    replicas: int = Field(default=1, ge=1, le=20, description="Memcached pods.")
    values: Values
    valuesFrom: ValuesFrom


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


def _chart_names() -> tuple[str, ...]:
    """The charts a spec configures: infrastructure, services and their supporting charts."""
    names = list(Infrastructure.model_fields)
    for name, field in Services.model_fields.items():
        assert field.annotation is not None
        parts = field.annotation.model_fields.items()
        names += [name, *(part for part, f in parts if f.annotation is ChartPart)]
    return tuple(names)


CHART_NAMES = _chart_names()


class Charts(Model):
    """Where the OpenStack-Helm charts come from."""

    repository: str = Field(
        default=DEFAULT_CHART_REPOSITORY,
        max_length=2048,
        pattern=CHART_REPOSITORY_PATTERN,
        description=(
            "A Helm repository URL (https://...), an OCI registry prefix (oci://...), or an "
            "absolute path to a local directory holding one unpacked chart per folder "
            "(air-gapped installs)."
        ),
    )
    version: ChartVersion | None = Field(
        default=None,
        description=(
            "Chart version (or Helm version constraint, e.g. ~2025.1.0) for every chart; "
            "defaults to the release catalog's pin."
        ),
    )
    versions: Annotated[
        dict[str, ChartVersion],
        KeysIn(CHART_NAMES, "keys must be chart names: " + ", ".join(CHART_NAMES)),
    ] = Field(
        default_factory=dict,
        description="Chart version per chart name (e.g. {nova: 2025.2.0}); wins over version.",
    )


class DeletionPolicy(StrEnum):
    Retain = "Retain"
    Delete = "Delete"


class OpenStackRelease(StrEnum):
    r2025_1 = "2025.1"
    r2025_2 = "2025.2"
    r2026_1 = "2026.1"


def _release_order() -> str:
    """The releases in order as a CEL map (release -> position), for the never-skip rule."""
    return "{" + ", ".join(f"'{r.value}': {i}" for i, r in enumerate(OpenStackRelease)) + "}"


class ControlPlaneSpec(Model):
    """Desired state of an OpenStack control plane."""

    cross_field_rules = (
        *dependency_rules(),
        Needs("endpoints.tls", "publicDomain",
              "public TLS needs spec.publicDomain: certificates name the public hosts"),
        *internal_tls_rules(),
    )

    openstackRelease: OpenStackRelease = Field(
        default=OpenStackRelease.r2025_1,
        description=(
            "OpenStack release; selects image tags and default chart versions. Changing it "
            "upgrades the control plane step by step (status.upgrade); upgrades only, one "
            "release at a time: OpenStack's database migrations cannot be undone or skipped."
        ),
        json_schema_extra={"x-kubernetes-validations": [{
            "rule": "self >= oldSelf",
            "message": "openstackRelease cannot be downgraded (database migrations are one-way)",
            "reason": "FieldValueForbidden",
        }, {
            "rule": f"self == oldSelf || {_release_order()}[self] <= {_release_order()}[oldSelf] + 1",
            "message": (
                "openstackRelease moves one release at a time (" + " -> ".join(
                    r.value for r in OpenStackRelease) + "): upgrade to the next release first"
            ),
            "reason": "FieldValueForbidden",
        }]},
    )
    region: str = Field(
        default="RegionOne",
        min_length=1,
        max_length=64,
        pattern=REGION_PATTERN,
        description="Keystone region name.",
    )
    charts: Charts = Field(default_factory=Charts, description="Chart source and versions.")
    publicDomain: str | None = Field(
        default=None,
        max_length=PUBLIC_DOMAIN_MAX_LENGTH,
        pattern=PUBLIC_DOMAIN_PATTERN,
        description=(
            "DNS domain of the public endpoints (e.g. cloud.example.com gives "
            "keystone.cloud.example.com); cluster-internal names when unset. Labels of at "
            f"most 63 characters, {PUBLIC_DOMAIN_MAX_LENGTH} in all, so that every public "
            "host name fits in 253."
        ),
    )
    endpoints: Endpoints = Field(
        default_factory=Endpoints,
        description="How the public endpoints are exposed: ingress class and TLS.",
    )
    tls: TLS = Field(
        default_factory=TLS, description="TLS inside the cluster: the internal endpoints."
    )
    images: Images = Field(
        default_factory=Images,
        description="Where images are pulled from: a registry mirror, and with which credentials.",
    )
    nodeSelector: Annotated[
        dict[str, LabelValue],
        MaxEntries(1, "OpenStack-Helm places control plane pods by a single node label: "
                      "give one key/value pair"),
        KeysMatch(LABEL_KEY_PATTERNS, "keys must be label keys: an optional DNS subdomain "
                  "prefix (at most 253 characters) and '/', then a name of at most 63 "
                  "alphanumerics, '-', '_' or '.', beginning and ending with an alphanumeric"),
    ] = Field(
        default_factory=lambda: {"openstack-control-plane": "enabled"},
        description=(
            "The node label the control plane pods are scheduled on (one key/value pair: "
            "OpenStack-Helm selects nodes by a single label); the charts' own label when empty."
        ),
    )
    nodePools: NodePools = Field(
        default_factory=NodePools,
        description=(
            "The nodes of the node agents (compute, network, gateway). Several control planes "
            "in one cluster need disjoint pools: a control plane whose compute, network or "
            "gateway nodes overlap an older one's is refused and installs nothing."
        ),
    )
    storageClass: StorageClassName | None = Field(
        default=None,
        description=(
            "Storage class of every claim (a DNS subdomain); the cluster default when unset."
        ),
    )
    infrastructure: Infrastructure = Field(
        default_factory=Infrastructure, description="Database, message queue and cache."
    )
    services: Services = Field(default_factory=Services, description="OpenStack services.")
    credentials: Credentials = Field(
        default_factory=Credentials,
        description="Rotation of the generated passwords (kept in the <name>-credentials Secret).",
    )
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
    "CHART_NAMES",
    "DEFAULT_API_REPLICAS",
    "DEFAULT_CHART_REPOSITORY",
    "QUANTITY_PATTERN",
    "TLS",
    "ApiService",
    "Autoscaling",
    "Barbican",
    "ChartPart",
    "Charts",
    "Cinder",
    "ControlPlaneSpec",
    "Credentials",
    "DeletionPolicy",
    "Endpoints",
    "Glance",
    "GlanceBackend",
    "Heat",
    "Horizon",
    "Images",
    "Infrastructure",
    "IssuerKind",
    "IssuerRef",
    "Keystone",
    "MariaDB",
    "Memcached",
    "Model",
    "Neutron",
    "NeutronBackend",
    "NodePools",
    "Nova",
    "Octavia",
    "OpenStackRelease",
    "Placement",
    "PublicTLS",
    "RabbitMQ",
    "Service",
    "Services",
    "Storage",
    "Values",
    "VirtType",
]
