"""Public endpoints: hosts under spec.publicDomain, https and the Ingresses that serve them.

OpenStack-Helm (charts up to 2026.1.0) renders, per public API, an Ingress for the public
host (`host_fqdn_override.public.host`) whose TLS Secret is `secrets.tls.<type>.<api>.public`
and whose class is `network.<api>.ingress.classes.namespace`; another chart referring to the
endpoint reads the same `endpoints.<type>` keys, so every chart that lists the endpoint gets
the same host, scheme and port (the Keystone catalog is registered from them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from osprey.api.spec import ControlPlaneSpec, IssuerKind
from osprey.catalog.enablement import enabled_releases
from osprey.catalog.values.merge import deep_merge, nested

HTTPS_PORT = 443
# cert-manager's ingress-shim requests a Certificate for each TLS host of an Ingress
# carrying one of these annotations, named after the TLS Secret.
ISSUER_ANNOTATIONS = {
    IssuerKind.ClusterIssuer: "cert-manager.io/cluster-issuer",
    IssuerKind.Issuer: "cert-manager.io/issuer",
}


@dataclass(frozen=True)
class PublicEndpoint:
    """An OpenStack-Helm endpoint type reachable from outside the cluster."""

    service: str  # the release that serves it (and renders its Ingress)
    host: str  # public host name under spec.publicDomain
    port: str  # the `endpoints.<type>.port.<port>` key of its public port
    network: str | None  # the `network.<network>.ingress` of its Ingress; None: none of its own


PUBLIC_ENDPOINTS: dict[str, PublicEndpoint] = {
    "identity": PublicEndpoint("keystone", "keystone", "api", "api"),
    "image": PublicEndpoint("glance", "glance", "api", "api"),
    "placement": PublicEndpoint("placement", "placement", "api", "api"),
    "network": PublicEndpoint("neutron", "neutron", "api", "server"),
    "compute": PublicEndpoint("nova", "nova", "api", "osapi"),
    "compute_metadata": PublicEndpoint("nova", "metadata", "metadata", "metadata"),
    "compute_novnc_proxy": PublicEndpoint("nova", "novncproxy", "novnc_proxy", "novncproxy"),
    "dashboard": PublicEndpoint("horizon", "horizon", "web", "dashboard"),
    "orchestration": PublicEndpoint("heat", "heat", "api", "api"),
    "cloudformation": PublicEndpoint("heat", "cloudformation", "api", "cfn"),
    "volume": PublicEndpoint("cinder", "cinder", "api", None),
    "volumev2": PublicEndpoint("cinder", "cinder", "api", None),
    "volumev3": PublicEndpoint("cinder", "cinder", "api", "api"),
    "key_manager": PublicEndpoint("barbican", "barbican", "api", "api"),
    "load_balancer": PublicEndpoint("octavia", "octavia", "api", "api"),
}


def public_tls_secret(endpoint: PublicEndpoint, spec: ControlPlaneSpec) -> str | None:
    """The TLS Secret the endpoint's Ingress serves: the admin's, or one per public host that
    cert-manager writes; None without public TLS."""
    tls = spec.endpoints.tls
    if tls is None:
        return None
    return tls.secretName or f"{endpoint.host}-tls-public"


def public_url(endpoint: PublicEndpoint, spec: ControlPlaneSpec) -> str:
    """The URL the Keystone catalog lists for the endpoint (default ports left out)."""
    scheme = "https" if spec.endpoints.tls is not None else "http"
    return f"{scheme}://{endpoint.host}.{spec.publicDomain}"


def public_urls(spec: ControlPlaneSpec) -> dict[str, str]:
    """Public URL of each enabled service's endpoint, by public host (status.endpoints);
    empty without spec.publicDomain (the endpoints are then cluster-internal)."""
    if spec.publicDomain is None:
        return {}
    enabled = enabled_releases(spec)
    return {
        endpoint.host: public_url(endpoint, spec)
        for endpoint in PUBLIC_ENDPOINTS.values()
        if endpoint.service in enabled
    }


def public_endpoint_values(
    chart: str, endpoint_types: tuple[str, ...], spec: ControlPlaneSpec
) -> dict[str, Any]:
    """`endpoints.<type>` public host (and TLS: scheme https, port 443) of each endpoint the
    chart lists whose service is enabled, and the chart's own Ingresses."""
    if spec.publicDomain is None:
        return {}
    enabled = enabled_releases(spec)
    result: dict[str, Any] = {}
    for endpoint_type in endpoint_types:
        endpoint = PUBLIC_ENDPOINTS[endpoint_type]
        if endpoint.service not in enabled:
            continue
        result = deep_merge(result, _endpoint(endpoint_type, endpoint, spec))
        if endpoint.service == chart and endpoint.network is not None:
            result = deep_merge(result, _ingress(endpoint_type, endpoint, spec))
    return result


def _endpoint(endpoint_type: str, endpoint: PublicEndpoint, spec: ControlPlaneSpec) -> dict:
    public: dict[str, Any] = {"host": f"{endpoint.host}.{spec.publicDomain}"}
    tls = spec.endpoints.tls
    values: dict[str, Any] = {"host_fqdn_override": {"public": public}}
    if tls is not None:
        public["tls"] = {"secretName": public_tls_secret(endpoint, spec)}
        if tls.issuerRef is not None:
            public["tls"]["issuerRef"] = {
                "name": tls.issuerRef.name, "kind": tls.issuerRef.kind.value}
        values["scheme"] = {"public": "https"}
        values["port"] = {endpoint.port: {"public": HTTPS_PORT}}
    return nested(f"endpoints.{endpoint_type}", values)


def _ingress(endpoint_type: str, endpoint: PublicEndpoint, spec: ControlPlaneSpec) -> dict:
    """The Ingress of the public host: its class, the issuer annotation and its TLS Secret.

    With either set, only the Ingress of the namespace's class is rendered
    (`use_external_ingress_controller`): OpenStack-Helm's second, cluster-class Ingress would
    carry the same TLS Secret, and cert-manager refuses a Certificate two Ingresses claim.
    """
    exposure = spec.endpoints
    if exposure.ingressClassName is None and exposure.tls is None:
        return {}
    ingress: dict[str, Any] = {}
    if exposure.ingressClassName is not None:
        ingress["classes"] = {"namespace": exposure.ingressClassName}
    values: dict[str, Any] = {"network": {"use_external_ingress_controller": True}}
    if exposure.tls is not None:
        if exposure.tls.issuerRef is not None:
            issuer = exposure.tls.issuerRef
            ingress["annotations"] = {ISSUER_ANNOTATIONS[issuer.kind]: issuer.name}
        secret = public_tls_secret(endpoint, spec)
        values = deep_merge(values, nested(
            f"secrets.tls.{endpoint_type}.{endpoint.network}.public", secret))
    if ingress:
        values = deep_merge(values, nested(f"network.{endpoint.network}.ingress", ingress))
    return values
