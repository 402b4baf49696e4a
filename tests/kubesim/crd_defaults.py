"""The `default`s of a CRD's schema, validated as kube-apiserver validates them.

A port of k8s.io/apiextensions-apiserver/pkg/apiserver/schema/defaulting/validation.go: each
default must survive pruning unchanged (`must not have unknown fields`), must validate against
its own node's schema, and then must satisfy the CEL rules of its node and of the nodes inside
it, evaluated on the default as written (the defaults of nested fields are not applied first)
with `oldSelf` bound to the default too. This is why `spec: {default: {}}` under a rule like
`!self.services.keystone.enabled || ...` is refused with `no such key: services`.
"""

from __future__ import annotations

import copy
from typing import Any

from .cel_rules import run_rules
from .field_errors import go_syntax, invalid
from .schema_values import Cause, prune, validate_at

META_FIELDS = ("metadata", "apiVersion", "kind")


def default_errors(schema: dict[str, Any], path: str) -> list[Cause]:
    """Errors of every default under a version's openAPIV3Schema (the root is a resource)."""
    return _walk(schema, path, schema, inside_meta=False)


def _walk(s: dict[str, Any], path: str, resource: dict[str, Any], *,
          inside_meta: bool) -> list[Cause]:
    if s.get("x-kubernetes-embedded-resource"):
        inside_meta = False
        resource = s
    errors: list[Cause] = []
    if s.get("default") is not None:
        errors += _default(s, path, is_resource_root=s is resource, inside_meta=inside_meta)
    # defaults are forbidden under additionalProperties, so kube does not look there
    if isinstance(s.get("items"), dict):
        errors += _walk(s["items"], f"{path}.items", resource, inside_meta=inside_meta)
    for key, prop in (s.get("properties") or {}).items():
        meta = inside_meta or (bool(s.get("x-kubernetes-embedded-resource"))
                               and key in META_FIELDS)
        errors += _walk(prop, f"{path}.properties[{key}]", resource, inside_meta=meta)
    return errors


def _default(s: dict[str, Any], path: str, *, is_resource_root: bool,
             inside_meta: bool) -> list[Cause]:
    default = s["default"]
    field = f"{path}.default"
    if inside_meta or _has_embedded_resource(s):
        raise NotImplementedError(
            f"kubesim does not validate defaults that hold object metadata ({field}): kube "
            "coerces and validates that metadata first")
    errors: list[Cause] = []
    pruned = copy.deepcopy(default)
    prune(pruned, s, root=bool(s.get("x-kubernetes-embedded-resource")))
    if pruned != default:
        errors.append(invalid(field, go_syntax(default), "must not have unknown fields"))
    schema_errors = validate_at(default, s, field)
    if schema_errors:
        return errors + schema_errors
    rule_errors: list[Cause] = []
    run_rules(copy.deepcopy(default), copy.deepcopy(default), s, field, rule_errors,
              root=is_resource_root)
    return errors + rule_errors


def _has_embedded_resource(s: Any) -> bool:
    if not isinstance(s, dict):
        return False
    if s.get("x-kubernetes-embedded-resource"):
        return True
    children = list((s.get("properties") or {}).values())
    children += [s.get("items"), s.get("additionalProperties")]
    return any(_has_embedded_resource(c) for c in children)
