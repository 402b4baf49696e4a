"""Whether the endpoints' certificates were issued: the `CertificatesReady` condition.

With `spec.endpoints.tls.issuerRef`, cert-manager issues one Certificate per public host of a
deployed service (named after its Secret, `<host>-tls-public`). Until it does, the Ingress
serves the ingress controller's default certificate and clients refuse the endpoint, so the
condition names the first Certificate that is missing or not Ready, with cert-manager's own
reason. With `spec.tls.internal` the releases render a Certificate per internal endpoint (and
MariaDB's), and their Ingresses ask for one of in-cluster host names: those count too (see
catalog/values/internal_tls.py). It does not hold back `Ready`: the services run, and an ACME
issuer may take minutes. The Certificates are read once a pass, only while an issuer is asked
for.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from osprey.api.conditions import get_condition, remove_condition, set_condition
from osprey.api.spec import ControlPlaneSpec
from osprey.api.status import Condition
from osprey.catalog.values.exposure import PUBLIC_ENDPOINTS, public_tls_secret
from osprey.catalog.values.internal_tls import internal_certificates
from osprey.kube import Kube, KubeError, Resource

CERTIFICATE = Resource("cert-manager.io/v1", "Certificate", "certificates")

CONDITION = "CertificatesReady"
PUBLIC_SUFFIX = "-tls-public"  # public_tls_secret's names, when cert-manager writes them


def expected_certificates(spec: ControlPlaneSpec, deployed: Iterable[str]) -> dict[str, str]:
    """Certificate name -> public host (or what an internal one is for), for the deployed
    services' Ingresses and, with spec.tls.internal, their internal endpoints; empty unless
    an issuer is asked for."""
    tls = spec.endpoints.tls
    if spec.publicDomain is None or tls is None or tls.issuerRef is None:
        return {}
    deployed = set(deployed)
    expected: dict[str, str] = {}
    for endpoint in PUBLIC_ENDPOINTS.values():
        if endpoint.service in deployed and endpoint.network is not None:
            name = public_tls_secret(endpoint, spec)
            assert name is not None
            expected[name] = f"{endpoint.host}.{spec.publicDomain}"
    return {**expected, **internal_certificates(spec, deployed)}


async def read_certificates(kube: Kube, namespace: str) -> list[dict[str, Any]] | None:
    """The namespace's Certificates; None when the cluster does not serve cert-manager's API."""
    try:
        return await kube.list(CERTIFICATE, namespace)
    except KubeError as exc:
        if exc.status == 404:
            return None
        raise


def _ready(certificate: Mapping[str, Any]) -> Mapping[str, Any] | None:
    conditions = (certificate.get("status") or {}).get("conditions") or []
    return next((c for c in conditions if c.get("type") == "Ready"), None)


def certificates_condition(
    conditions: list[Condition],
    previous: Iterable[Condition],
    expected: Mapping[str, str],
    certificates: list[Mapping[str, Any]] | None,
    generation: int,
    now: str,
) -> list[Condition]:
    """`conditions` with CertificatesReady set from the namespace's Certificates (None: the
    cert-manager.io API is not served), or removed when no certificate is expected; its
    lastTransitionTime is kept from the `previous` status while it does not flip."""
    conditions = remove_condition(conditions, CONDITION)
    if not expected:
        return conditions
    earlier = get_condition(previous, CONDITION)
    if earlier is not None:
        conditions.append(earlier)
    if certificates is None:
        return set_condition(
            conditions, CONDITION, False, "CertManagerMissing",
            "spec.endpoints.tls.issuerRef needs cert-manager: the cluster serves no "
            "certificates.cert-manager.io/v1", generation, now)
    by_name = {c["metadata"]["name"]: c for c in certificates}
    for name, host in sorted(expected.items()):
        certificate = by_name.get(name)
        if certificate is None:
            return set_condition(
                conditions, CONDITION, False, "CertificateMissing",
                f"Certificate {name} for {host} was not requested yet (cert-manager creates "
                "it from the Ingress, a release renders an internal one)", generation, now)
        ready = _ready(certificate)
        if ready is None or ready.get("status") != "True":
            why = (ready or {}).get("message") or "not issued yet"
            reason = (ready or {}).get("reason") or "Pending"
            return set_condition(
                conditions, CONDITION, False, "CertificateNotReady",
                f"Certificate {name} for {host} is not Ready ({reason}): {why}",
                generation, now)
    public = sum(1 for name in expected if name.endswith(PUBLIC_SUFFIX))
    internal = len(expected) - public
    issued = f"{public} public certificates issued"
    if internal:
        issued += f", {internal} internal"
    return set_condition(conditions, CONDITION, True, "CertificatesIssued", issued,
                         generation, now)
