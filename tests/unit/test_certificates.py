"""CertificatesReady: the public certificates cert-manager was asked for, named when missing."""

from __future__ import annotations

from typing import Any

from osprey.api.conditions import set_condition
from osprey.api.spec import ControlPlaneSpec
from osprey.certificates import CONDITION, certificates_condition, expected_certificates

NOW, LATER = "2026-12-01T05:00:00Z", "2026-12-01T06:00:00Z"
ISSUED = {"type": "Ready", "status": "True", "reason": "Ready", "message": "up to date"}


def exposed(**tls: Any) -> ControlPlaneSpec:
    return ControlPlaneSpec.model_validate({
        "publicDomain": "cloud.example.com",
        "endpoints": {"tls": tls or {"issuerRef": {"name": "letsencrypt"}}}})


def certificate(name: str, *conditions: dict[str, str]) -> dict[str, Any]:
    return {"metadata": {"name": name}, "status": {"conditions": list(conditions)}}


def condition(expected, certificates, previous=(), now=NOW):
    (found,) = [c for c in certificates_condition([], list(previous), expected, certificates,
                                                  3, now) if c.type == CONDITION]
    return found


def test_one_certificate_per_public_host_of_a_deployed_service():
    expected = expected_certificates(exposed(), ["keystone", "nova", "mariadb"])
    assert expected == {
        "keystone-tls-public": "keystone.cloud.example.com",
        "nova-tls-public": "nova.cloud.example.com",
        "metadata-tls-public": "metadata.cloud.example.com",
        "novncproxy-tls-public": "novncproxy.cloud.example.com",
    }


def test_no_certificate_is_expected_without_an_issuer():
    assert expected_certificates(exposed(secretName="wildcard-tls"), ["keystone"]) == {}
    assert expected_certificates(ControlPlaneSpec(), ["keystone"]) == {}
    assert certificates_condition(
        set_condition([], CONDITION, True, "CertificatesIssued", "", 1, NOW), [], {}, None, 2,
        NOW) == []


def test_every_certificate_ready_is_true():
    expected = {"keystone-tls-public": "keystone.cloud.example.com"}
    found = condition(expected, [certificate("keystone-tls-public", ISSUED)])
    assert (found.status, found.reason) == ("True", "CertificatesIssued")


def test_a_certificate_of_a_missing_issuer_is_named_with_cert_managers_reason():
    expected = {"keystone-tls-public": "keystone.cloud.example.com",
                "nova-tls-public": "nova.cloud.example.com"}
    stuck = {"type": "Ready", "status": "False", "reason": "DoesNotExist",
             "message": "Issuing certificate as Secret does not exist"}
    found = condition(expected, [certificate("keystone-tls-public", ISSUED),
                                 certificate("nova-tls-public", stuck)])
    assert (found.status, found.reason) == ("False", "CertificateNotReady")
    assert found.message == ("Certificate nova-tls-public for nova.cloud.example.com is not "
                             "Ready (DoesNotExist): Issuing certificate as Secret does not exist")


def test_a_certificate_not_requested_yet_is_named():
    found = condition({"keystone-tls-public": "keystone.cloud.example.com"}, [])
    assert (found.status, found.reason) == ("False", "CertificateMissing")
    assert "keystone-tls-public" in found.message


def test_a_cluster_without_cert_manager_says_so():
    found = condition({"keystone-tls-public": "keystone.cloud.example.com"}, None)
    assert (found.status, found.reason) == ("False", "CertManagerMissing")


def test_the_transition_time_is_kept_while_the_status_holds():
    expected = {"keystone-tls-public": "keystone.cloud.example.com"}
    first = condition(expected, [certificate("keystone-tls-public", ISSUED)])
    again = condition(expected, [certificate("keystone-tls-public", ISSUED)], [first], LATER)
    assert again.lastTransitionTime == NOW


def test_with_internal_tls_the_internal_certificates_of_deployed_releases_are_expected():
    spec = ControlPlaneSpec.model_validate({
        "openstackRelease": "2025.2", "publicDomain": "cloud.example.com",
        "endpoints": {"tls": {"issuerRef": {"name": "ca-issuer"}}}, "tls": {"internal": True}})
    expected = expected_certificates(spec, ["mariadb", "keystone"])
    assert expected == {
        "keystone-tls-public": "keystone.cloud.example.com",
        "keystone-tls-api": "the internal identity endpoint",
        "keystone-tls-public-ing": "the keystone Ingress of in-cluster host names",
        "mariadb-tls-direct": "MariaDB",
    }
    found = condition(expected, [certificate(name, ISSUED) for name in expected])
    assert (found.status, found.message) == ("True", "1 public certificates issued, 3 internal")
