"""Internal TLS (spec.tls.internal): every internal endpoint over https, its certificate from
the issuer of the public endpoints.

OpenStack-Helm (charts up to 2026.1.0) has one switch, `manifests.certificates`, and it does
more than its name says: a chart renders a cert-manager Certificate per internal endpoint it
serves (helm-toolkit's `manifests.certificates`, from `endpoints.<type>.host_fqdn_override.
default.tls`), mounts it into its API pods, and its clients trust the CA from the `ca.crt` of
the chart's own certificate Secret. It also switches the chart's database connections to TLS
with a client certificate (the MariaDB Secret `mariadb-tls-direct`, mounted at
/etc/mysql/certs) and its db-init Job creates the database user `REQUIRE X509`. So internal
TLS of the APIs needs MariaDB serving TLS from the same issuer: Osprey turns on the mariadb
chart's own `manifests.certificates` too. RabbitMQ stays plain: the charts mount its client
Secret only when its name is set, and Osprey blanks it; the management port some charts look
up as `https` under the switch is pointed at the plain one. Memcached has no TLS in the charts.

The servers' configs are in tls_servers.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from osprey.api.spec import ControlPlaneSpec
from osprey.catalog.enablement import enabled_releases
from osprey.catalog.values.exposure import PUBLIC_ENDPOINTS, public_tls_secret
from osprey.catalog.values.merge import deep_merge, nested
from osprey.catalog.values.tls_servers import server_values

if TYPE_CHECKING:
    from osprey.catalog.entry import ChartEntry, ValuesContext

HTTPS = "https"
# The MariaDB certificate: server certificate of mariadb and client certificate of every
# chart's database connection (OpenStack-Helm's default name on both sides).
MARIADB_SECRET = "mariadb-tls-direct"
# RabbitMQ's plain management listener (the charts' endpoints.oslo_messaging.port.http).
RABBITMQ_MANAGEMENT_PORT = 15672
# Where helm-toolkit mounts a CA for the Keystone Jobs (ks-user, ks-service, ks-endpoints).
JOB_CA = "/etc/ssl/certs/openstack-helm.crt"
# The ingress-nginx annotation telling the public Ingress its backend speaks https.
BACKEND_PROTOCOL = "nginx.ingress.kubernetes.io/backend-protocol"
# helm-toolkit's `cert_issuer_type`: the cert-manager.io/<type> annotation of its Ingresses.
ISSUER_TYPES = {"ClusterIssuer": "cluster-issuer", "Issuer": "issuer"}


@dataclass(frozen=True)
class InternalEndpoint:
    """An OpenStack-Helm endpoint type served over TLS inside the cluster."""

    service: str  # the release that serves it and renders its Certificate
    secret: str  # its Certificate and Secret: `secrets.tls.<type>.<network>.internal`
    network: str  # the `network.<network>.ingress` of its public Ingress


INTERNAL_ENDPOINTS: dict[str, InternalEndpoint] = {
    "identity": InternalEndpoint("keystone", "keystone-tls-api", "api"),
    "image": InternalEndpoint("glance", "glance-tls-api", "api"),
    "placement": InternalEndpoint("placement", "placement-tls-api", "api"),
    "network": InternalEndpoint("neutron", "neutron-tls-server", "server"),
    "compute": InternalEndpoint("nova", "nova-tls-api", "osapi"),
    "compute_metadata": InternalEndpoint("nova", "metadata-tls-metadata", "metadata"),
}
# Nova's console proxies: with manifests.certificates the chart renders a Certificate for
# each proxy it deploys (it fails to render without their `tls`), but they keep serving plain
# http / ws: their TLS (VeNCrypt, nova's [DEFAULT] ssl_only) is not configured.
CONSOLE_PROXIES: dict[str, str] = {
    "compute_novnc_proxy": "nova-novncproxy-tls-proxy",
    "compute_spice_proxy": "nova-spiceproxy-tls-proxy",
    "compute_serial_proxy": "nova-serialproxy-tls-proxy",
}
COVERED = frozenset(endpoint.service for endpoint in INTERNAL_ENDPOINTS.values())
# Where each covered chart mounts its own certificate Secret (tls.crt, tls.key, ca.crt).
CERTS_DIR = {service: f"/etc/{service}/certs" for service in COVERED}
# The client sections of each chart's config that verify the other APIs, by config file.
CLIENT_SECTIONS: dict[str, tuple[str, ...]] = {
    "keystone": (),
    "glance": ("keystone_authtoken",),
    "placement": ("keystone_authtoken",),
    "neutron": ("keystone_authtoken", "nova", "placement"),
    "nova": ("keystone_authtoken", "keystone", "glance", "neutron", "placement", "cinder"),
}


def internal_tls_on(spec: ControlPlaneSpec) -> bool:
    """Whether internal TLS is asked for (validation guarantees an issuer then)."""
    tls = spec.endpoints.tls
    return spec.tls.internal and tls is not None and tls.issuerRef is not None


def _issuer(spec: ControlPlaneSpec) -> dict[str, str]:
    assert spec.endpoints.tls is not None and spec.endpoints.tls.issuerRef is not None
    issuer = spec.endpoints.tls.issuerRef
    return {"name": issuer.name, "kind": issuer.kind.value}


def _certificate(secret: str, spec: ControlPlaneSpec) -> dict[str, Any]:
    """helm-toolkit's `host_fqdn_override.default.tls`: the Certificate it renders."""
    return {"host_fqdn_override": {"default": {"tls": {
        "secretName": secret, "issuerRef": _issuer(spec)}}}}


def internal_tls_values(entry: ChartEntry, ctx: ValuesContext) -> dict[str, Any]:
    """The chart's layer of internal TLS: empty unless spec.tls.internal."""
    spec = ctx.spec
    if not internal_tls_on(spec):
        return {}
    if entry.name == "mariadb":
        return deep_merge({"manifests": {"certificates": True}},
                          nested("endpoints.oslo_db", _certificate(MARIADB_SECRET, spec)))
    if entry.name not in COVERED:
        return {}
    enabled = enabled_releases(spec)
    values: dict[str, Any] = {
        "manifests": {"certificates": True},
        # The charts' short-host Ingresses then ask cert-manager for `<public secret>-ing`
        # from the internal issuer, by this annotation kind.
        "cert_issuer_type": ISSUER_TYPES[_issuer(spec)["kind"]],
        # keystone mounts its own certificate (and the Jobs the CA) only with tls.identity.
        "tls": {"identity": True},
        "endpoints": {
            "oslo_db": {"auth": {"admin": {"secret": {"tls": {"internal": MARIADB_SECRET}}}}},
            "oslo_messaging": {
                "auth": {"admin": {"secret": {"tls": {"internal": ""}}}},
                # Under manifests.certificates glance, neutron and nova write the RabbitMQ
                # admin URL (rabbit-init's) with the `https` management port: it names the
                # plain management listener, since RabbitMQ stays plain.
                "port": {"https": {"default": RABBITMQ_MANAGEMENT_PORT}},
            },
        },
    }
    for endpoint_type in _listed(entry):
        endpoint = INTERNAL_ENDPOINTS[endpoint_type]
        if endpoint.service not in enabled:
            continue
        schemes = {"default": HTTPS, "internal": HTTPS, "service": HTTPS}
        values = deep_merge(values, nested(f"endpoints.{endpoint_type}.scheme", schemes))
        if endpoint.service == entry.name:
            values = deep_merge(values, _served(endpoint_type, endpoint, spec))
    if entry.name == "nova":
        for endpoint_type, secret in CONSOLE_PROXIES.items():
            values = deep_merge(values, nested(f"endpoints.{endpoint_type}",
                                               _certificate(secret, spec)))
    values = deep_merge(values, _client_trust(entry, ctx))
    return deep_merge(values, server_values(entry.name, entry.chart_series(spec)))


def _listed(entry: ChartEntry) -> tuple[str, ...]:
    """The internal endpoints the chart refers to (the ones it lists in its values)."""
    return tuple(t for t in entry.public_endpoints if t in INTERNAL_ENDPOINTS)


def _served(endpoint_type: str, endpoint: InternalEndpoint,
            spec: ControlPlaneSpec) -> dict[str, Any]:
    """The Certificate of an endpoint the chart serves, and its public Ingress's backend
    protocol (the Ingress now reaches an https backend)."""
    values = nested(f"endpoints.{endpoint_type}", _certificate(endpoint.secret, spec))
    values = deep_merge(values, nested(
        f"secrets.tls.{endpoint_type}.{endpoint.network}.internal", endpoint.secret))
    if spec.publicDomain is not None:
        values = deep_merge(values, nested(
            f"network.{endpoint.network}.ingress.annotations", {BACKEND_PROTOCOL: "HTTPS"}))
    return values


def _client_trust(entry: ChartEntry, ctx: ValuesContext) -> dict[str, Any]:
    """The CA every client of the chart verifies the APIs with: the Keystone Jobs' mounted
    CA for each Keystone user, the `ca.crt` of the chart's own certificate in its config."""
    enabled = enabled_releases(ctx.spec)
    users = ("admin", *entry.keystone_users,
             *(user for user in entry.peer_users if user in enabled))
    values = nested("endpoints.identity.auth", {user: {"cacert": JOB_CA} for user in users})
    ca = f"{CERTS_DIR[entry.name]}/ca.crt"
    sections = {section: {"cafile": ca} for section in CLIENT_SECTIONS[entry.name]}
    if entry.name == "neutron":
        values = deep_merge(values, nested("conf.metadata_agent.DEFAULT", {
            "nova_metadata_protocol": HTTPS, "auth_ca_cert": JOB_CA}))
    if sections:
        values = deep_merge(values, nested(f"conf.{entry.name}", sections))
    return values


def internal_certificates(spec: ControlPlaneSpec, deployed: Iterable[str]) -> dict[str, str]:
    """Certificate name -> what it is for, of the deployed releases' internal endpoints (and
    MariaDB's), and the `<public secret>-ing` cert-manager issues for their short-host
    Ingresses; empty unless spec.tls.internal."""
    if not internal_tls_on(spec):
        return {}
    deployed = set(deployed)
    expected: dict[str, str] = {}
    for endpoint_type, endpoint in INTERNAL_ENDPOINTS.items():
        if endpoint.service not in deployed:
            continue
        expected[endpoint.secret] = f"the internal {endpoint_type} endpoint"
        public = PUBLIC_ENDPOINTS[endpoint_type]
        secret = public_tls_secret(public, spec)
        if spec.publicDomain is not None and secret is not None:
            expected[f"{secret}-ing"] = f"the {public.host} Ingress of in-cluster host names"
    if "mariadb" in deployed:
        expected[MARIADB_SECRET] = "MariaDB"
    return expected
