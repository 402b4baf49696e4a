"""The spec models and validate_spec: defaults, strictness, and errors that name the field."""

from __future__ import annotations

import pytest

from osprey.api import ControlPlaneSpec, SpecError, validate_spec
from osprey.api.dependencies import (
    INFRASTRUCTURE,
    INFRASTRUCTURE_REQUIREMENTS,
    SERVICE_REQUIREMENTS,
    dependency_rules,
)
from osprey.api.spec import Infrastructure, Services
from osprey.api.validation import MISSING_SPEC

COMPUTE_KIT = {"keystone", "glance", "placement", "neutron", "nova"}


def errors_of(raw: dict | None, **kwargs: str) -> list[tuple[str, str]]:
    with pytest.raises(SpecError) as caught:
        validate_spec(raw, **kwargs)
    return caught.value.errors


def test_empty_spec_is_the_compute_kit_on_default_infrastructure():
    spec = validate_spec({})
    enabled = {name for name in Services.model_fields if getattr(spec.services, name).enabled}
    assert enabled == COMPUTE_KIT
    assert spec.openstackRelease == "2025.1"
    assert spec.region == "RegionOne"
    assert spec.deletionPolicy == "Retain"
    assert spec.infrastructure.mariadb.storage.size == "5Gi"
    assert spec.publicDomain is None


def test_missing_spec_is_refused_not_defaulted():
    assert errors_of(None) == [("spec", MISSING_SPEC)]


def test_empty_spec_asks_for_the_defaults():
    assert validate_spec({}) == ControlPlaneSpec()


def test_string_is_not_accepted_for_an_integer():
    assert errors_of({"services": {"keystone": {"replicas": "2"}}}) == [
        ("spec.services.keystone.replicas", 'Input should be a valid integer, got "2"')]


def test_unknown_field_is_an_error_naming_it():
    assert errors_of({"services": {"swift": {"enabled": True}}})[0][0] == "spec.services.swift"


def test_negative_replicas_names_the_component():
    assert errors_of({"services": {"nova": {"replicas": {"api": -1}}}}) == [
        ("spec.services.nova.replicas.api",
         "Input should be greater than or equal to 0, got -1")]


def test_bad_quantity_explains_the_expected_form():
    path, message = errors_of({"services": {"glance": {"storage": {"size": "10GB"}}}})[0]
    assert path == "spec.services.glance.storage.size"
    assert message == 'must be a quantity such as 500Mi, 10Gi or 1Ti, got "10GB"'


def test_dependency_violation_names_the_dependent_field_and_the_requirement():
    assert errors_of({"services": {"placement": {"enabled": False}}}) == [
        ("spec.services.nova.enabled", "nova requires spec.services.placement.enabled")]


def test_every_violated_dependency_is_reported():
    errors = errors_of({"services": {"keystone": {"enabled": False}}})
    assert {path for path, _ in errors} == {
        f"spec.services.{name}.enabled" for name in COMPUTE_KIT - {"keystone"}}


def test_autoscaling_bounds_error_names_min_replicas():
    raw = {"services": {"heat": {"enabled": True,
                                 "autoscaling": {"minReplicas": 5, "maxReplicas": 2}}}}
    assert errors_of(raw) == [("spec.services.heat.autoscaling.minReplicas",
                               "minReplicas must be less than or equal to maxReplicas")]


def test_spec_error_prints_one_line_per_error():
    with pytest.raises(SpecError) as caught:
        validate_spec({"region": "", "paused": "yes"})
    lines = str(caught.value).splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("spec.region: ")
    assert lines[1] == 'spec.paused: Input should be a valid boolean, got "yes"'


def test_values_keep_arbitrary_chart_values():
    values = {"conf": {"nova": {"DEFAULT": {"debug": True}}}, "pod": {"replicas": {"osapi": 3}}}
    spec = validate_spec({"services": {"nova": {"values": values}}})
    assert spec.services.nova.values == values


def test_dependency_tables_cover_exactly_the_services_and_infrastructure():
    assert set(SERVICE_REQUIREMENTS) == set(Services.model_fields)
    assert set(INFRASTRUCTURE_REQUIREMENTS) == set(Services.model_fields)
    assert set(INFRASTRUCTURE) == set(Infrastructure.model_fields)
    for needs in SERVICE_REQUIREMENTS.values():
        assert set(needs) <= set(Services.model_fields)


def test_every_openstack_service_but_keystone_requires_keystone():
    for service, needs in SERVICE_REQUIREMENTS.items():
        assert ("keystone" in needs) is (service != "keystone")


def test_nova_requires_keystone_placement_glance_and_neutron():
    assert set(SERVICE_REQUIREMENTS["nova"]) == {"keystone", "placement", "glance", "neutron"}


def test_dependency_rules_are_the_spec_models_rules():
    # Followed by the rules of spec.endpoints (test_api_exposure.py).
    assert ControlPlaneSpec.cross_field_rules[:len(dependency_rules())] == dependency_rules()
    assert len(dependency_rules()) == sum(
        len(SERVICE_REQUIREMENTS[s]) + len(INFRASTRUCTURE_REQUIREMENTS[s])
        for s in SERVICE_REQUIREMENTS)


def _resource(spec, *, generation=1, uid="u-1", name="openstack"):
    return {"metadata": {"name": name, "uid": uid, "generation": generation}, "spec": spec}


def test_a_spec_is_validated_once_per_generation(monkeypatch):
    from osprey.api import validation

    specs, calls = validation.ValidatedSpecs(), []
    real = validation.validate_spec
    monkeypatch.setattr(validation, "validate_spec",
                        lambda raw, name=None: calls.append(raw) or real(raw, name=name))
    first = specs.of(_resource({}), name="openstack")
    assert specs.of(_resource({}), name="openstack") is first
    assert len(calls) == 1
    changed = specs.of(_resource({"services": {"keystone": {"replicas": 3}}}, generation=2),
                       name="openstack")
    assert changed.services.keystone.replicas == 3 and len(calls) == 2
    specs.of(_resource({}, uid="u-2"), name="openstack")  # another resource of that name
    assert len(calls) == 3


def test_an_invalid_spec_is_refused_every_time_with_its_fields_named():
    from osprey.api import ValidatedSpecs

    specs = ValidatedSpecs()
    bad = _resource({"services": {"keystone": {"replicas": -1}}})
    for _ in range(2):
        with pytest.raises(SpecError) as refused:
            specs.of(bad, name="openstack")
        assert refused.value.errors[0][0] == "spec.services.keystone.replicas"


def test_a_resource_without_uid_or_generation_is_validated_every_time(monkeypatch):
    from osprey.api import validation

    specs, calls = validation.ValidatedSpecs(), []
    real = validation.validate_spec
    monkeypatch.setattr(validation, "validate_spec",
                        lambda raw, name=None: calls.append(raw) or real(raw, name=name))
    specs.of({"metadata": {"name": "openstack"}, "spec": {}})
    specs.of({"metadata": {"name": "openstack"}, "spec": {"paused": True}})
    assert len(calls) == 2


def test_the_spec_memo_is_bounded():
    from osprey.api import ValidatedSpecs

    specs = ValidatedSpecs(kept=2)
    for generation in range(1, 5):
        specs.of(_resource({}, generation=generation))
    assert len(specs._memo) == 2
