"""A reachable, secure control plane: public endpoints over https with cert-manager's
certificates, their URLs in status, and every image from a registry mirror.

One control plane (the default compute kit) converges with spec.endpoints (an ingress class,
TLS from a ClusterIssuer) and spec.images (a mirror); the tests read what
the charts rendered, what cert-manager (kubesim's stand-in, or the real one on a cluster)
issued, and the status.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import yaml

from osprey.catalog.values.exposure import PUBLIC_ENDPOINTS
from tests.fixtures import certmanager
from tests.integration.operator_harness import Client, RunningOperator, control_plane

pytestmark = pytest.mark.integration

DOMAIN = "cloud.example.com"
ISSUER = "osprey-exposure-ca"
INGRESS_CLASS = "public"
MIRROR = "mirror.example.com:5000/osh"
# The compute kit's public hosts and the release that serves each.
HOSTS = {"keystone": "keystone", "glance": "glance", "placement": "placement",
         "neutron": "neutron", "nova": "nova", "metadata": "nova", "novncproxy": "nova"}


@dataclass(frozen=True)
class Exposed:
    namespace: str
    name: str
    body: dict[str, Any]


def kubectl_json(kube: Any, *args: str) -> Any:
    result = kube.kubectl(*args, "-o", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def exposed(kube, crd_installed, chart_repo) -> Iterator[Exposed]:
    certmanager.install(kube)
    issuer = kube.kubectl("apply", "--server-side", "-f", "-",
                          input=json.dumps(certmanager.cluster_issuer(ISSUER)))
    assert issuer.returncode == 0, issuer.stderr
    client = Client(str(kube.kubeconfig))
    namespace = kube.new_namespace("exposure")
    body = control_plane(
        "minimal.yaml", namespace, chart_repo.url, publicDomain=DOMAIN,
        endpoints={"ingressClassName": INGRESS_CLASS,
                   "tls": {"issuerRef": {"kind": "ClusterIssuer", "name": ISSUER}}},
        images={"registry": MIRROR})
    name = body["metadata"]["name"]
    with RunningOperator(str(kube.kubeconfig), namespace) as operator:
        client.apply_control_plane(body)
        client.wait_ready(namespace, name, timeout=300)
        # cert-manager issues after the Ingresses exist; a later pass reads the Certificates.
        client.wait_for(lambda: operator.more_passes(client, namespace, name, 1) or (
            (client.condition(namespace, name, "CertificatesReady") or {}).get("status")
            == "True"), 60, "CertificatesReady")
        final = client.get("OpenStackControlPlane", namespace, name)
    yield Exposed(namespace, name, final)
    kube.delete_namespace(namespace)


def test_every_public_endpoint_is_served_over_https_on_its_host_with_its_tls_secret(
    kube, exposed: Exposed
):
    ingresses = {i["metadata"]["name"]: i for i in kubectl_json(
        kube, "-n", exposed.namespace, "get", "ingresses")["items"]}
    for host in HOSTS:
        ingress = ingresses[f"{host}-namespace-fqdn"]
        assert ingress["spec"]["ingressClassName"] == INGRESS_CLASS
        assert ingress["spec"]["tls"] == [
            {"secretName": f"{host}-tls-public", "hosts": [f"{host}.{DOMAIN}"]}]
        assert ingress["metadata"]["annotations"]["cert-manager.io/cluster-issuer"] == ISSUER
        # One Ingress per TLS Secret: cert-manager refuses a Certificate two Ingresses claim.
        assert f"{host}-cluster-fqdn" not in ingresses


def test_the_releases_register_https_urls_on_port_443(kube, exposed: Exposed):
    for release, endpoint_type in [("keystone", "identity"), ("nova", "compute"),
                                   ("nova", "compute_novnc_proxy"), ("glance", "image")]:
        result = kube.helm("get", "values", release, "-n", exposed.namespace, "-o", "yaml")
        assert result.returncode == 0, result.stderr
        endpoint = yaml.safe_load(result.stdout)["endpoints"][endpoint_type]
        public = PUBLIC_ENDPOINTS[endpoint_type]
        assert endpoint["scheme"]["public"] == "https"
        assert endpoint["port"][public.port]["public"] == 443
        assert endpoint["host_fqdn_override"]["public"]["host"] == f"{public.host}.{DOMAIN}"


def test_a_certificate_is_requested_and_issued_for_every_public_host(kube, exposed: Exposed):
    def issued() -> dict[str, Any] | None:
        certs = {c["metadata"]["name"]: c for c in kubectl_json(
            kube, "-n", exposed.namespace, "get", "certificates")["items"]}
        ready = {name for name, c in certs.items() if any(
            k["type"] == "Ready" and k["status"] == "True"
            for k in (c.get("status") or {}).get("conditions") or [])}
        return certs if ready >= {f"{host}-tls-public" for host in HOSTS} else None

    certs = Client(str(kube.kubeconfig)).wait_for(issued, 60, "every Certificate Ready")
    for host in HOSTS:
        cert = certs[f"{host}-tls-public"]
        assert cert["spec"]["dnsNames"] == [f"{host}.{DOMAIN}"]
        assert cert["spec"]["issuerRef"]["name"] == ISSUER
        secret = kubectl_json(kube, "-n", exposed.namespace, "get", "secret",
                              f"{host}-tls-public")
        assert secret["type"] == "kubernetes.io/tls"


def test_status_lists_the_public_url_of_every_enabled_service(exposed: Exposed):
    assert exposed.body["status"]["endpoints"] == {
        host: f"https://{host}.{DOMAIN}" for host in HOSTS}


def test_kubectl_wide_shows_the_keystone_url(kube, exposed: Exposed):
    result = kube.kubectl("-n", exposed.namespace, "get", "oscp", exposed.name, "-o", "wide")
    assert result.returncode == 0, result.stderr
    header, row = result.stdout.splitlines()[:2]
    assert "KEYSTONE" in header.split()
    assert f"https://keystone.{DOMAIN}" in row.split()


def test_every_container_of_every_pod_pulls_from_the_mirror(kube, exposed: Exposed):
    pods = kubectl_json(kube, "-n", exposed.namespace, "get", "pods")["items"]
    assert pods
    images = {(p["metadata"]["name"], c["name"]): c["image"] for p in pods
              for c in p["spec"].get("initContainers", []) + p["spec"]["containers"]}
    elsewhere = {k: image for k, image in images.items() if not image.startswith(MIRROR + "/")}
    assert elsewhere == {}


def test_the_control_plane_reports_its_certificates_issued(exposed: Exposed):
    (condition,) = [c for c in exposed.body["status"]["conditions"]
                    if c["type"] == "CertificatesReady"]
    assert (condition["status"], condition["reason"]) == ("True", "CertificatesIssued")
    assert condition["message"] == f"{len(HOSTS)} public certificates issued"


def test_a_missing_issuer_is_reported_naming_the_certificate(kube, crd_installed, chart_repo):
    certmanager.install(kube)
    client = Client(str(kube.kubeconfig))
    namespace = kube.new_namespace("no-issuer")
    off = {"enabled": False}
    body = control_plane(
        "minimal.yaml", namespace, chart_repo.url, publicDomain=DOMAIN,
        endpoints={"tls": {"issuerRef": {"kind": "Issuer", "name": "nobody"}}},
        services={"glance": off, "placement": off, "neutron": off, "nova": off})
    name = body["metadata"]["name"]
    try:
        with RunningOperator(str(kube.kubeconfig), namespace) as operator:
            client.apply_control_plane(body)
            client.wait_ready(namespace, name, timeout=300)

            def reported() -> dict[str, Any] | None:
                operator.more_passes(client, namespace, name, 1)
                found = client.condition(namespace, name, "CertificatesReady")
                return found if (found or {}).get("reason") == "CertificateNotReady" else None

            condition = client.wait_for(reported, 60, "CertificatesReady naming the Certificate")
    finally:
        kube.delete_namespace(namespace)
    assert condition["status"] == "False"
    assert condition["message"].startswith(
        f"Certificate keystone-tls-public for keystone.{DOMAIN} is not Ready (DoesNotExist)")
    assert "Issuer 'nobody' not found" in condition["message"]
