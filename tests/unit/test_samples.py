"""Samples are admitted by the CRD and the operator alike; invalid specs are refused by both."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from osprey.api import SpecError, validate_spec
from osprey.api.crd import openapi_schema
from osprey.api.names import NAME_TOO_LONG
from tests.kubesim.schema import SchemaViolation, admit, unknown_fields

SAMPLES = Path(__file__).parents[2] / "deploy" / "samples"
SCHEMA = openapi_schema()


def load(name: str) -> dict[str, Any]:
    return yaml.safe_load((SAMPLES / name).read_text())


def resource(spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": "osprey.dev/v1alpha1", "kind": "OpenStackControlPlane",
            "metadata": {"name": "openstack"}, "spec": spec}


@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLES.glob("*.yaml")))
def test_sample_is_admitted_and_defaults_like_the_models(name: str):
    sample = load(name)
    assert unknown_fields(SCHEMA, sample) == []
    stored = admit(SCHEMA, sample, None)
    spec = validate_spec(sample["spec"])
    assert stored["spec"] == spec.model_dump(mode="json", exclude_none=True)
    assert validate_spec(stored["spec"]) == spec


def test_minimal_sample_is_defaults_only():
    sample = load("minimal.yaml")
    assert sample["spec"] == {}
    assert set(sample) == {"apiVersion", "kind", "metadata", "spec"}


def test_compute_kit_sample_enables_nine_services_with_public_endpoints():
    spec = validate_spec(load("compute-kit.yaml")["spec"])
    enabled = {n for n in type(spec.services).model_fields if getattr(spec.services, n).enabled}
    assert enabled == {"keystone", "glance", "placement", "neutron", "nova", "horizon", "heat",
                       "cinder", "barbican"}
    assert spec.publicDomain == "cloud.example.com"
    assert spec.infrastructure.mariadb.replicas == 3


def with_change(path: str, value: Any) -> dict[str, Any]:
    """The compute-kit spec with one field (dotted path under spec) set."""
    spec = copy.deepcopy(load("compute-kit.yaml")["spec"])
    *parents, last = path.split(".")
    node = spec
    for part in parents:
        node = node.setdefault(part, {})
    node[last] = value
    return spec


# (what is wrong, field set, value, the field the errors must name)
INVALID = [
    ("wrong type", "services.keystone.replicas", "two", "spec.services.keystone.replicas"),
    ("negative replicas", "services.nova.replicas.scheduler", -1,
     "spec.services.nova.replicas.scheduler"),
    ("too many replicas", "infrastructure.rabbitmq.replicas", 10,
     "spec.infrastructure.rabbitmq.replicas"),
    ("no database server", "infrastructure.mariadb.replicas", 0,
     "spec.infrastructure.mariadb.replicas"),
    ("unknown service", "services.swift", {"enabled": True}, "spec.services.swift"),
    ("unknown field", "relase", "2025.1", "spec.relase"),
    ("bad quantity", "services.glance.storage.size", "10GB", "spec.services.glance.storage.size"),
    ("storage without size", "services.glance.storage", {"storageClass": "fast"},
     "spec.services.glance.storage.size"),
    ("bad enum", "deletionPolicy", "Destroy", "spec.deletionPolicy"),
    ("bad release", "openstackRelease", "2023.1", "spec.openstackRelease"),
    ("bad region", "region", "Region One", "spec.region"),
    ("empty region", "region", "", "spec.region"),
    ("bad public domain", "publicDomain", "Cloud_Example", "spec.publicDomain"),
    ("bad chart repository", "charts.repository", "ftp://charts", "spec.charts.repository"),
    ("bad neutron backend", "services.neutron.backend", "linuxbridge",
     "spec.services.neutron.backend"),
    ("bad virt type", "services.nova.virtType", "xen", "spec.services.nova.virtType"),
    ("node selector value not a string", "nodeSelector", {"zone": 1}, "spec.nodeSelector.zone"),
    ("paused not a boolean", "paused", "yes", "spec.paused"),
    ("values not an object", "services.keystone.values", "debug", "spec.services.keystone.values"),
    ("services not an object", "services", ["nova"], "spec.services"),
    ("nova without placement", "services.placement.enabled", False, "spec.services.nova.enabled"),
    ("glance without keystone", "services.keystone.enabled", False,
     "spec.services.glance.enabled"),
    ("nova without rabbitmq", "infrastructure.rabbitmq.enabled", False,
     "spec.services.nova.enabled"),
    ("horizon without memcached", "infrastructure.memcached.enabled", False,
     "spec.services.horizon.enabled"),
    ("octavia without neutron", "services.octavia", {"enabled": True},
     "spec.services.octavia.enabled"),
    ("autoscaling bounds reversed", "services.nova.autoscaling",
     {"minReplicas": 7, "maxReplicas": 6}, "spec.services.nova.autoscaling.minReplicas"),
    ("autoscaling without maximum", "services.keystone.autoscaling", {"minReplicas": 2},
     "spec.services.keystone.autoscaling.maxReplicas"),
    ("autoscaling target over 100", "services.nova.autoscaling.targetCPUUtilizationPercentage",
     150, "spec.services.nova.autoscaling.targetCPUUtilizationPercentage"),
    # What was accepted once and broke later (issue 11, point 8).
    ("version of an unknown chart", "charts.versions", {"novaa": "2025.1.0"},
     "spec.charts.versions"),
    ("chart version not a version", "charts.versions", {"nova": "latest"},
     "spec.charts.versions.nova"),
    ("charts version not a version", "charts.version", "2025.1.0 or later",
     "spec.charts.version"),
    ("public domain label over 63", "publicDomain", f"{'a' * 64}.example.com",
     "spec.publicDomain"),
    ("public domain too long for its hosts", "publicDomain",
     ".".join(["a" * 63] * 3 + ["a" * 45, "com"]), "spec.publicDomain"),
    ("node selector of two labels", "nodeSelector", {"a": "1", "b": "2"}, "spec.nodeSelector"),
    ("node selector key not a label key", "nodeSelector", {"bad key": "x"},
     "spec.nodeSelector"),
    ("node selector key name over 63", "nodeSelector", {"a" * 64: "x"}, "spec.nodeSelector"),
    ("node selector value over 63", "nodeSelector", {"zone": "a" * 64},
     "spec.nodeSelector.zone"),
    ("node selector value not a label value", "nodeSelector", {"zone": "a b"},
     "spec.nodeSelector.zone"),
    ("storage class not a DNS subdomain", "storageClass", "Fast_SSD", "spec.storageClass"),
    ("storage class over 253", "storageClass", "a" * 254, "spec.storageClass"),
    ("claim storage class not a DNS subdomain", "infrastructure.mariadb.storage.storageClass",
     "fast ssd", "spec.infrastructure.mariadb.storage.storageClass"),
    ("api replicas while autoscaled", "services.nova.replicas.api", 2,
     "spec.services.nova.replicas.api"),
    ("replicas while autoscaled", "services.keystone.autoscaling", {"maxReplicas": 4},
     "spec.services.keystone.replicas"),
    ("server replicas while autoscaled", "services.neutron.autoscaling", {"maxReplicas": 4},
     "spec.services.neutron.replicas.server"),
    ("heat api replicas while autoscaled", "services.heat.autoscaling", {"maxReplicas": 4},
     "spec.services.heat.replicas.api"),
    ("cinder api replicas while autoscaled", "services.cinder.autoscaling", {"maxReplicas": 4},
     "spec.services.cinder.replicas.api"),
]


def _octavia_needs_neutron(spec: dict[str, Any]) -> dict[str, Any]:
    services = spec["services"]
    if isinstance(services, dict) and services.get("octavia", {}).get("enabled"):
        services["neutron"]["enabled"] = False
    return spec


def test_there_are_at_least_twenty_invalid_specs():
    assert len(INVALID) >= 20


@pytest.mark.parametrize(("what", "path", "value", "field"), INVALID, ids=[c[0] for c in INVALID])
def test_admission_rejects_invalid_spec_naming_the_field(what, path, value, field):
    obj = resource(_octavia_needs_neutron(with_change(path, value)))
    strict = unknown_fields(SCHEMA, obj)
    if strict:  # kubectl's default fieldValidation=Strict: 400 strict decoding error
        assert strict == [field]
        return
    with pytest.raises(SchemaViolation) as caught:
        admit(SCHEMA, obj, None)
    assert any(c.field == field and str(c).startswith(f"{field}: ") for c in caught.value.causes)


@pytest.mark.parametrize(("what", "path", "value", "field"), INVALID, ids=[c[0] for c in INVALID])
def test_operator_rejects_invalid_spec_naming_the_field(what, path, value, field):
    with pytest.raises(SpecError) as caught:
        validate_spec(_octavia_needs_neutron(with_change(path, value)))
    assert field in [p for p, _ in caught.value.errors]
    assert any(line.startswith(f"{field}: ") for line in str(caught.value).splitlines())


def test_admission_rejects_a_downgrade_of_the_openstack_release():
    old = admit(SCHEMA, resource(with_change("openstackRelease", "2025.2")), None)
    with pytest.raises(SchemaViolation) as caught:
        admit(SCHEMA, resource(with_change("openstackRelease", "2025.1")), old)
    assert [str(c) for c in caught.value.causes] == [
        ("spec.openstackRelease: Forbidden: openstackRelease cannot be downgraded "
        "(database migrations are one-way)")]


def test_admission_rejects_a_resource_without_spec():
    obj = resource({})
    del obj["spec"]
    with pytest.raises(SchemaViolation) as caught:
        admit(SCHEMA, obj, None)
    assert [str(c) for c in caught.value.causes] == ["spec: Required value"]


def test_admission_rejects_removing_the_spec_of_a_stored_resource():
    # `kubectl patch --type json -p '[{"op": "remove", "path": "/spec"}]'`
    stored = admit(SCHEMA, resource(load("compute-kit.yaml")["spec"]), None)
    removed = {k: v for k, v in stored.items() if k != "spec"}
    with pytest.raises(SchemaViolation) as caught:
        admit(SCHEMA, removed, stored)
    assert [c.field for c in caught.value.causes] == ["spec"]


def test_admission_and_the_operator_refuse_a_name_too_long_for_its_label():
    obj = resource({}) | {"metadata": {"name": "a" * 64}}
    with pytest.raises(SchemaViolation) as caught:
        admit(SCHEMA, obj, None)
    assert [str(c) for c in caught.value.causes] == [
        f'metadata.name: Invalid value: "object": {NAME_TOO_LONG}']
    with pytest.raises(SpecError) as refused:
        validate_spec({}, name="a" * 64)
    assert [field for field, _ in refused.value.errors] == ["metadata.name"]


def test_a_name_of_63_characters_is_admitted():
    admit(SCHEMA, resource({}) | {"metadata": {"name": "a" * 63}}, None)
