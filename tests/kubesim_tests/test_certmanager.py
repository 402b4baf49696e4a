"""The cert-manager stand-in: Ingresses annotated for an issuer get Certificates, Certificates
of an existing issuer get their TLS Secret and Ready, others stay not Ready with a reason."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.fixtures import certmanager

from .support import Http, wait_for

CM = "/apis/cert-manager.io/v1"


@pytest.fixture(scope="module")
def cert_manager(kube: Any) -> Iterator[None]:
    certmanager.install(kube)
    yield


def ingress(name: str, annotations: dict[str, str], tls: list[dict[str, Any]]) -> dict:
    rule = {"host": "keystone.cloud.example.com", "http": {"paths": [{
        "path": "/", "pathType": "Prefix",
        "backend": {"service": {"name": "keystone-api", "port": {"number": 5000}}}}]}}
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": name, "annotations": annotations},
            "spec": {"ingressClassName": "nginx", "rules": [rule], "tls": tls}}


def ready(obj: dict[str, Any]) -> dict[str, Any] | None:
    return next((c for c in (obj.get("status") or {}).get("conditions") or []
                 if c["type"] == "Ready"), None)


def certificate(http: Http, namespace: str, name: str) -> dict[str, Any] | None:
    response = http.get(f"{CM}/namespaces/{namespace}/certificates/{name}")
    return response.json() if response.status_code == 200 else None


def test_an_annotated_ingress_gets_a_ready_certificate_and_its_tls_secret(
    http: Http, namespace: str, cert_manager: None
) -> None:
    issuer = certmanager.cluster_issuer("kubesim-test-ca")
    assert http.post(f"{CM}/clusterissuers", issuer).status_code in (201, 409)
    tls = [{"secretName": "keystone-tls-public", "hosts": ["keystone.cloud.example.com"]}]
    body = ingress("keystone-namespace-fqdn",
                   {"cert-manager.io/cluster-issuer": "kubesim-test-ca"}, tls)
    created = http.post(f"/apis/networking.k8s.io/v1/namespaces/{namespace}/ingresses", body)
    assert created.status_code == 201, created.text

    cert = wait_for(lambda: (c := certificate(http, namespace, "keystone-tls-public"))
                    and (ready(c) or {}).get("status") == "True" and c)
    assert cert["spec"] == {"secretName": "keystone-tls-public",
                            "dnsNames": ["keystone.cloud.example.com"],
                            "issuerRef": {"name": "kubesim-test-ca", "kind": "ClusterIssuer",
                                          "group": "cert-manager.io"}}
    (owner,) = cert["metadata"]["ownerReferences"]
    assert (owner["kind"], owner["name"], owner["controller"]) == (
        "Ingress", "keystone-namespace-fqdn", True)
    secret = http.get(f"/api/v1/namespaces/{namespace}/secrets/keystone-tls-public").json()
    assert secret["type"] == "kubernetes.io/tls"
    assert base64.b64decode(secret["data"]["tls.crt"]).startswith(b"-----BEGIN CERTIFICATE")
    assert secret["metadata"]["annotations"]["cert-manager.io/certificate-name"] == (
        "keystone-tls-public")
    issuer_now = http.get(f"{CM}/clusterissuers/kubesim-test-ca").json()
    assert (ready(issuer_now) or {}).get("status") == "True"


def test_a_certificate_of_a_missing_issuer_stays_not_ready_naming_it(
    http: Http, namespace: str, cert_manager: None
) -> None:
    body = {"apiVersion": "cert-manager.io/v1", "kind": "Certificate",
            "metadata": {"name": "orphan"},
            "spec": {"secretName": "orphan-tls", "dnsNames": ["x.example.com"],
                     "issuerRef": {"name": "nobody", "kind": "Issuer"}}}
    assert http.post(f"{CM}/namespaces/{namespace}/certificates", body).status_code == 201
    condition = wait_for(lambda: ready(certificate(http, namespace, "orphan") or {}))
    assert (condition["status"], condition["reason"]) == ("False", "DoesNotExist")
    assert "Issuer 'nobody' not found" in condition["message"]
    missing = http.get(f"/api/v1/namespaces/{namespace}/secrets/orphan-tls")
    assert missing.status_code == 404


def test_a_deleted_tls_secret_is_issued_again(
    http: Http, namespace: str, cert_manager: None
) -> None:
    assert http.post(f"{CM}/namespaces/{namespace}/issuers", {
        "apiVersion": "cert-manager.io/v1", "kind": "Issuer", "metadata": {"name": "local"},
        "spec": {"selfSigned": {}}}).status_code == 201
    assert http.post(f"{CM}/namespaces/{namespace}/certificates", {
        "apiVersion": "cert-manager.io/v1", "kind": "Certificate", "metadata": {"name": "web"},
        "spec": {"secretName": "web-tls", "issuerRef": {"name": "local", "kind": "Issuer"}},
    }).status_code == 201
    path = f"/api/v1/namespaces/{namespace}/secrets/web-tls"
    first = wait_for(lambda: (r := http.get(path)).status_code == 200 and r.json())
    assert http.delete(path).status_code == 200
    again = wait_for(lambda: (r := http.get(path)).status_code == 200 and r.json())
    assert again["metadata"]["uid"] != first["metadata"]["uid"]


def test_an_ingress_without_an_issuer_annotation_asks_for_nothing(
    http: Http, namespace: str, cert_manager: None
) -> None:
    tls = [{"secretName": "plain-tls", "hosts": ["keystone.cloud.example.com"]}]
    path = f"/apis/networking.k8s.io/v1/namespaces/{namespace}/ingresses"
    assert http.post(path, ingress("plain", {}, tls)).status_code == 201
    assert http.post(path, ingress("marker", {"cert-manager.io/issuer": "x"}, [
        {"secretName": "marker-tls", "hosts": ["m.example.com"]}])).status_code == 201
    wait_for(lambda: certificate(http, namespace, "marker-tls"))
    listed = http.get(f"{CM}/namespaces/{namespace}/certificates").json()["items"]
    assert [c["metadata"]["name"] for c in listed] == ["marker-tls"], json.dumps(listed)
