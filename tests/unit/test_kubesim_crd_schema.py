"""kubesim refuses the CRD schemas kube-apiserver refuses, with kube-apiserver's messages.

Messages are those of k8s.io/apiextensions-apiserver's CRD validation; paths start where kube
reports a single-schema CRD: `spec.validation.openAPIV3Schema`.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.kubesim.crd_schema import schema_errors

ROOT = "spec.validation.openAPIV3Schema"


def errors(schema: dict[str, Any], **options: Any) -> list[str]:
    return [f"{c.field}: {c.message}" for c in schema_errors(schema, ROOT, **options)]


def root(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties}


def spec(**node: Any) -> dict[str, Any]:
    return root(spec={"type": "object", **node})


def rule(text: str, **more: Any) -> dict[str, Any]:
    return {"x-kubernetes-validations": [{"rule": text, **more}]}


INT = {"type": "integer"}


# --- structural schema ---------------------------------------------------------------------


def test_a_valid_schema_has_no_errors():
    schema = spec(properties={"replicas": {**INT, "default": 1, "minimum": 0}},
                  **rule("self.replicas >= 0"))
    assert errors(schema) == []


def test_root_metadata_with_a_description_is_refused():
    schema = root(metadata={"type": "object", "description": "Standard object metadata."})
    assert errors(schema) == [
        (f"{ROOT}.properties[metadata]: Forbidden: must not specify anything other than name and "
        "generateName, but metadata is implicitly specified")]


def test_root_metadata_may_restrict_name_and_generate_name_only():
    names = {"name": {"type": "string", "maxLength": 63},
             "generateName": {"type": "string"}}
    assert errors(root(metadata={"type": "object", "properties": names})) == []
    labels = {**names, "labels": {"type": "object"}}
    assert errors(root(metadata={"type": "object", "properties": labels})) == [
        (f"{ROOT}.properties[metadata]: Forbidden: must not specify anything other than name and "
        "generateName, but metadata is implicitly specified")]


def test_root_metadata_must_be_an_object():
    assert errors(root(metadata={"type": "string"})) == [
        f'{ROOT}.properties[metadata].type: Invalid value: "string": must be object']


def test_metadata_is_forbidden_in_a_nested_context():
    schema = spec(allOf=[{"properties": {"metadata": {}}}], properties={"metadata": {
        "type": "object"}})
    assert f"{ROOT}.properties[spec].allOf[0].properties[metadata]: Forbidden: must not be " \
           "specified in a nested context" in errors(schema)


def test_every_node_needs_a_type_worded_by_where_it_is():
    assert errors({"properties": {}}) == [
        f"{ROOT}.type: Required value: must not be empty at the root"]
    assert errors(spec(properties={"a": {}})) == [
        (f"{ROOT}.properties[spec].properties[a].type: Required value: must not be empty for "
        "specified object fields")]
    assert errors(spec(properties={"a": {"type": "array", "items": {}}})) == [
        (f"{ROOT}.properties[spec].properties[a].items.type: Required value: must not be empty "
        "for specified array items")]


def test_an_array_needs_items():
    assert errors(spec(properties={"a": {"type": "array"}})) == [
        f"{ROOT}.properties[spec].properties[a].items: Required value: must be specified"]


def test_structural_errors_are_sorted_by_their_text_as_kube_sorts_them():
    found = errors(spec(properties={"b": {}, "a": {"type": "array"}}))
    assert found == sorted(found) and len(found) == 2


def test_additional_properties_are_forbidden_at_the_root():
    assert errors({"type": "object", "additionalProperties": {"type": "string"}}) == [
        f"{ROOT}.additionalProperties: Forbidden: must not be used at the root"]


def test_junctions_may_hold_only_value_validations():
    schema = spec(properties={"a": {"type": "string", "anyOf": [
        {"type": "string", "description": "d"}, {"pattern": "^x"}]}})
    assert errors(schema) == [
        (f"{ROOT}.properties[spec].properties[a].anyOf[0].description: Forbidden: must be empty "
        "to be structural"),
        (f"{ROOT}.properties[spec].properties[a].anyOf[0].type: Forbidden: must be empty to be "
        "structural"),
    ]


def test_int_or_string_may_spell_its_union_with_any_of():
    union = {"x-kubernetes-int-or-string": True,
             "anyOf": [{"type": "integer"}, {"type": "string"}]}
    assert errors(spec(properties={"port": union})) == []


def test_junction_properties_must_exist_in_the_structural_schema():
    schema = {"type": "object", "properties": {"spec": {"type": "object"}},
              "anyOf": [{"properties": {"status": {"required": ["x"]}}}]}
    assert errors(schema) == [
        (f"{ROOT}.properties[status]: Required value: because it is defined in "
        f"{ROOT}.anyOf[0].properties[status]")]


def test_embedded_resources_must_be_objects():
    schema = spec(properties={"template": {"type": "string",
                                           "x-kubernetes-embedded-resource": True}})
    assert f'{ROOT}.properties[spec].properties[template].type: Invalid value: "string": must ' \
           "be object if x-kubernetes-embedded-resource is true" in errors(schema)


def test_patterns_must_be_go_regular_expressions():
    schema = spec(properties={"a": {"type": "string", "pattern": "^(?!x)"}})
    assert errors(schema) == [
        (f'{ROOT}.properties[spec].properties[a].pattern: Invalid value: "^(?!x)": must be a '
        "valid regular expression, but isn't: error parsing regexp: invalid or unsupported Perl "
        "syntax: `(?!`")]


# --- OpenAPI keywords and Kubernetes extensions ---------------------------------------------


@pytest.mark.parametrize(("node", "message"), [
    ({"$ref": "#/x", "type": "object"}, "$ref: Forbidden: $ref is not supported"),
    ({"type": "object", "patternProperties": {"^a": {"type": "string"}}},
     "patternProperties: Forbidden: patternProperties is not supported"),
    ({"type": "array", "items": {"type": "string"}, "uniqueItems": True},
     ("uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity "
     "becomes quadratic")),
    ({"type": "object", "properties": {"a": INT}, "additionalProperties": {"type": "string"}},
     ("additionalProperties: Forbidden: additionalProperties and properties are mutual "
     "exclusive")),
    ({"type": "object", "x-kubernetes-preserve-unknown-fields": False},
     "x-kubernetes-preserve-unknown-fields: Invalid value: false: must be true or undefined"),
    ({"type": "array", "items": {"type": "string"}, "x-kubernetes-list-type": "bag"},
     ('x-kubernetes-list-type: Unsupported value: "bag": supported values: "atomic", "set", '
     '"map"')),
])
def test_openapi_keywords_kube_does_not_support(node: dict[str, Any], message: str):
    assert f"{ROOT}.properties[spec].properties[a].{message}" in errors(
        spec(properties={"a": node}))


def test_map_list_keys_must_be_required_or_defaulted():
    conditions = {"type": "array", "x-kubernetes-list-type": "map",
                  "x-kubernetes-list-map-keys": ["type"],
                  "items": {"type": "object", "properties": {"type": {"type": "string"}}}}
    assert errors(spec(properties={"conditions": conditions})) == [
        (f"{ROOT}.properties[spec].properties[conditions].items.properties[type].default: "
        "Required value: this property is in x-kubernetes-list-map-keys, so it must have a "
        "default or be a required property")]


def test_defaults_are_forbidden_in_top_level_metadata():
    schema = root(metadata={"type": "object", "properties": {
        "name": {"type": "string", "default": "x"}}})
    assert errors(schema) == [
        (f"{ROOT}.properties[metadata].properties[name].default: Forbidden: must not be set in "
        "top-level metadata")]


# --- defaults ----------------------------------------------------------------------------


def test_a_default_must_not_hold_unknown_fields():
    schema = spec(default={"replicas": 1, "typo": True}, properties={"replicas": INT})
    assert errors(schema) == [
        (f"{ROOT}.properties[spec].default: Invalid value: map[string]interface "
        '{}{"replicas":1, "typo":true}: must not have unknown fields')]


def test_a_default_must_satisfy_its_own_schema():
    schema = spec(default={"replicas": 0}, properties={"replicas": {**INT, "minimum": 1}})
    assert errors(schema) == [
        (f"{ROOT}.properties[spec].default.replicas: Invalid value: 0: replicas in body should "
        "be greater than or equal to 1")]


def test_a_default_is_checked_by_the_rules_of_its_node_as_written():
    schema = spec(default={}, properties={"replicas": {**INT, "default": 1}},
                  **rule("self.replicas <= 3"))
    assert errors(schema) == [
        (f'{ROOT}.properties[spec].default: Invalid value: "object": no such key: replicas '
        "evaluating rule: self.replicas <= 3")]


def test_a_default_failing_its_rule_names_the_rule():
    schema = spec(properties={"replicas": {**INT, "default": 0, **rule("self >= 1")}})
    assert errors(schema) == [
        (f'{ROOT}.properties[spec].properties[replicas].default: Invalid value: "integer": '
        "failed rule: self >= 1")]


def test_transition_rules_see_the_default_as_old_self():
    neutron = {"type": "object", "default": {},
               "properties": {"enabled": {"type": "boolean", "default": True},
                              "backend": {"type": "string", "default": "ovs"}},
               **rule("!oldSelf.enabled || self.backend == oldSelf.backend",
                      message="backend cannot change")}
    assert errors(spec(properties={"neutron": neutron})) == [
        (f"{ROOT}.properties[spec].properties[neutron].default: Invalid value: \"object\": no "
        "such key: enabled evaluating rule: backend cannot change")]


def test_rules_tolerating_absent_fields_accept_an_empty_default():
    schema = spec(default={}, properties={"replicas": {**INT, "default": 1}},
                  **rule("!has(self.replicas) || self.replicas <= 3"))
    assert errors(schema) == []


def test_defaults_are_checked_only_once_the_schema_is_structural():
    schema = root(metadata={"type": "object", "description": "x"},
                  spec={"type": "object", "default": {}, **rule("self.a > 0")})
    assert [e.split(":")[0] for e in errors(schema)] == [f"{ROOT}.properties[metadata]"]


# --- CEL compilation ---------------------------------------------------------------------


def test_a_rule_naming_an_undeclared_field_does_not_compile():
    schema = spec(properties={"replicas": INT}, **rule("self.replicaz > 0"))
    assert errors(schema) == [
        (f"{ROOT}.properties[spec].x-kubernetes-validations[0].rule: Invalid value: "
        'apiextensions.ValidationRule{Rule:"self.replicaz > 0", Message:"", '
        'MessageExpression:"", Reason:(*apiextensions.FieldValueErrorReason)(nil), '
        'FieldPath:"", OptionalOldSelf:(*bool)(nil)}: compilation failed: ERROR: <input>:1:5: '
        "undefined field 'replicaz'\n | self.replicaz > 0\n | ....^")]


def test_a_rule_calling_an_unknown_function_does_not_compile():
    (error,) = errors(spec(**rule("frobnicate(self)")))
    assert error.endswith("compilation failed: ERROR: <input>:1:11: undeclared reference to "
                          "'frobnicate' (in container '')\n | frobnicate(self)\n | ..........^")


def test_a_rule_comparing_mismatched_types_does_not_compile():
    (error,) = errors(spec(properties={"name": {"type": "string"}}, **rule("self.name > 1")))
    assert "found no matching overload for '_>_' applied to '(string, int)'" in error


def test_a_rule_must_evaluate_to_a_bool():
    (error,) = errors(spec(properties={"replicas": INT}, **rule("self.replicas")))
    assert error.endswith("cel expression must evaluate to a bool")


def test_a_message_expression_must_evaluate_to_a_string():
    (error,) = errors(spec(properties={"replicas": INT},
                           **rule("self.replicas > 0", messageExpression="self.replicas")))
    assert error.startswith(f"{ROOT}.properties[spec].x-kubernetes-validations[0]."
                            "messageExpression: Invalid value: apiextensions.ValidationRule{")
    assert error.endswith("messageExpression must evaluate to a string")


def test_kubernetes_library_functions_are_refused_loudly_not_accepted():
    with pytest.raises(NotImplementedError, match=r"lowerAscii\(\)"):
        errors(spec(properties={"name": {"type": "string"}},
                    **rule("self.name.lowerAscii() == self.name")))


def test_constructs_kubesim_cannot_type_or_price_are_refused_loudly_not_accepted():
    with pytest.raises(NotImplementedError, match="message construction"):
        errors(spec(properties={"a": INT}, **rule("self == Foo{a: 1}")))


# --- where rules may stand, and what their fields may say ----------------------------------


def test_rules_are_forbidden_inside_junctions():
    schema = spec(properties={"a": {**INT, "allOf": [rule("self > 0")]}})
    assert errors(schema) == [
        (f"{ROOT}.properties[spec].properties[a].allOf[0].x-kubernetes-validations: Forbidden: "
        "must be empty to be structural")]


def test_old_self_is_forbidden_under_lists_that_cannot_correlate_items():
    tags = {"type": "array", "maxItems": 10,
            "items": {"type": "string", "maxLength": 10, **rule("self == oldSelf")}}
    assert errors(spec(properties={"tags": tags})) == [
        (f"{ROOT}.properties[spec].properties[tags].items.x-kubernetes-validations[0].rule: "
        'Invalid value: "self == oldSelf": oldSelf cannot be used on the uncorrelatable portion '
        f"of the schema within {ROOT}.properties[spec].properties[tags]")]


def test_old_self_is_allowed_under_map_lists():
    ports = {"type": "array", "x-kubernetes-list-type": "map",
             "x-kubernetes-list-map-keys": ["name"],
             "items": {"type": "object", "required": ["name"],
                       "properties": {"name": {"type": "string"}, "port": INT},
                       **rule("self.port == oldSelf.port")}}
    assert errors(spec(properties={"ports": ports})) == []


def test_optional_old_self_needs_a_rule_using_old_self():
    (error,) = errors(spec(properties={"a": INT}, **rule("self.a > 0", optionalOldSelf=True)))
    assert error == (f"{ROOT}.properties[spec].x-kubernetes-validations[0].optionalOldSelf: "
                     "Invalid value: true: may not be set if oldSelf is not used in rule")


def test_a_rule_on_a_node_cel_cannot_see_is_an_internal_error():
    schema = spec(properties={"raw": {"x-kubernetes-preserve-unknown-fields": True,
                                      **rule("true")}})
    assert errors(schema) == [
        (f"{ROOT}.properties[spec].properties[raw].x-kubernetes-validations: Internal error: "
        "internal error: failed to construct type information for x-kubernetes-validations "
        "rules: unable to convert structural schema to CEL declarations")]


def test_reason_must_be_a_field_error_type():
    (error,) = errors(spec(**rule("true", reason="FieldValueTooLong")))
    assert error == (
        f"{ROOT}.properties[spec].x-kubernetes-validations[0].reason: Unsupported value: "
        '"FieldValueTooLong": supported values: "FieldValueDuplicate", "FieldValueForbidden", '
        '"FieldValueInvalid", "FieldValueRequired"')


def test_field_path_must_point_into_the_schema():
    node = {"properties": {"replicas": INT, "labels": {
        "type": "object", "additionalProperties": {"type": "string"}}}}
    assert errors(spec(**node, **rule("true", fieldPath=".replicas"))) == []
    assert errors(spec(**node, **rule("true", fieldPath=".labels['app.kubernetes.io/name']"))) \
        == []
    assert errors(spec(**node, **rule("true", fieldPath=".replicaz"))) == [
        (f"{ROOT}.properties[spec].x-kubernetes-validations[0].fieldPath: Invalid value: "
        '".replicaz": fieldPath must be a valid path')]


def test_a_multi_line_rule_needs_a_message():
    assert errors(spec(**rule("true &&\ntrue"))) == [
        (f"{ROOT}.properties[spec].x-kubernetes-validations[0].message: Required value: message "
        "must be specified if rule contains line breaks")]


def test_an_empty_rule_is_refused():
    assert errors(spec(**rule("  "))) == [
        (f"{ROOT}.properties[spec].x-kubernetes-validations[0].rule: Required value: rule is not "
        "specified")]


def test_schema_errors_come_before_cel_errors():
    schema = spec(properties={"a": {**INT, **rule("self.b > 0")},
                              "c": {"type": "object", "x-kubernetes-map-type": "bag"}})
    found = errors(schema)
    assert found[0].startswith(f"{ROOT}.properties[spec].properties[c].x-kubernetes-map-type")
    assert "type 'int' does not support field selection" in found[1]


# --- cost limits ---------------------------------------------------------------------------

BUDGET_HINT = ("(try simplifying the rule, or adding maxItems, maxProperties, and maxLength "
               "where arrays, maps, and strings are declared)")


def test_a_rule_over_an_unbounded_list_of_unbounded_strings_exceeds_the_rule_budget():
    names = {"type": "array", "items": {"type": "string"},
             **rule("self.all(x, self.exists(y, x.contains(y)))")}
    found = errors(spec(properties={"names": names}))
    assert found[0] == (
        f"{ROOT}.properties[spec].properties[names].x-kubernetes-validations[0].rule: Forbidden:"
        f" estimated rule cost exceeds budget by factor of more than 100x {BUDGET_HINT}")


def test_bounds_bring_the_same_rule_within_budget():
    names = {"type": "array", "maxItems": 10, "items": {"type": "string", "maxLength": 63},
             **rule("self.all(x, self.exists(y, x.contains(y)))")}
    assert errors(spec(properties={"names": names})) == []


def test_a_rule_is_charged_once_per_element_of_the_lists_above_it():
    # One evaluation costs 804: matches() is (4000 + 1) x 0.1 for the string (1000 characters
    # of up to 4 bytes) times 8 x 0.25 for the regex, plus 2 for `self.name`. Without maxItems
    # the list may hold 3 MiB / 3 bytes (`{}` and a comma) = 1048576 items: 84.3 x the budget.
    item = {"type": "object", "properties": {"name": {"type": "string", "maxLength": 1000}},
            **rule("self.name.matches('^[a-z]+$')")}
    bounded = {"type": "array", "maxItems": 100, "items": item}
    assert errors(spec(properties={"items": bounded})) == []
    unbounded = {"type": "array", "items": item}
    (error, *_) = errors(spec(properties={"items": unbounded}))
    assert error == (
        f"{ROOT}.properties[spec].properties[items].items.x-kubernetes-validations[0].rule: "
        f"Forbidden: estimated rule cost exceeds budget by factor of 84.3x {BUDGET_HINT}")


def test_a_message_expression_of_unknown_size_exceeds_its_budget():
    worker = {"type": "object", "properties": {"min": INT, "max": INT},
              **rule("self.min <= self.max",
                     messageExpression="'min (' + string(self.min) + ') exceeds max'")}
    assert errors(spec(properties={"worker": worker})) == [
        (f"{ROOT}.properties[spec].properties[worker].x-kubernetes-validations[0]."
        "messageExpression: Forbidden: estimated messageExpression cost exceeds budget by "
        f"factor of more than 100x {BUDGET_HINT}"),
        (f"{ROOT}.properties[spec].properties[worker].x-kubernetes-validations[0]."
        "messageExpression: Forbidden: contributed to estimated rule cost total exceeding cost "
        "limit for entire OpenAPIv3 schema"),
        (f"{ROOT}: Forbidden: x-kubernetes-validations estimated rule cost total for entire "
        f"OpenAPIv3 schema exceeds budget by factor of more than 100x {BUDGET_HINT}"),
    ]


def test_rules_each_within_budget_can_exceed_the_budget_of_the_whole_schema():
    # 1204 per evaluation ((4000 + 1) x 0.1 rounded up, times 12 x 0.25 for the regex, plus 1
    # for `self`), 8000 times per list: 9.632 million, within the per-rule budget; twelve lists:
    # 115.584 million.
    item = {"type": "string", "maxLength": 1000, **rule("self.matches('^[a-z0-9-]+$')")}
    lists = {f"l{i}": {"type": "array", "maxItems": 8000, "items": copy.deepcopy(item)}
             for i in range(12)}
    found = errors(spec(properties=lists))
    assert not any("estimated rule cost exceeds" in e for e in found)
    assert found[-1] == (
        f"{ROOT}: Forbidden: x-kubernetes-validations estimated rule cost total for entire "
        f"OpenAPIv3 schema exceeds budget by factor of 1.155840x {BUDGET_HINT}")
    assert sum("contributed to estimated rule cost total" in e for e in found) == 4


def test_an_unchanged_schema_keeps_its_per_rule_cost_allowance_on_update():
    names = {"type": "array", "items": {"type": "string"},
             **rule("self.all(x, self.exists(y, x.contains(y)))")}
    found = errors(spec(properties={"names": names}), suppress_expression_cost=True)
    assert not any("estimated rule cost exceeds" in e for e in found)
