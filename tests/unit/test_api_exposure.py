"""spec.endpoints and spec.images: the same specs refused by the CRD's CEL and by
the operator, with the field named."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from osprey.api import SpecError, validate_spec
from osprey.api.crd import openapi_schema
from osprey.api.spec import ControlPlaneSpec
from osprey.api.structural import apply_defaults
from tests.unit import cel

SPEC = openapi_schema()["properties"]["spec"]
DOMAIN = "cloud.example.com"
ISSUER = {"issuerRef": {"kind": "ClusterIssuer", "name": "letsencrypt"}}


def spec_rules() -> list[dict[str, str]]:
    return [r for r in SPEC["x-kubernetes-validations"] if "endpoints" in r["rule"]]


def cel_accepts(raw: dict[str, Any]) -> bool:
    value = apply_defaults(copy.deepcopy(raw), SPEC)
    return all(cel.evaluate(rule["rule"], value) for rule in spec_rules())


def problems(raw: dict[str, Any]) -> list[tuple[str, str]]:
    try:
        validate_spec(raw)
    except SpecError as exc:
        return exc.errors
    return []


def test_public_tls_from_an_issuer_is_accepted_with_a_public_domain():
    raw = {"publicDomain": DOMAIN, "endpoints": {"ingressClassName": "nginx", "tls": ISSUER}}
    assert problems(raw) == []
    assert cel_accepts(raw)


def test_public_tls_without_a_public_domain_is_refused_naming_the_field():
    raw = {"endpoints": {"tls": {"secretName": "wildcard-tls"}}}
    assert problems(raw) == [(
        "spec.endpoints.tls",
        "public TLS needs spec.publicDomain: certificates name the public hosts")]
    assert not cel_accepts(raw)


@pytest.mark.parametrize("tls", [{}, {**ISSUER, "secretName": "wildcard-tls"}])
def test_public_tls_takes_exactly_one_source(tls: dict[str, Any]):
    (problem,) = problems({"publicDomain": DOMAIN, "endpoints": {"tls": tls}})
    assert problem == ("spec.endpoints.tls.issuerRef",
                       "exactly one of issuerRef and secretName must be set")


def test_an_issuer_kind_is_issuer_or_cluster_issuer():
    raw = {"publicDomain": DOMAIN,
           "endpoints": {"tls": {"issuerRef": {"kind": "Vault", "name": "x"}}}}
    ((field, message),) = problems(raw)
    assert field == "spec.endpoints.tls.issuerRef.kind"
    assert "Issuer" in message and "ClusterIssuer" in message


@pytest.mark.parametrize("registry", [
    "registry.example.com", "mirror.example.com:5000", "mirror.example.com:5000/openstack/osh",
    "localhost:5000"])
def test_a_registry_is_a_host_with_optional_port_and_path(registry: str):
    spec = validate_spec({"images": {"registry": registry}})
    assert spec.images.registry == registry


@pytest.mark.parametrize("registry", [
    "https://registry.example.com", "registry.example.com/", "Registry.Example.com", "mirror"])
def test_a_registry_with_a_scheme_a_trailing_slash_or_no_domain_is_refused(registry: str):
    ((field, message),) = problems({"images": {"registry": registry}})
    assert field == "spec.images.registry"
    assert message.startswith("must be a registry host")


def test_defaults_expose_nothing_and_keep_the_public_registries():
    spec = ControlPlaneSpec()
    assert spec.endpoints.tls is None and spec.endpoints.ingressClassName is None
    assert spec.images.registry is None


def test_pull_secrets_name_secrets_of_the_namespace():
    spec = validate_spec({"images": {"pullSecrets": ["regcred", "mirror.example.com-auth"]}})
    assert spec.images.pullSecrets == ["regcred", "mirror.example.com-auth"]


def test_no_pull_secrets_by_default():
    assert ControlPlaneSpec().images.pullSecrets == []


def test_a_pull_secret_that_is_no_dns_subdomain_is_refused_naming_it():
    ((field, message),) = problems({"images": {"pullSecrets": ["regcred", "Reg_Cred"]}})
    assert field == "spec.images.pullSecrets[1]"
    assert message.startswith("must be a DNS subdomain")


def test_a_repeated_pull_secret_is_refused_naming_it():
    assert problems({"images": {"pullSecrets": ["regcred", "other", "regcred"]}}) == [
        ("spec.images.pullSecrets", 'Duplicate value: "regcred"')]


def test_pull_secrets_are_a_set_in_the_crd_as_kube_apiserver_checks_it():
    node = SPEC["properties"]["images"]["properties"]["pullSecrets"]
    assert node["x-kubernetes-list-type"] == "set"
    assert node["items"]["pattern"] and node["items"]["maxLength"] == 253


def test_more_than_sixteen_pull_secrets_are_refused():
    ((field, message),) = problems({"images": {"pullSecrets": [f"s{i}" for i in range(17)]}})
    assert field == "spec.images.pullSecrets"
    assert "at most 16" in message
    assert SPEC["properties"]["images"]["properties"]["pullSecrets"]["maxItems"] == 16
