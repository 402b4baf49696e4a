"""The generated CRD: checked in, structural, documented, and defaulting like the models."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from pydantic import BaseModel

from osprey.api.conditions import set_condition
from osprey.api.crd import crd_manifest, crd_yaml, openapi_schema
from osprey.api.spec import ControlPlaneSpec
from osprey.api.status import ControlPlaneStatus, Phase, ServiceStatus
from osprey.api.structural import apply_defaults
from tests.kubesim.schema import admit, structural_errors, unknown_fields
from tests.unit.cel import failures

CRD_FILE = Path(__file__).parents[2] / "crds" / "osprey.dev_openstackcontrolplanes.yaml"
CHART_FILE = Path(__file__).parents[2] / "charts" / "osprey" / "Chart.yaml"
SCHEMA = openapi_schema()
SPEC = SCHEMA["properties"]["spec"]
STATUS = SCHEMA["properties"]["status"]
VERSION = crd_manifest()["spec"]["versions"][0]


def walk(node: dict[str, Any], path: str = ""):
    """Every schema node with its path."""
    yield path, node
    for name, prop in node.get("properties", {}).items():
        yield from walk(prop, f"{path}.{name}")
    for key in ("items", "additionalProperties"):
        if isinstance(node.get(key), dict):
            yield from walk(node[key], f"{path}[]")


def test_checked_in_crd_matches_the_models():
    assert CRD_FILE.read_text() == crd_yaml(), (
        f"{CRD_FILE.name} is stale: run `make crds` and commit the result")


def test_crd_is_a_valid_apiextensions_v1_manifest():
    kubernetes_validate.validate(crd_manifest(), kubernetes_validate.latest_version(),
                                 strict=True)


def test_schema_is_structural():
    assert structural_errors(SCHEMA) == []


def test_root_metadata_declares_nothing_but_the_name():
    # kube-apiserver refuses anything else under the root metadata (ObjectMeta is its own);
    # the name is declared so that the rule on its length can point at it.
    assert SCHEMA["properties"]["metadata"] == {
        "type": "object", "properties": {"name": {"type": "string"}}}


def test_spec_is_required_and_never_defaulted():
    # A spec removed by a JSON patch must be refused, not re-defaulted into another cloud.
    assert "spec" in SCHEMA["required"]
    assert "default" not in SPEC


def test_every_default_satisfies_the_rules_of_its_node_as_written():
    # kube-apiserver validates each default, as written (no nested defaulting first), against
    # the CEL rules of its node and of the nodes present in it, with oldSelf = the default.
    broken = [failure for path, node in walk(SCHEMA) if "default" in node
              for failure in failures(node["default"], node, old=node["default"], path=path)]
    assert broken == []


def test_every_rule_field_path_names_a_field_of_its_node():
    for path, node in walk(SCHEMA):
        for rule in node.get("x-kubernetes-validations", ()):
            target = node
            for name in rule.get("fieldPath", "").split(".")[1:]:
                target = target["properties"][name]
            assert target, (path, rule)


def test_every_string_map_and_list_of_the_spec_is_bounded():
    # CEL cost estimates take unbounded strings, maps and lists at the size of a whole
    # request: kube-apiserver refuses rules whose estimate exceeds its budget.
    def bounded(node: dict[str, Any]) -> bool:
        kind = node.get("type")
        if kind == "string":
            return "maxLength" in node or "enum" in node
        if kind == "array":
            return "maxItems" in node
        if kind == "object" and "additionalProperties" in node:
            return "maxProperties" in node
        return True

    # Free-form chart values are invisible to CEL (no schema below them).
    assert [path for path, node in walk(SPEC, "spec") if not bounded(node)
            and not node.get("x-kubernetes-preserve-unknown-fields")] == []


def test_the_chart_requires_the_kubernetes_version_the_rules_need():
    # kube-apiserver accepts `reason` and `fieldPath` on validation rules from 1.28.
    rules = [rule for _, node in walk(SCHEMA) for rule in node.get("x-kubernetes-validations", ())]
    assert any("reason" in rule or "fieldPath" in rule for rule in rules)
    assert yaml.safe_load(CHART_FILE.read_text())["kubeVersion"] == ">=1.28.0-0"


def test_no_union_or_reference_is_left_anywhere():
    for path, node in walk(SCHEMA):
        assert not {"anyOf", "oneOf", "allOf", "not", "$ref", "$defs"} & set(node), path


def test_every_field_has_a_description():
    # Root metadata is ObjectMeta: kube-apiserver refuses a description there.
    missing = [path for path, node in walk(SCHEMA)
               if "[]" not in path.rsplit(".", 1)[-1] and not node.get("description")
               and not path.startswith(".metadata")]
    assert missing == []


def test_optional_fields_are_plain_types_without_null_defaults():
    for path, node in walk(SCHEMA):
        assert node.get("type") != "null", path
        assert "default" not in node or node["default"] is not None, path
    assert SPEC["properties"]["publicDomain"]["type"] == "string"
    assert "default" not in SPEC["properties"]["publicDomain"]


def test_values_maps_keep_unknown_fields():
    values_nodes = [node for path, node in walk(SPEC) if path.endswith(".values")]
    assert len(values_nodes) >= 13
    for node in values_nodes:
        assert node["x-kubernetes-preserve-unknown-fields"] is True
        assert node["type"] == "object"


def test_status_declares_only_what_osprey_writes():
    assert set(STATUS["properties"]) == set(ControlPlaneStatus.model_fields)
    assert "kopf" not in STATUS["properties"]


def test_conditions_are_a_map_list_keyed_by_type():
    conditions = STATUS["properties"]["conditions"]
    assert conditions["x-kubernetes-list-type"] == "map"
    assert conditions["x-kubernetes-list-map-keys"] == ["type"]
    assert "type" in conditions["items"]["required"]
    assert conditions["items"]["properties"]["lastTransitionTime"]["format"] == "date-time"


def test_names_scope_and_status_subresource():
    spec = crd_manifest()["spec"]
    assert crd_manifest()["metadata"]["name"] == "openstackcontrolplanes.osprey.dev"
    assert spec["group"] == "osprey.dev" and spec["scope"] == "Namespaced"
    assert spec["names"]["kind"] == "OpenStackControlPlane"
    assert spec["names"]["shortNames"] == ["oscp", "osctlplane"]
    assert spec["names"]["categories"] == ["openstack"]
    assert VERSION["name"] == "v1alpha1" and VERSION["served"] and VERSION["storage"]
    assert VERSION["subresources"] == {"status": {}}


def test_printer_columns():
    columns = {c["name"]: c["jsonPath"] for c in VERSION["additionalPrinterColumns"]}
    assert columns["Ready"] == '.status.conditions[?(@.type=="Ready")].status'
    assert columns["Phase"] == ".status.phase"
    assert columns["Services"] == ".status.servicesReady"
    assert columns["Release"] == ".spec.openstackRelease"
    assert columns["Age"] == ".metadata.creationTimestamp"


def test_crd_yaml_starts_with_a_do_not_edit_header_and_parses():
    text = crd_yaml()
    assert text.startswith("# Generated by `osprey crd`")
    assert yaml.safe_load(text) == crd_manifest()


def model_defaults(model: type[BaseModel], schema: dict[str, Any], path: str = "spec"):
    """(path, pydantic default as JSON, schema node) of every defaulted field, recursively."""
    for name, field in model.model_fields.items():
        node = schema["properties"][name]
        if not field.is_required():
            value = field.get_default(call_default_factory=True)
            dumped = value.model_dump(mode="json", exclude_none=True) if isinstance(
                value, BaseModel) else value
            yield f"{path}.{name}", dumped, node
        annotation = field.annotation
        inner = [a for a in getattr(annotation, "__args__", (annotation,))
                 if isinstance(a, type) and issubclass(a, BaseModel)]
        items = node.get("items", node)  # a list of models: their schema is the items'
        for sub in inner:
            yield from model_defaults(sub, items, f"{path}.{name}[]")


@pytest.mark.parametrize(("path", "default", "node"), list(model_defaults(ControlPlaneSpec, SPEC)),
                         ids=lambda v: v if isinstance(v, str) and v.startswith("spec") else "")
def test_schema_default_equals_the_pydantic_default(path, default, node):
    if default is None:
        assert "default" not in node
    else:
        assert apply_defaults(copy.deepcopy(node["default"]), node) == default


def test_an_empty_spec_defaults_to_the_pydantic_default():
    defaulted = apply_defaults({}, SPEC)
    assert defaulted == ControlPlaneSpec().model_dump(mode="json", exclude_none=True)


def test_status_the_operator_writes_is_admitted_and_old_kopf_bookkeeping_pruned():
    conditions = set_condition([], "Ready", False, "NovaProgressing", "nova: installing", 2,
                               "2025-01-01T00:00:00Z")
    status = ControlPlaneStatus(
        observedGeneration=2, phase=Phase.Progressing, servicesReady="4/5",
        conditions=conditions,
        services={"nova": ServiceStatus(phase=Phase.Progressing, chart="nova", revision=1)},
    ).model_dump(mode="json", exclude_none=True)
    stored = {"apiVersion": "osprey.dev/v1alpha1", "kind": "OpenStackControlPlane",
              "metadata": {"name": "openstack"}, "spec": {}}
    obj = {**stored, "status": status}
    assert unknown_fields(SCHEMA, obj) == []
    assert admit(SCHEMA, obj, stored, status_only=True)["status"] == status
    # What an older Osprey left under status.kopf goes with the next status write.
    leftover = {"lastHandledConfiguration": "{}", "progress": {}}
    written = admit(SCHEMA, {**stored, "status": {**status, "kopf": leftover}}, stored,
                    status_only=True)
    assert written["status"] == status
