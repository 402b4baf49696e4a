"""The CRD's CEL rules, evaluated with cel-python, agree with the pydantic validators."""

from __future__ import annotations

import copy
from typing import Any

import celpy
import pytest

from osprey.api import SpecError, validate_spec
from osprey.api.crd import NAME_RULE, openapi_schema
from osprey.api.dependencies import dependency_rules
from osprey.api.rules import Compare, Requires, cel_validations
from osprey.api.spec import Autoscaling, ControlPlaneSpec
from osprey.api.structural import apply_defaults
from tests.kubesim.schema import compile_rule
from tests.unit import cel
from tests.unit.test_api_limits import PREFIX_253, REPLICAS_OWNED

SCHEMA = openapi_schema()
SPEC = SCHEMA["properties"]["spec"]
AUTOSCALING = SPEC["properties"]["services"]["properties"]["nova"]["properties"]["autoscaling"]


def all_rules(node: dict[str, Any]):
    yield from node.get("x-kubernetes-validations", [])
    for prop in node.get("properties", {}).values():
        yield from all_rules(prop)
    for key in ("items", "additionalProperties"):
        if isinstance(node.get(key), dict):
            yield from all_rules(node[key])


def evaluate(rule: str, schema: dict, value: Any, old: Any = None) -> bool:
    return cel.evaluate(rule, value, old)


def operator_accepts(raw: dict[str, Any], **kwargs: str) -> bool:
    try:
        validate_spec(raw, **kwargs)
    except SpecError:
        return False
    return True


def default_spec(**services: bool) -> dict[str, Any]:
    spec = ControlPlaneSpec().model_dump(mode="json", exclude_none=True)
    for name, enabled in services.items():
        target = spec["infrastructure"] if name in spec["infrastructure"] else spec["services"]
        target[name]["enabled"] = enabled
    return spec


def test_every_rule_in_the_crd_compiles_in_the_simulator():
    rules = list(all_rules(SCHEMA))
    assert len(rules) > 40
    for rule in rules:
        compile_rule(rule["rule"])


def test_spec_rules_are_generated_from_the_dependency_table():
    generated = SPEC["x-kubernetes-validations"]
    assert generated == cel_validations(ControlPlaneSpec.cross_field_rules)
    assert generated[:len(dependency_rules())] == cel_validations(dependency_rules())


@pytest.mark.parametrize("rule", dependency_rules(), ids=lambda r: f"{r.when}->{r.then}")
def test_dependency_rule_rejects_a_missing_requirement_in_cel_and_pydantic(rule: Requires):
    dependent, requirement = rule.when.split(".")[1], rule.then.split(".")[1]
    spec = default_spec(**{dependent: True, requirement: False})
    assert evaluate(rule.cel(), SPEC, spec) is False
    assert rule.holds(ControlPlaneSpec.model_construct(**_models(spec))) is False


@pytest.mark.parametrize("rule", dependency_rules(), ids=lambda r: f"{r.when}->{r.then}")
def test_dependency_rule_accepts_a_present_requirement_or_a_disabled_dependent(rule: Requires):
    dependent, requirement = rule.when.split(".")[1], rule.then.split(".")[1]
    for spec in (default_spec(**{dependent: True, requirement: True}),
                 default_spec(**{dependent: False, requirement: False})):
        assert evaluate(rule.cel(), SPEC, spec) is True
        assert rule.holds(ControlPlaneSpec.model_construct(**_models(spec))) is True


def _models(spec: dict[str, Any]) -> dict[str, Any]:
    """Validated sub-models, bypassing the spec's own rules (model_construct)."""
    return {
        "services": ControlPlaneSpec.model_fields["services"].annotation.model_validate(
            spec["services"]),
        "infrastructure": ControlPlaneSpec.model_fields["infrastructure"].annotation
        .model_validate(spec["infrastructure"]),
    }


@pytest.mark.parametrize(("low", "high", "ok"), [(1, 3, True), (3, 3, True), (4, 3, False)])
def test_autoscaling_rule_bounds(low: int, high: int, ok: bool):
    (rule,) = Autoscaling.cross_field_rules
    assert isinstance(rule, Compare)
    value = {"minReplicas": low, "maxReplicas": high, "targetCPUUtilizationPercentage": 80}
    assert evaluate(AUTOSCALING["x-kubernetes-validations"][0]["rule"], AUTOSCALING, value) is ok
    assert rule.holds(Autoscaling.model_construct(**value)) is ok


def release_rule() -> str:
    return SPEC["properties"]["openstackRelease"]["x-kubernetes-validations"][0]["rule"]


@pytest.mark.parametrize(("old", "new", "ok"), [
    ("2025.1", "2025.2", True), ("2025.1", "2025.1", True), ("2025.2", "2025.1", False),
    ("2026.1", "2025.2", False)])
def test_openstack_release_may_be_upgraded_never_downgraded(old: str, new: str, ok: bool):
    node = SPEC["properties"]["openstackRelease"]
    assert evaluate(release_rule(), node, new, old) is ok


@pytest.mark.parametrize(("old", "new", "ok"), [
    ("2025.1", "2025.2", True), ("2025.2", "2026.1", True), ("2025.1", "2026.1", False),
    ("2026.1", "2026.1", True)])
def test_openstack_release_upgrades_never_skip_a_release(old: str, new: str, ok: bool):
    node = SPEC["properties"]["openstackRelease"]
    assert [why for _, _, why in cel.failures(new, node, old)] == ([] if ok else [(
        "openstackRelease moves one release at a time (2025.1 -> 2025.2 -> 2026.1): "
        "upgrade to the next release first")])


@pytest.mark.parametrize(("was_enabled", "old", "new", "ok"), [
    (True, "ovs", "ovs", True), (True, "ovs", "ovn", False), (False, "ovs", "ovn", True)])
def test_neutron_backend_is_fixed_once_neutron_is_enabled(was_enabled, old, new, ok):
    node = SPEC["properties"]["services"]["properties"]["neutron"]
    (rule,) = [r for r in node["x-kubernetes-validations"] if "oldSelf" in r["rule"]]
    old_value = {"enabled": was_enabled, "backend": old}
    assert evaluate(rule["rule"], node, {"enabled": True, "backend": new}, old_value) is ok


def test_cel_rule_on_a_missing_field_is_an_evaluation_error_not_a_pass():
    with pytest.raises(celpy.CELEvalError):
        evaluate(dependency_rules()[0].cel(), SPEC, {})


# --- rules on names and maps -------------------------------------------------------------------


def map_rule(path: str) -> str:
    node = SPEC
    for name in path.split("."):
        node = node["properties"][name]
    (rule,) = node["x-kubernetes-validations"]
    return rule["rule"]


@pytest.mark.parametrize(("versions", "ok"), [
    ({}, True), ({"nova": "2025.1.0", "libvirt": "2025.1.0"}, True),
    ({"novaa": "2025.1.0"}, False), ({"nova": "2025.1.0", "Nova": "2025.1.0"}, False),
])
def test_chart_names_rule_agrees_with_the_operator(versions: dict[str, str], ok: bool):
    assert evaluate(map_rule("charts.versions"), {}, versions) is ok
    assert operator_accepts({"charts": {"versions": versions}}) is ok


@pytest.mark.parametrize(("key", "ok"), [
    ("openstack-control-plane", True), ("node-role.kubernetes.io/control-plane", True),
    (f"{PREFIX_253}/x", True), ("A" * 63, True),
    ("bad key", False), ("a" * 64, False), (f"{PREFIX_253}a/x", False), ("a/b/c", False),
    ("Example.com/x", False), ("", False), ("-a", False),
])
def test_label_key_rule_agrees_with_the_operator(key: str, ok: bool):
    assert evaluate(map_rule("nodeSelector"), {}, {key: "enabled"}) is ok
    assert operator_accepts({"nodeSelector": {key: "enabled"}}) is ok


@pytest.mark.parametrize(("length", "ok"), [(1, True), (63, True), (64, False), (253, False)])
def test_name_rule_agrees_with_the_operator(length: int, ok: bool):
    root = {"metadata": {"name": "a" * length}, "spec": {}}
    assert evaluate(NAME_RULE["rule"], SCHEMA, root) is ok
    assert operator_accepts({}, name="a" * length) is ok


@pytest.mark.parametrize("service", REPLICAS_OWNED)
@pytest.mark.parametrize(("replicas", "autoscaling", "ok"), [
    (False, False, True), (True, False, True), (False, True, True), (True, True, False)])
def test_replicas_owned_by_autoscaling_rule_agrees_with_the_operator(
    service: str, replicas: bool, autoscaling: bool, ok: bool
):
    node = SPEC["properties"]["services"]["properties"][service]
    (rule,) = [r for r in node["x-kubernetes-validations"] if "autoscaling" in r["rule"]]
    settings: dict[str, Any] = {}
    field = REPLICAS_OWNED[service]
    if replicas:
        *parents, last = field.split(".")
        target = settings
        for part in parents:
            target = target.setdefault(part, {})
        target[last] = 2
    if autoscaling:
        settings["autoscaling"] = {"maxReplicas": 4}
    stored = copy.deepcopy(settings)
    apply_defaults(stored, node)  # CEL sees the object after defaulting
    assert evaluate(rule["rule"], node, stored) is ok
    assert rule["fieldPath"] == f".{field}"
    assert operator_accepts({"services": {service: settings}}) is ok


def values_nodes(node: dict[str, Any], path: str = "spec"):
    for name, prop in node.get("properties", {}).items():
        if name == "values":
            yield f"{path}.values", prop
        else:
            yield from values_nodes(prop, f"{path}.{name}")


def test_every_values_field_refuses_extra_objects_in_cel_as_the_operator_does():
    nodes = dict(values_nodes(SPEC))
    assert "spec.services.keystone.values" in nodes and "spec.infrastructure.mariadb.values" in nodes
    for where, node in nodes.items():
        [rule] = node["x-kubernetes-validations"]
        assert rule["fieldPath"] == ".extraObjects", where
        assert not evaluate(rule["rule"], node, {"extraObjects": {"a": {"kind": "Pod"}}})
        assert evaluate(rule["rule"], node, {"conf": {"extraObjects": {}}})


@pytest.mark.parametrize(("path", "ok"), [
    ("extraObjects", False), ("extraObjects.binding", False), ("extraObjectsX", True),
    ("conf.extraObjects", True),
])
def test_a_values_from_path_onto_extra_objects_is_refused_in_cel(path: str, ok: bool):
    reference = SPEC["properties"]["services"]["properties"]["keystone"]["properties"][
        "valuesFrom"]["items"]
    [rule] = reference["properties"]["path"]["x-kubernetes-validations"]
    assert evaluate(rule["rule"], reference, path) is ok
