"""How the control plane is reached and where its images come from: spec.endpoints and
spec.images.

Public endpoints are the services' Ingresses under spec.publicDomain; with `endpoints.tls`
they serve https on 443 with a certificate from cert-manager (an Issuer or ClusterIssuer) or
from a Secret the admin provides. `images.registry` points every image at a mirror, `images.pullSecrets` names the
credentials the pods pull with.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import Field

from osprey.api.base import Model
from osprey.api.formats import DNS_SUBDOMAIN_PATTERN, REGISTRY_PATTERN
from osprey.api.rules import Distinct, Forbids, ForbidsValue, OneOf, RequiresSet

ResourceName = Annotated[str, Field(max_length=253, pattern=DNS_SUBDOMAIN_PATTERN)]
# More pull secrets than this is a mistake, not a configuration (kubelet tries each in turn).
MAX_PULL_SECRETS = 16


class IssuerKind(StrEnum):
    Issuer = "Issuer"
    ClusterIssuer = "ClusterIssuer"


class IssuerRef(Model):
    """A cert-manager issuer (cert-manager.io/v1)."""

    kind: IssuerKind = Field(
        default=IssuerKind.ClusterIssuer,
        description="ClusterIssuer (cluster-wide) or Issuer (in the control plane's namespace).",
    )
    name: ResourceName = Field(description="Name of the Issuer or ClusterIssuer.")


class PublicTLS(Model):
    """The certificate of the public endpoints: issued by cert-manager, or an existing Secret."""

    cross_field_rules = (
        OneOf("issuerRef", "secretName", "exactly one of issuerRef and secretName must be set"),
    )

    issuerRef: IssuerRef | None = Field(
        default=None,
        description=(
            "cert-manager issues one certificate per public host (<service>-tls-public "
            "Secrets), requested through each Ingress's cert-manager.io annotation."
        ),
    )
    secretName: ResourceName | None = Field(
        default=None,
        description=(
            "A kubernetes.io/tls Secret of the namespace that every public endpoint serves "
            "(a wildcard certificate for *.<publicDomain>); Osprey never writes it."
        ),
    )


class Endpoints(Model):
    """How the public endpoints are exposed (hosts follow spec.publicDomain)."""

    ingressClassName: ResourceName | None = Field(
        default=None,
        description=(
            "IngressClass of every public Ingress; the charts' own default (nginx) when unset."
        ),
    )
    tls: PublicTLS | None = Field(
        default=None,
        description=(
            "Serve every public endpoint over https on port 443 (the Keystone catalog lists "
            "https://<service>.<publicDomain>); needs spec.publicDomain. Plain http on 80 "
            "when unset."
        ),
    )


# Services whose charts Osprey does not yet configure to serve their internal endpoints over
# TLS (their server configs are not built): refused while spec.tls.internal is true.
WITHOUT_INTERNAL_TLS = ("horizon", "heat", "cinder", "barbican", "octavia")
# The OpenStack release whose charts (the 2026.1 line's patches published since OpenStack-Helm
# commit d141687d3, June 2026) no longer render API certificates under manifests.certificates:
# TLS moved to nginx sidecars given by values overrides, which Osprey does not build yet.
RELEASE_WITHOUT_INTERNAL_TLS = "2026.1"


def internal_tls_rules() -> tuple[RequiresSet | Forbids | ForbidsValue, ...]:
    """The spec's rules of spec.tls.internal: an issuer, charts that can, no service it cannot
    cover."""
    return (
        RequiresSet("tls.internal", "endpoints.tls.issuerRef",
                    "internal TLS needs spec.endpoints.tls.issuerRef: the same issuer signs a "
                    "certificate per internal endpoint"),
        ForbidsValue("tls.internal", "openstackRelease", RELEASE_WITHOUT_INTERNAL_TLS,
                     "internal TLS is not available with OpenStack 2026.1: its charts serve "
                     "TLS through sidecars Osprey does not configure yet (use 2025.1 or "
                     "2025.2, or turn spec.tls.internal off)"),
        *(Forbids("tls.internal", f"services.{service}.enabled",
                  f"{service} cannot serve its internal endpoints over TLS yet: disable it or "
                  "spec.tls.internal")
          for service in WITHOUT_INTERNAL_TLS),
    )


class TLS(Model):
    """TLS inside the cluster."""

    internal: bool = Field(
        default=False,
        description=(
            "Serve the services' internal endpoints over https with a certificate per "
            "endpoint from spec.endpoints.tls.issuerRef (OpenStack-Helm's "
            "manifests.certificates), clients trusting the issuer's CA, which must sign "
            "cluster-internal names (a CA issuer, not ACME). Covers keystone, glance, "
            "placement, neutron and nova, and MariaDB (the charts' switch needs it); other "
            "services, and OpenStack 2026.1, are refused while it is on. RabbitMQ and "
            "Memcached stay plain (see docs/operations.md)."
        ),
    )


class Images(Model):
    """Where the images come from."""

    registry: str | None = Field(
        default=None,
        max_length=200,
        pattern=REGISTRY_PATTERN,
        description=(
            "A registry mirror, host[:port][/path]: every image of the release catalog and "
            "the charts' defaults is pulled from it, its repository path and tag kept "
            "(quay.io/airshipit/nova:2025.1 -> <registry>/airshipit/nova:2025.1; an image "
            "without a registry host is docker.io's). Per-image overrides in a chart's values "
            "still win."
        ),
    )
    pullSecrets: Annotated[list[ResourceName], Distinct()] = Field(
        default_factory=list,
        max_length=MAX_PULL_SECRETS,
        description=(
            "Secrets of type kubernetes.io/dockerconfigjson in the control plane's namespace "
            "that every pod of every release pulls its images with (added to each pod "
            "template's imagePullSecrets, next to the chart's own). A Secret that does not "
            "exist yet is reported (condition ImagePullSecretsFound, a Warning Event), not "
            "waited for."
        ),
    )
