"""kube-apiserver's admission of custom resources: prune, default, validate, run CEL rules.

The simulator stores what kube-apiserver would store, and rejects what it would reject, so that
the operator meets the same API in tests as in a cluster. The steps follow
k8s.io/apiextensions-apiserver: drop non-nullable nulls, apply structural defaults, prune unknown
fields, validate the OpenAPI v3 schema (schema_values.py), then (only when no type errors were
found) evaluate the `x-kubernetes-validations` CEL rules with cel-python (cel_rules.py). Error
texts copy kube's field errors, e.g.
`spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0`.

The checks kube-apiserver makes when the CRD itself is written live in crd_schema.py.

Not simulated: validation ratcheting, the runtime CEL cost budget, metadata validation beyond
keeping it, and the Kubernetes CEL extension libraries cel-python lacks (a rule using one raises
NotImplementedError naming the function instead of pretending to evaluate it).
"""

from __future__ import annotations

import copy

from .cel_rules import (  # noqa: F401  (importers use these names from here)
    BLOCKED_CEL_MESSAGE,
    CELRuleError,
    compile_rule,
    run_rules,
    to_cel,
)
from .crd_schema import structural_errors  # noqa: F401
from .schema_values import (  # noqa: F401
    Cause,
    SchemaViolation,
    normalise,
    unknown_fields,
    validate,
)


def version_schema(crd: dict, version: str) -> dict:
    """The openAPIV3Schema of one served version of a CRD manifest."""
    for v in crd["spec"]["versions"]:
        if v["name"] == version:
            return v["schema"]["openAPIV3Schema"]
    raise KeyError(f"CRD {crd['metadata']['name']} has no version {version}")


def admit(crd_version_schema: dict, obj: dict, old: dict | None, *,
          status_only: bool = False) -> dict:
    """Return the object kube-apiserver would store, or raise SchemaViolation.

    `crd_version_schema` is a version's openAPIV3Schema (or its `schema` wrapper holding it).
    `old` is the stored object on update (enables transition rules using oldSelf). With
    `status_only` (the /status subresource) only obj's status is taken, onto old, and only
    status is validated.
    """
    schema = crd_version_schema.get("openAPIV3Schema", crd_version_schema)
    if status_only:
        new = copy.deepcopy(old if old is not None else obj)
        new.pop("status", None)
        if "status" in obj:
            new["status"] = copy.deepcopy(obj["status"])
        status_schema = schema.get("properties", {}).get("status", {})
        new_part = {"status": new["status"]} if "status" in new else {}
        old_part = {"status": old["status"]} if old is not None and "status" in old else None
        part_schema = {"type": "object", "properties": {"status": status_schema}}
        _check(part_schema, new_part, old_part)
        if "status" in new_part:
            new["status"] = new_part["status"]
        return new
    new = copy.deepcopy(obj)
    _check(schema, new, old, root=True)
    return new


def _check(schema: dict, new: dict, old: dict | None, *, root: bool = False) -> None:
    """Normalise `new` in place (nulls, defaults, pruning), then validate it.

    `old` is normalised too (on a copy): kube applies defaults when it reads from storage,
    so transition rules see a defaulted oldSelf.
    """
    normalise(new, schema, root=root)
    if old is not None:
        old = copy.deepcopy(old)
        normalise(old, schema, root=root)
    causes: list[Cause] = []
    validate(new, schema, "", causes, root=root)
    if any(c.reason == "FieldValueTypeInvalid" for c in causes):
        causes.append(Cause("<nil>", "FieldValueInvalid",
                            f'Invalid value: "null": {BLOCKED_CEL_MESSAGE}'))
    else:
        run_rules(new, old, schema, "", causes, root=root)
    if causes:
        raise SchemaViolation(causes)

