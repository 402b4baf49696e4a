"""Internal TLS (spec.tls.internal): every internal endpoint of the compute kit, and MariaDB,
served with a certificate from the public endpoints' issuer.

One control plane (the default compute kit) converges with a ClusterIssuer and
`tls.internal: true`; the tests read the Certificates the releases rendered and cert-manager
(kubesim's stand-in, or the real one on a cluster) issued, the values the releases were
installed with, and the status. Without an issuer the API server refuses the spec, naming the
field.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import yaml

from osprey.catalog.values.internal_tls import INTERNAL_ENDPOINTS, MARIADB_SECRET
from tests.fixtures import certmanager
from tests.integration.operator_harness import Client, RunningOperator, control_plane

pytestmark = pytest.mark.integration

DOMAIN = "cloud.example.com"
ISSUER = "osprey-internal-ca"
# The Certificates the releases render: one per internal endpoint, MariaDB's.
RENDERED = {endpoint.secret for endpoint in INTERNAL_ENDPOINTS.values()} | {MARIADB_SECRET}


@dataclass(frozen=True)
class Secured:
    namespace: str
    name: str
    body: dict[str, Any]


def kubectl_json(kube: Any, *args: str) -> Any:
    result = kube.kubectl(*args, "-o", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def is_ready(certificate: dict[str, Any]) -> bool:
    return any(c["type"] == "Ready" and c["status"] == "True"
               for c in (certificate.get("status") or {}).get("conditions") or [])


@pytest.fixture(scope="module")
def secured(kube, crd_installed, chart_repo) -> Iterator[Secured]:
    certmanager.install(kube)
    issuer = kube.kubectl("apply", "--server-side", "-f", "-",
                          input=json.dumps(certmanager.cluster_issuer(ISSUER)))
    assert issuer.returncode == 0, issuer.stderr
    client = Client(str(kube.kubeconfig))
    namespace = kube.new_namespace("internal-tls")
    body = control_plane(
        "minimal.yaml", namespace, chart_repo.url, publicDomain=DOMAIN,
        endpoints={"tls": {"issuerRef": {"kind": "ClusterIssuer", "name": ISSUER}}},
        tls={"internal": True})
    name = body["metadata"]["name"]
    with RunningOperator(str(kube.kubeconfig), namespace) as operator:
        client.apply_control_plane(body)
        client.wait_ready(namespace, name, timeout=300)
        client.wait_for(lambda: operator.more_passes(client, namespace, name, 1) or (
            (client.condition(namespace, name, "CertificatesReady") or {}).get("status")
            == "True"), 60, "CertificatesReady")
        final = client.get("OpenStackControlPlane", namespace, name)
    yield Secured(namespace, name, final)
    kube.delete_namespace(namespace)


def test_every_internal_endpoint_has_a_certificate_from_the_issuer_that_is_ready(
        kube, secured: Secured):
    certificates = {c["metadata"]["name"]: c for c in kubectl_json(
        kube, "-n", secured.namespace, "get", "certificates")["items"]}
    assert RENDERED <= set(certificates)
    for name in RENDERED:
        certificate = certificates[name]
        assert certificate["spec"]["issuerRef"]["name"] == ISSUER, name
        assert certificate["spec"]["secretName"] == name
        assert is_ready(certificate), name
        secret = kubectl_json(kube, "-n", secured.namespace, "get", "secret", name)
        assert secret["type"] == "kubernetes.io/tls"
        assert {"tls.crt", "tls.key", "ca.crt"} <= set(secret["data"]), name


def test_the_releases_reach_every_internal_endpoint_over_https(kube, secured: Secured):
    for release in ("keystone", "glance", "placement", "neutron", "nova"):
        result = kube.helm("get", "values", release, "-n", secured.namespace, "-o", "yaml")
        assert result.returncode == 0, result.stderr
        values = yaml.safe_load(result.stdout)
        assert values["manifests"]["certificates"] is True, release
        for endpoint_type in ("identity", *(t for t, e in INTERNAL_ENDPOINTS.items()
                                            if e.service == release)):
            scheme = values["endpoints"][endpoint_type]["scheme"]
            assert scheme["internal"] == scheme["default"] == "https", (release, endpoint_type)


def test_the_control_plane_reports_internal_certificates_issued(secured: Secured):
    (condition,) = [c for c in secured.body["status"]["conditions"]
                    if c["type"] == "CertificatesReady"]
    assert (condition["status"], condition["reason"]) == ("True", "CertificatesIssued")
    # 7 public hosts; internal: 6 endpoints, MariaDB, an in-cluster Ingress per endpoint.
    assert condition["message"] == "7 public certificates issued, 13 internal"


def test_internal_tls_without_an_issuer_is_refused_naming_the_field(kube, crd_installed,
                                                                   chart_repo):
    namespace = kube.new_namespace("internal-tls-no-issuer")
    body = control_plane("minimal.yaml", namespace, chart_repo.url, publicDomain=DOMAIN,
                         endpoints={"tls": {"secretName": "wildcard-tls"}},
                         tls={"internal": True})
    try:
        result = kube.kubectl("apply", "--server-side", "-f", "-", input=json.dumps(body))
    finally:
        kube.delete_namespace(namespace)
    assert result.returncode != 0
    assert "spec.tls.internal" in result.stderr
    assert "internal TLS needs spec.endpoints.tls.issuerRef" in result.stderr


def test_a_rotation_logs_into_mariadb_with_the_client_certificate_root_requires(
        kube, secured: Secured):
    # OpenStack-Helm's mariadb gives root REQUIRE X509 under manifests.certificates.
    client = Client(str(kube.kubeconfig))
    namespace, name = secured.namespace, secured.name
    jobs: dict[str, dict[str, Any]] = {}

    def rotated() -> bool:
        jobs.update({j["metadata"]["name"]: j for j in client.list(
            "Job", namespace, "osprey.dev/rotation=keystone")})
        body = client.get("OpenStackControlPlane", namespace, name) or {}
        record = ((body.get("status") or {}).get("credentials") or {}).get("keystone") or {}
        return record.get("token") == "tls-1" and record.get("phase") == "Rotated"

    with RunningOperator(str(kube.kubeconfig), namespace):
        client.patch_spec(namespace, name, {"credentials": {"rotate": {"keystone": "tls-1"}}})
        client.wait_for(rotated, 240, "keystone's credentials rotated")
    assert jobs, "the rotation ran its database Job"
    for job in jobs.values():
        pod = job["spec"]["template"]["spec"]
        assert {"name": "db-certs", "secret": {"secretName": MARIADB_SECRET,
                                               "defaultMode": 0o444}} in pod["volumes"]
        container = pod["containers"][0]
        assert {"name": "db-certs", "mountPath": "/etc/mysql/certs",
                "readOnly": True} in container["volumeMounts"]
