"""The simulator's custom resource admission behaves like kube-apiserver's."""

from __future__ import annotations

import pytest

from tests.kubesim.cel_rules import CELRuleError, compile_rule
from tests.kubesim.crd_schema import structural_errors
from tests.kubesim.schema import Cause, SchemaViolation, admit, unknown_fields, version_schema

WIDGET = {
    "type": "object",
    "properties": {
        "spec": {
            "type": "object",
            "default": {"replicas": 1},
            "properties": {
                "replicas": {"type": "integer", "minimum": 0, "maximum": 5, "default": 1},
                "name": {"type": "string", "pattern": "^[a-z]+$", "maxLength": 8,
                         "minLength": 2},
                "mode": {"type": "string", "enum": ["fast", "slow"]},
                "ratio": {"type": "number"},
                "size": {"x-kubernetes-int-or-string": True},
                "owner": {"type": "string", "nullable": True},
                "tags": {"type": "array", "maxItems": 2, "items": {"type": "string"},
                         "x-kubernetes-list-type": "set"},
                "values": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                "storage": {
                    "type": "object",
                    "default": {"size": "1Gi"},
                    "required": ["size"],
                    "properties": {"size": {"type": "string"},
                                   "class": {"type": "string", "default": "standard"}},
                },
                "scaling": {
                    "type": "object",
                    "properties": {"min": {"type": "integer", "default": 1},
                                   "max": {"type": "integer"}},
                    "required": ["max"],
                    "x-kubernetes-validations": [{
                        "rule": "self.min <= self.max", "message": "min must not exceed max",
                        "fieldPath": ".min",
                    }],
                },
                "immutable": {"type": "string",
                              "x-kubernetes-validations": [{"rule": "self == oldSelf",
                                                            "message": "is immutable",
                                                            "reason": "FieldValueForbidden"}]},
            },
            "x-kubernetes-validations": [
                {"rule": "!has(self.name) || self.mode == 'fast'",
                 "messageExpression": "'name needs mode fast, not ' + self.mode"},
                {"rule": "self.replicas < 5"},
            ],
        },
        "status": {
            "type": "object",
            "properties": {
                "ready": {"type": "boolean"},
                "conditions": {
                    "type": "array",
                    "x-kubernetes-list-type": "map",
                    "x-kubernetes-list-map-keys": ["type"],
                    "items": {"type": "object", "required": ["type"],
                              "properties": {"type": {"type": "string"},
                                             "at": {"type": "string", "format": "date-time"}}},
                },
            },
        },
    },
}


def widget(spec: dict | None = None, **extra: object) -> dict:
    obj = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"},
           **extra}
    if spec is not None:
        obj["spec"] = spec
    return obj


def rejection(spec: dict, old: dict | None = None) -> list[str]:
    with pytest.raises(SchemaViolation) as caught:
        admit(WIDGET, widget(spec), widget(old) if old is not None else None)
    return [str(c) for c in caught.value.causes]


# --- pruning and defaulting ----------------------------------------------------------------


def test_unknown_fields_are_pruned_but_root_keys_and_preserved_maps_stay():
    out = admit(WIDGET, widget({"typo": 1, "values": {"any": {"thing": [1]}}}), None)
    assert "typo" not in out["spec"]
    assert out["spec"]["values"] == {"any": {"thing": [1]}}
    assert out["metadata"] == {"name": "w"} and out["kind"] == "Widget"


def test_unknown_fields_lists_what_strict_field_validation_refuses():
    found = unknown_fields(WIDGET, widget({"typo": 1, "storage": {"size": "1Gi", "x": 2}}))
    assert found == ["spec.typo", "spec.storage.x"]


def test_absent_object_gets_its_default_and_the_defaults_of_its_children():
    out = admit(WIDGET, widget(), None)
    assert out["spec"]["replicas"] == 1
    assert out["spec"]["storage"] == {"size": "1Gi", "class": "standard"}


def test_nested_defaults_apply_only_when_the_parent_is_present():
    out = admit(WIDGET, widget({}), None)
    assert "scaling" not in out["spec"]
    out = admit(WIDGET, widget({"scaling": {"max": 3}}), None)
    assert out["spec"]["scaling"] == {"min": 1, "max": 3}


def test_null_of_a_non_nullable_field_is_dropped_or_defaulted():
    out = admit(WIDGET, widget({"replicas": None, "name": None}), None)
    assert out["spec"]["replicas"] == 1
    assert "name" not in out["spec"]


def test_null_of_a_nullable_field_is_kept():
    assert admit(WIDGET, widget({"owner": None}), None)["spec"]["owner"] is None


def test_admit_does_not_modify_its_input():
    obj = widget({"typo": 1})
    admit(WIDGET, obj, None)
    assert obj["spec"] == {"typo": 1}


# --- OpenAPI validation -------------------------------------------------------------------


def test_minimum_violation_reads_like_kube():
    assert rejection({"replicas": -1}) == [
        ("spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or "
        "equal to 0")]


def test_maximum_violation_reads_like_kube():
    assert rejection({"replicas": 6})[0] == (
        "spec.replicas: Invalid value: 6: spec.replicas in body should be less than or equal "
        "to 5")


def test_wrong_type_is_type_invalid_and_blocks_cel_rules():
    with pytest.raises(SchemaViolation) as caught:
        admit(WIDGET, widget({"replicas": "two"}), None)
    first, blocked = caught.value.causes
    assert first == Cause("spec.replicas", "FieldValueTypeInvalid",
                          'Invalid value: "string": spec.replicas in body must be of type '
                          'integer: "string"')
    assert blocked.field == "<nil>" and "rules were not checked" in blocked.message


def test_integer_is_accepted_as_number_but_boolean_is_not_integer():
    assert admit(WIDGET, widget({"ratio": 2}), None)["spec"]["ratio"] == 2
    assert "must be of type integer" in rejection({"replicas": True})[0]


def test_enum_violation_lists_supported_values():
    assert rejection({"mode": "warp"}) == [
        'spec.mode: Unsupported value: "warp": supported values: "fast", "slow"']


def test_pattern_and_length_violations():
    causes = rejection({"name": "ABCDEFGHIJ", "mode": "fast"})
    assert causes == [
        "spec.name: Too long: may not be more than 8 bytes",
        "spec.name: Invalid value: \"ABCDEFGHIJ\": spec.name in body should match '^[a-z]+$'",
    ]
    assert rejection({"name": "a", "mode": "fast"}) == [
        'spec.name: Invalid value: "a": spec.name in body should be at least 2 chars long']


def test_required_field_missing():
    assert rejection({"storage": {"class": "fast"}}) == ["spec.storage.size: Required value"]


def test_int_or_string_accepts_both_and_nothing_else():
    assert admit(WIDGET, widget({"size": 3}), None)["spec"]["size"] == 3
    assert admit(WIDGET, widget({"size": "3Gi"}), None)["spec"]["size"] == "3Gi"
    assert "must be of type integer or string" in rejection({"size": [3]})[0]


def test_additional_properties_values_are_validated():
    assert rejection({"labels": {"a": 1}})[0].startswith(
        'spec.labels.a: Invalid value: "integer"')


def test_max_items_and_set_duplicates():
    assert rejection({"tags": ["a", "b", "c"]}) == [
        "spec.tags: Too many: 3: must have at most 2 items"]
    assert rejection({"tags": ["a", "a"]}) == ['spec.tags[1]: Duplicate value: "a"']


def test_map_list_duplicate_keys_are_rejected_in_status():
    with pytest.raises(SchemaViolation) as caught:
        admit(WIDGET, widget({}, status={"conditions": [{"type": "A"}, {"type": "A"}]}), None)
    assert str(caught.value) == 'status.conditions[1]: Duplicate value: {"type":"A"}'


def test_date_time_format_is_checked():
    good = widget({}, status={"conditions": [{"type": "A", "at": "2025-01-02T03:04:05Z"}]})
    assert admit(WIDGET, good, None)
    bad = widget({}, status={"conditions": [{"type": "A", "at": "yesterday"}]})
    with pytest.raises(SchemaViolation, match="must be of type date-time"):
        admit(WIDGET, bad, None)


# --- CEL rules ----------------------------------------------------------------------------


def test_rule_failure_names_the_field_path_of_the_rule():
    assert rejection({"scaling": {"min": 4, "max": 2}}) == [
        'spec.scaling.min: Invalid value: "object": min must not exceed max']


def test_message_expression_builds_the_message():
    assert rejection({"name": "abc", "mode": "slow"}) == [
        'spec: Invalid value: "object": name needs mode fast, not slow']


def test_rule_without_message_reports_the_rule():
    assert rejection({"replicas": 5}) == [
        'spec: Invalid value: "object": failed rule: self.replicas < 5']


def test_schema_errors_and_rule_failures_are_reported_together():
    causes = rejection({"mode": "warp", "name": "abc"})
    assert causes[0].startswith("spec.mode: Unsupported value")
    assert causes[1] == 'spec: Invalid value: "object": name needs mode fast, not warp'


def test_runtime_error_of_a_rule_is_reported_with_the_rule():
    schema = {"type": "object", "properties": {"spec": {
        "type": "object", "properties": {"a": {"type": "integer"}},
        "x-kubernetes-validations": [{"rule": "self.a > 0", "message": "a must be positive"}]}}}
    with pytest.raises(SchemaViolation) as caught:
        admit(schema, {"spec": {}}, None)
    assert str(caught.value) == (
        'spec: Invalid value: "object": no such key: a evaluating rule: a must be positive')


def test_transition_rule_compares_with_the_old_object():
    assert rejection({"immutable": "b"}, old={"immutable": "a"}) == [
        "spec.immutable: Forbidden: is immutable"]
    assert admit(WIDGET, widget({"immutable": "a"}), widget({"immutable": "a"}))


def test_transition_rule_is_skipped_on_create():
    assert admit(WIDGET, widget({"immutable": "b"}), None)["spec"]["immutable"] == "b"


def test_rules_see_root_metadata_name():
    schema = {"type": "object", "x-kubernetes-validations": [
        {"rule": "self.metadata.name.startsWith('w')", "message": "name must start with w"}]}
    assert admit(schema, widget(), None)
    with pytest.raises(SchemaViolation, match="name must start with w"):
        admit(schema, {**widget(), "metadata": {"name": "x"}}, None)


def test_rules_support_has_size_all_and_exists():
    schema = {"type": "object", "properties": {"spec": {
        "type": "object",
        "properties": {"items": {"type": "array", "items": {"type": "integer"}},
                       "m": {"type": "object", "additionalProperties": {"type": "integer"}}},
        "x-kubernetes-validations": [
            {"rule": "has(self.items) && size(self.items) == 2"},
            {"rule": "self.items.all(i, i > 0) && self.items.exists(i, i == 2)"},
            {"rule": "self.m.all(k, self.m[k] < 10) && 'a' in self.m"},
        ]}}}
    assert admit(schema, {"spec": {"items": [1, 2], "m": {"a": 1}}}, None)
    with pytest.raises(SchemaViolation) as caught:
        admit(schema, {"spec": {"items": [0], "m": {"b": 11}}}, None)
    assert len(caught.value.causes) == 3


def test_kubernetes_library_function_missing_in_cel_python_raises_not_implemented():
    with pytest.raises(NotImplementedError, match=r"lowerAscii\(\)"):
        compile_rule("self.name.lowerAscii() == self.name")


def test_undeclared_function_is_a_rule_error():
    with pytest.raises(CELRuleError, match="undeclared reference to 'frobnicate'"):
        compile_rule("frobnicate(self)")


# --- status subresource -------------------------------------------------------------------


def test_status_only_takes_status_and_keeps_the_stored_spec():
    old = admit(WIDGET, widget({"replicas": 2}), None)
    new = widget({"replicas": -7}, status={"ready": True})
    out = admit(WIDGET, new, old, status_only=True)
    assert out["spec"]["replicas"] == 2
    assert out["status"] == {"ready": True}


def test_status_only_validates_status():
    old = admit(WIDGET, widget({}), None)
    with pytest.raises(SchemaViolation) as caught:
        admit(WIDGET, widget({}, status={"ready": "yes"}), old, status_only=True)
    assert caught.value.causes[0].field == "status.ready"


# --- CRD-level checks -----------------------------------------------------------------------


def test_structural_schema_passes_and_non_structural_constructs_are_reported():
    assert structural_errors(WIDGET) == []
    bad = {"type": "object", "properties": {
        "a": {"$ref": "#/x"},
        "b": {"anyOf": [{"type": "string"}, {"type": "null"}]},
        "c": {"type": "object", "properties": {"x": {"type": "string"}},
              "additionalProperties": {"type": "string"}},
    }}
    text = "\n".join(structural_errors(bad))
    assert "properties[a].$ref: Forbidden: $ref is not supported" in text
    assert "properties[b].anyOf[0].type: Forbidden: must be empty to be structural" in text
    assert "properties[b].type: Required value" in text
    assert "properties[c].additionalProperties: Forbidden" in text


def test_version_schema_picks_the_named_version():
    crd = {"metadata": {"name": "widgets.example.com"}, "spec": {"versions": [
        {"name": "v1", "schema": {"openAPIV3Schema": WIDGET}}]}}
    assert version_schema(crd, "v1") is WIDGET
    with pytest.raises(KeyError):
        version_schema(crd, "v2")


def test_status_message_aggregates_like_kube():
    error = SchemaViolation([Cause("spec.a", "FieldValueRequired", "Required value"),
                             Cause("spec.b", "FieldValueRequired", "Required value")])
    assert error.status_message("Widget.example.com", "w") == (
        'Widget.example.com "w" is invalid: [spec.a: Required value, spec.b: Required value]')


def test_root_metadata_is_kept_whole_even_when_the_schema_declares_it():
    schema = {"type": "object", "properties": {"metadata": {"type": "object"}}}
    obj = {"metadata": {"name": "w", "labels": {"a": "b"}}}
    assert admit(schema, obj, None)["metadata"] == obj["metadata"]
    assert unknown_fields(schema, obj) == []
