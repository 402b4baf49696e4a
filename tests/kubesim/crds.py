"""CustomResourceDefinitions: their validation, their status, the types they serve, and
admission of custom resources through `schema.admit` (pruning, defaulting, validation, CEL).
"""

from __future__ import annotations

import copy
import importlib
from typing import Any

from . import crd_schema
from .errors import ApiError, invalid, not_implemented
from .resources import Registry, ResourceType
from .timeutil import now_rfc3339

CLEANUP_FINALIZER = "customresourcecleanup.apiextensions.k8s.io"


def _cause(field: str, message: str, reason: str = "FieldValueInvalid") -> dict[str, str]:
    return {"reason": reason, "field": field, "message": message}


def validate_crd(crd: dict[str, Any], old: dict[str, Any] | None = None) -> None:
    """kube-apiserver's ValidateCustomResourceDefinition(Update), or 422 with its causes.

    The spec-level checks are those whose absence would make the CRD unusable here; every
    version schema gets apiextensions' full treatment (crd_schema.py). What kubesim cannot
    check faithfully (a CEL construct it cannot type or price) is a 501, never an acceptance.
    """
    name = crd["metadata"]["name"]
    spec = crd.get("spec") or {}
    names = spec.get("names") or {}
    causes = []
    for field in ("group", "scope"):
        if not spec.get(field):
            causes.append(_cause(f"spec.{field}", "Required value", "FieldValueRequired"))
    if spec.get("scope") not in (None, "Namespaced", "Cluster"):
        causes.append(
            _cause(
                "spec.scope",
                f'Unsupported value: "{spec.get("scope")}": '
                'supported values: "Cluster", "Namespaced"',
                "FieldValueNotSupported",
            )
        )
    expected = f"{names.get('plural')}.{spec.get('group')}"
    if names.get("plural") and spec.get("group") and name != expected:
        causes.insert(
            0,
            _cause(
                "metadata.name",
                f'Invalid value: "{name}": must be spec.names.plural+"."+spec.group',
            ),
        )
    versions = spec.get("versions") or []
    if not versions:
        causes.append(
            _cause(
                "spec.versions",
                "Invalid value: null: must have exactly one version marked as storage version",
            )
        )
    elif sum(1 for v in versions if v.get("storage")) != 1:
        causes.append(
            _cause(
                "spec.versions",
                "Invalid value: must have exactly one version marked as storage version",
            )
        )
    for i, version in enumerate(versions):
        if not (version.get("schema") or {}).get("openAPIV3Schema"):
            causes.append(
                _cause(
                    f"spec.versions[{i}].schema.openAPIV3Schema",
                    "Required value: schemas are required",
                    "FieldValueRequired",
                )
            )
    for field in ("plural", "kind"):
        if not names.get(field):
            causes.append(_cause(f"spec.names.{field}", "Required value", "FieldValueRequired"))
    if not any(c["field"].endswith("openAPIV3Schema") for c in causes):
        causes += _schema_causes(spec, (old or {}).get("spec") or {})
    if causes:
        raise invalid("CustomResourceDefinition", "apiextensions.k8s.io", name, causes)


def _schema_causes(spec: dict[str, Any], old_spec: dict[str, Any]) -> list[dict[str, str]]:
    """Every version's schema, at the path kube reports it under.

    kube converts a v1 CRD whose versions all share one schema (or status subresource) to a
    single top-level `spec.validation`, so that is where its errors point.
    """
    versions = spec.get("versions") or []
    old_schemas = {v.get("name"): v.get("schema") for v in old_spec.get("versions") or []}
    shared = all(v.get("schema") == versions[0].get("schema") for v in versions)
    any_status = any("status" in (v.get("subresources") or {}) for v in versions)
    checks = []
    if shared:
        unchanged = bool(old_schemas) and all(
            old_schemas.get(v.get("name")) == v.get("schema") for v in versions)
        checks.append(("spec.validation.openAPIV3Schema", versions[0], unchanged, any_status))
    else:
        for i, version in enumerate(versions):
            status = "status" in (version.get("subresources") or {})
            checks.append((f"spec.versions[{i}].schema.openAPIV3Schema", version,
                           old_schemas.get(version.get("name")) == version.get("schema"),
                           status))
    causes = []
    for path, version, unchanged, status in checks:
        try:
            found = crd_schema.schema_errors(version["schema"]["openAPIV3Schema"], path,
                                             status_enabled=status,
                                             suppress_expression_cost=unchanged)
        except NotImplementedError as exc:
            raise not_implemented(f"this CRD's validation ({path}): {exc}") from exc
        causes += [{"reason": c.reason, "message": c.message, "field": c.field} for c in found]
    return causes


def established_status(crd: dict[str, Any], old_status: dict[str, Any] | None) -> dict[str, Any]:
    """What the apiextensions controllers write: accepted names and Established."""
    spec = crd["spec"]
    names = copy.deepcopy(spec["names"])
    names.setdefault("singular", names["kind"].lower())
    names.setdefault("listKind", names["kind"] + "List")
    stamp = now_rfc3339()
    previous = {c["type"]: c for c in (old_status or {}).get("conditions") or []}

    def condition(kind: str, reason: str, message: str) -> dict[str, Any]:
        kept = previous.get(kind)
        return {
            "type": kind,
            "status": "True",
            "reason": reason,
            "message": message,
            "lastTransitionTime": kept["lastTransitionTime"] if kept else stamp,
        }

    stored = list((old_status or {}).get("storedVersions") or [])
    storage = next(v["name"] for v in spec["versions"] if v.get("storage"))
    if storage not in stored:
        stored.append(storage)
    return {
        "acceptedNames": names,
        "conditions": [
            condition("NamesAccepted", "NoConflicts", "no conflicts found"),
            condition(
                "Established", "InitialNamesAccepted", "the initial names have been accepted"
            ),
        ],
        "storedVersions": stored,
    }


def served_types(crd: dict[str, Any]) -> list[ResourceType]:
    spec = crd["spec"]
    names = spec["names"]
    storage = next(v["name"] for v in spec["versions"] if v.get("storage"))
    out = []
    for version in spec["versions"]:
        if not version.get("served", True):
            continue
        subresources = frozenset(
            k for k in (version.get("subresources") or {}) if k in ("status", "scale")
        )
        out.append(
            ResourceType(
                spec["group"],
                version["name"],
                names["plural"],
                names["kind"],
                spec.get("scope", "Namespaced") == "Namespaced",
                tuple(names.get("shortNames") or ()),
                subresources,
                tuple(names.get("categories") or ()),
                True,
                crd=crd,
                schema=version["schema"]["openAPIV3Schema"],
                storage_version=storage,
            )
        )
    return out


def register(registry: Registry, crd: dict[str, Any]) -> None:
    spec = crd["spec"]
    registry.replace_custom(spec["group"], spec["names"]["plural"], served_types(crd))


def unregister(registry: Registry, crd: dict[str, Any]) -> None:
    spec = crd["spec"]
    registry.replace_custom(spec["group"], spec["names"]["plural"], [])


def version_of(rtype: ResourceType) -> dict[str, Any]:
    assert rtype.crd is not None
    return next(v for v in rtype.crd["spec"]["versions"] if v["name"] == rtype.version)


def _schema_module() -> Any:
    try:
        return importlib.import_module(f"{__package__}.schema")
    except ImportError as exc:
        raise not_implemented(
            f"custom resource validation (tests/kubesim/schema.py unavailable: {exc}); "
            "refusing to store unvalidated custom resources"
        ) from exc


def check_unknown_fields(
    rtype: ResourceType, obj: dict[str, Any], mode: str, warnings: list[str]
) -> None:
    """fieldValidation: Strict rejects unknown fields (400), Warn reports them, Ignore prunes."""
    if mode == "Ignore":
        return
    unknown = _schema_module().unknown_fields(rtype.schema, obj)
    if not unknown:
        return
    report_unknown_fields(rtype, unknown, mode, warnings)


def report_unknown_fields(
    rtype: ResourceType, unknown: list[str], mode: str, warnings: list[str]
) -> None:
    """Strict: 400 as the apiserver's strict decoding phrases it; Warn: warning headers."""
    if not unknown or mode == "Ignore":
        return
    if mode == "Strict":
        listed = ", ".join(f'unknown field "{path}"' for path in unknown)
        raise ApiError(
            400,
            "BadRequest",
            f'{rtype.kind} in version "{rtype.version}" cannot be '
            f"handled as a {rtype.kind}: strict decoding error: {listed}",
        )
    warnings.extend(f'unknown field "{path}"' for path in unknown)


def admit(
    rtype: ResourceType,
    obj: dict[str, Any],
    old: dict[str, Any] | None,
    *,
    status_only: bool = False,
) -> dict[str, Any]:
    """Validate, prune and default a custom resource with the CRD's schema, or fail loudly."""
    schema = _schema_module()
    try:
        admitted = schema.admit(
            rtype.schema, copy.deepcopy(obj), copy.deepcopy(old), status_only=status_only
        )
    except schema.SchemaViolation as violation:
        causes = [
            {"reason": c.reason, "message": c.message, "field": c.field} for c in violation.causes
        ]
        raise invalid(
            rtype.kind, rtype.group, obj["metadata"]["name"], _strip_prefix(causes)
        ) from None
    # Schema admission owns spec/status; identity and metadata stay the apiserver's.
    admitted["apiVersion"], admitted["kind"] = obj["apiVersion"], obj["kind"]
    admitted["metadata"] = obj["metadata"]
    return admitted


def _strip_prefix(causes: list[dict[str, str]]) -> list[dict[str, str]]:
    """Cause messages carry no field prefix (the Status message adds it), as the apiserver's."""
    for cause in causes:
        prefix = f"{cause['field']}: "
        if cause["field"] and cause["message"].startswith(prefix):
            cause["message"] = cause["message"][len(prefix) :]
    return causes


def reject_while_terminating(rtype: ResourceType) -> None:
    crd = rtype.crd or {}
    if crd.get("metadata", {}).get("deletionTimestamp"):
        raise ApiError(
            405,
            "MethodNotAllowed",
            "create not allowed while custom resource definition is terminating",
        )
