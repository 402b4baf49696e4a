"""spec.tls.internal: the same specs refused by the CRD's CEL and by the operator, with the
field named."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from osprey.api import SpecError, validate_spec
from osprey.api.crd import openapi_schema
from osprey.api.structural import apply_defaults
from tests.unit import cel

SPEC = openapi_schema()["properties"]["spec"]
DOMAIN = "cloud.example.com"
ISSUER = {"issuerRef": {"kind": "ClusterIssuer", "name": "ca-issuer"}}


def cel_accepts(raw: dict[str, Any]) -> bool:
    value = apply_defaults(copy.deepcopy(raw), SPEC)
    rules = [r for r in SPEC["x-kubernetes-validations"] if "tls" in r["rule"]]
    return all(cel.evaluate(rule["rule"], value) for rule in rules)


def problems(raw: dict[str, Any]) -> list[tuple[str, str]]:
    try:
        validate_spec(raw)
    except SpecError as exc:
        return exc.errors
    return []


def test_internal_tls_is_off_by_default():
    assert validate_spec({}).tls.internal is False


def test_internal_tls_with_a_public_issuer_is_accepted():
    raw = {"publicDomain": DOMAIN, "endpoints": {"tls": ISSUER}, "tls": {"internal": True}}
    assert problems(raw) == []
    assert cel_accepts(raw)


@pytest.mark.parametrize("raw", [
    {"tls": {"internal": True}},
    {"publicDomain": DOMAIN, "endpoints": {"tls": {"secretName": "wildcard-tls"}},
     "tls": {"internal": True}},
], ids=["no-public-tls", "secret-name-only"])
def test_internal_tls_without_an_issuer_is_refused_naming_the_field(raw: dict[str, Any]):
    assert ("spec.tls.internal",
            ("internal TLS needs spec.endpoints.tls.issuerRef: the same issuer signs a "
            "certificate per internal endpoint")) in problems(raw)
    assert not cel_accepts(raw)


@pytest.mark.parametrize("service", ["horizon", "heat", "cinder", "barbican", "octavia"])
def test_internal_tls_refuses_a_service_it_does_not_cover(service: str):
    raw = {"publicDomain": DOMAIN, "endpoints": {"tls": ISSUER}, "tls": {"internal": True},
           "services": {service: {"enabled": True}}}
    found = problems(raw)
    assert (f"spec.services.{service}.enabled",
            (f"{service} cannot serve its internal endpoints over TLS yet: disable it or "
            "spec.tls.internal")) in found
    assert not cel_accepts(raw)


def test_an_uncovered_service_is_accepted_without_internal_tls():
    raw = {"publicDomain": DOMAIN, "endpoints": {"tls": ISSUER},
           "services": {"heat": {"enabled": True}}}
    assert problems(raw) == []
    assert cel_accepts(raw)


def test_internal_tls_is_refused_with_openstack_2026_1_naming_the_field():
    raw = {"openstackRelease": "2026.1", "publicDomain": DOMAIN,
           "endpoints": {"tls": ISSUER}, "tls": {"internal": True}}
    ((field, message),) = problems(raw)
    assert field == "spec.tls.internal"
    assert message.startswith("internal TLS is not available with OpenStack 2026.1")
    assert not cel_accepts(raw)


@pytest.mark.parametrize("release", ["2025.1", "2025.2"])
def test_internal_tls_is_accepted_with_the_releases_whose_charts_render_certificates(
        release: str):
    raw = {"openstackRelease": release, "publicDomain": DOMAIN,
           "endpoints": {"tls": ISSUER}, "tls": {"internal": True}}
    assert problems(raw) == []
    assert cel_accepts(raw)
