"""Inputs the operator refuses because they would break later: a name or domain too long for
where Osprey puts it, unknown charts, non-versions, node labels OpenStack-Helm cannot take,
storage classes that are not names, and replica counts an autoscaler owns. Every error names
the field and says what was expected. (test_samples.py checks admission says the same.)"""

from __future__ import annotations

import json
import re

import pytest

from osprey import catalog
from osprey.api import SpecError, validate_spec
from osprey.api.formats import (
    CHART_VERSION_PATTERN,
    DNS_SUBDOMAIN_PATTERN,
    LABEL_VALUE_PATTERN,
    PATTERN_MEANINGS,
    PUBLIC_DOMAIN_MAX_LENGTH,
)
from osprey.api.names import MAX_NAME_LENGTH, NAME_TOO_LONG
from osprey.api.spec import CHART_NAMES, ApiService, Services
from osprey.catalog.values.exposure import PUBLIC_ENDPOINTS
from osprey.secrets import secret_name


def errors_of(raw: dict | None, **kwargs: str) -> list[tuple[str, str]]:
    with pytest.raises(SpecError) as caught:
        validate_spec(raw, **kwargs)
    return caught.value.errors


def fields_of(raw: dict | None, **kwargs: str) -> list[str]:
    return [field for field, _ in errors_of(raw, **kwargs)]


def domain_of_length(length: int) -> str:
    """A valid DNS domain of exactly `length` characters, labels of at most 63."""
    labels, rest = [], length - len(".example")
    while rest > 64:
        labels.append("a" * 63)
        rest -= 64
    labels.append("b" * rest)
    return ".".join(labels) + ".example"


# --- the control plane's name ----------------------------------------------------------------


def test_the_longest_name_allowed_fits_every_name_osprey_derives_from_it():
    name = "a" * MAX_NAME_LENGTH
    assert validate_spec({}, name=name) == validate_spec({})
    assert len(name) <= 63 and re.fullmatch(LABEL_VALUE_PATTERN, name)  # the label's value
    credentials = secret_name(name)
    assert len(credentials) <= 253 and re.fullmatch(DNS_SUBDOMAIN_PATTERN, credentials)


def test_a_name_longer_than_a_label_value_is_refused():
    assert errors_of({}, name="a" * 64) == [("metadata.name", f"{NAME_TOO_LONG}, got 64 characters")]


def test_name_and_spec_errors_are_reported_together():
    assert fields_of({"paused": "yes"}, name="a" * 64) == ["metadata.name", "spec.paused"]


# --- chart versions ----------------------------------------------------------------------------


def test_chart_names_are_those_of_the_catalog():
    assert set(CHART_NAMES) == {item.name for item in catalog.CATALOG}
    assert len(CHART_NAMES) == len(catalog.CATALOG)


def test_a_version_for_an_unknown_chart_is_refused_naming_it():
    assert errors_of({"charts": {"versions": {"nova": "2025.1.0", "novaa": "2025.1.0"}}}) == [
        ("spec.charts.versions", (f"keys must be chart names: {', '.join(CHART_NAMES)}, "
                                 'got "novaa"'))]


@pytest.mark.parametrize("version", [
    "2025.1.0", "2025.1.3+0ee5adeff1c2", "2025.2.0-rc.1", "v2025.1.0", "2025.1",
])
def test_chart_versions_and_release_lines_are_accepted(version: str):
    spec = validate_spec({"charts": {"version": version, "versions": {"nova": version}}})
    assert (spec.charts.version, spec.charts.versions) == (version, {"nova": version})


@pytest.mark.parametrize("version", [
    "latest", "", "2025.1.0 garbage", "2025.1.0; rm -rf /", "nova-2025.1.0", "2025..1",
    "~2025.1.0", ">=2025.1.0 <2025.2.0-0", "2025.1.x", "2025",
])
def test_what_is_not_a_version_is_refused_saying_what_was_expected(version: str):
    expected = f"{PATTERN_MEANINGS[CHART_VERSION_PATTERN]}, got \"{version}\""
    assert errors_of({"charts": {"version": version, "versions": {"nova": version}}}) == [
        ("spec.charts.version", expected), ("spec.charts.versions.nova", expected)]


# --- public domain -----------------------------------------------------------------------------


def test_a_public_domain_of_the_longest_length_gives_host_names_that_fit():
    domain = domain_of_length(PUBLIC_DOMAIN_MAX_LENGTH)
    assert validate_spec({"publicDomain": domain}).publicDomain == domain
    assert max(len(f"{e.host}.{domain}") for e in PUBLIC_ENDPOINTS.values()) == 253


def test_a_longer_public_domain_is_refused():
    assert errors_of({"publicDomain": domain_of_length(PUBLIC_DOMAIN_MAX_LENGTH + 1)}) == [
        ("spec.publicDomain",
         (f"String should have at most {PUBLIC_DOMAIN_MAX_LENGTH} characters, "
         f'got "{domain_of_length(PUBLIC_DOMAIN_MAX_LENGTH + 1)}"'))]


def test_a_public_domain_label_over_63_characters_is_refused():
    assert validate_spec({"publicDomain": f"{'a' * 63}.example.com"})
    assert fields_of({"publicDomain": f"{'a' * 64}.example.com"}) == ["spec.publicDomain"]


# --- node selector -----------------------------------------------------------------------------

PREFIX_253 = ".".join(["a" * 63] * 3 + ["a" * 61])


@pytest.mark.parametrize("key", [
    "openstack-control-plane", "node-role.kubernetes.io/control-plane", "example.com/a_b.c-d",
    "A" * 63, f"{PREFIX_253}/x",
])
def test_label_keys_are_accepted(key: str):
    assert validate_spec({"nodeSelector": {key: "enabled"}}).nodeSelector == {key: "enabled"}


@pytest.mark.parametrize("key", [
    "bad key", "-a", "a-", "a" * 64, f"{PREFIX_253}a/x", "a/b/c", "Example.com/x", "", "/x",
    "example.com/", "a\n",
])
def test_what_is_not_a_label_key_is_refused_naming_the_selector(key: str):
    ((field, message),) = errors_of({"nodeSelector": {key: "enabled"}})
    assert field == "spec.nodeSelector"
    assert message.startswith("keys must be label keys: ")
    assert message.endswith(f"got {json.dumps(key)}")


def test_a_node_selector_takes_one_label_as_openstack_helm_does():
    assert errors_of({"nodeSelector": {"a": "1", "b": "2"}}) == [
        ("spec.nodeSelector", ("OpenStack-Helm places control plane pods by a single node "
                              'label: give one key/value pair, got 2 entries: "a", "b"'))]


def test_an_empty_node_selector_leaves_the_charts_their_own_label():
    assert validate_spec({"nodeSelector": {}}).nodeSelector == {}


@pytest.mark.parametrize("value", ["a" * 64, "a b", "-a", "a-"])
def test_what_is_not_a_label_value_is_refused_naming_the_key(value: str):
    assert fields_of({"nodeSelector": {"zone": value}}) == ["spec.nodeSelector.zone"]


# --- storage classes ---------------------------------------------------------------------------

CLAIMS = ["", "infrastructure.mariadb.storage.", "infrastructure.rabbitmq.storage.",
          "services.glance.storage."]


def at(path: str, value: object) -> dict:
    """A spec with the dotted `path` set (storage blocks get a size)."""
    spec: dict = {}
    node = spec
    *parents, last = path.split(".")
    for part in parents:
        node = node.setdefault(part, {"size": "1Gi"} if part == "storage" else {})
    node[last] = value
    return spec


@pytest.mark.parametrize("where", CLAIMS)
@pytest.mark.parametrize("name", ["general", "fast-ssd.example", "a" * 253])
def test_storage_class_names_are_accepted(where: str, name: str):
    validate_spec(at(f"{where}storageClass", name))


@pytest.mark.parametrize("where", CLAIMS)
@pytest.mark.parametrize("name", ["Fast_SSD", "fast ssd", "-fast", "a" * 254])
def test_what_is_not_a_storage_class_name_is_refused_naming_the_field(where: str, name: str):
    assert fields_of(at(f"{where}storageClass", name)) == [f"spec.{where}storageClass"]


def test_a_storage_class_name_error_says_what_was_expected():
    assert errors_of({"storageClass": "Fast_SSD"}) == [
        ("spec.storageClass", f'{PATTERN_MEANINGS[DNS_SUBDOMAIN_PATTERN]}, got "Fast_SSD"')]


# --- replicas owned by autoscaling -------------------------------------------------------------

# Every service that can autoscale its API, and the replica field autoscaling owns.
REPLICAS_OWNED = {
    "keystone": "replicas", "glance": "replicas", "placement": "replicas",
    "horizon": "replicas", "barbican": "replicas", "neutron": "replicas.server",
    "nova": "replicas.api", "heat": "replicas.api", "cinder": "replicas.api",
    "octavia": "replicas.api",
}


def test_the_table_covers_every_service_with_autoscaling():
    autoscaled = {name for name, field in Services.model_fields.items()
                  if "autoscaling" in field.annotation.model_fields}
    assert set(REPLICAS_OWNED) == autoscaled
    api_only = {name for name, field in Services.model_fields.items()
                if issubclass(field.annotation, ApiService)}
    assert {n for n, f in REPLICAS_OWNED.items() if f == "replicas"} == api_only


def service(name: str, replicas: bool, autoscaling: bool) -> dict:
    settings: dict = {}
    if replicas:
        settings = at(REPLICAS_OWNED[name], 2)
    if autoscaling:
        settings["autoscaling"] = {"maxReplicas": 4}
    return {"services": {name: settings}}


@pytest.mark.parametrize("name", REPLICAS_OWNED)
def test_replicas_while_autoscaling_owns_them_are_refused_naming_the_replica_field(name: str):
    field = REPLICAS_OWNED[name]
    assert errors_of(service(name, replicas=True, autoscaling=True)) == [
        (f"spec.services.{name}.{field}",
         f"{field} is managed by autoscaling; remove it or remove autoscaling")]


@pytest.mark.parametrize("name", REPLICAS_OWNED)
def test_replicas_or_autoscaling_alone_are_accepted(name: str):
    validate_spec(service(name, replicas=True, autoscaling=False))
    validate_spec(service(name, replicas=False, autoscaling=True))
