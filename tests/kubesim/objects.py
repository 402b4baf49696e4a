"""What the apiserver adds to or checks on an object before storing it: names, defaults.

Defaulting covers the fields clients and kstatus read back (replicas, strategy, service type
and cluster IP, Secret stringData, namespace phase); validation covers names and the few
required fields whose absence the simulator cannot otherwise represent.
"""

from __future__ import annotations

import base64
import itertools
import random
import re
from typing import Any

from . import defaults, leases, quantities, sizes
from .errors import ApiError, invalid
from .resources import ResourceType

_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_SUBDOMAIN_MSG = (
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
    "characters, '-' or '.', and must start and end with an alphanumeric "
    "character (e.g. 'example.com', regex used for validation is "
    "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
)
_LABEL_MSG = (
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters "
    "or '-', and must start and end with an alphanumeric character (e.g. 'my-name',"
    "  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
)
# Names of these kinds are DNS labels (they become hostnames or label values).
_LABEL_NAMED = {("", "namespaces"), ("", "services")}
_GENERATE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"
_cluster_ips = itertools.count(10)


def generate_name(prefix: str) -> str:
    return prefix + "".join(random.choice(_GENERATE_ALPHABET) for _ in range(5))


def check_name(rtype: ResourceType, name: str) -> None:
    label = (rtype.group, rtype.plural) in _LABEL_NAMED
    pattern, message, limit = (
        (_LABEL, _LABEL_MSG, 63) if label else (_SUBDOMAIN, _SUBDOMAIN_MSG, 253)
    )
    problem = None
    if len(name) > limit:
        problem = f"must be no more than {limit} characters"
    elif not pattern.match(name):
        problem = message
    if problem:
        raise invalid(
            rtype.kind,
            rtype.group,
            name,
            [
                {
                    "reason": "FieldValueInvalid",
                    "field": "metadata.name",
                    "message": f'Invalid value: "{name}": {problem}',
                }
            ],
        )


def _require(rtype: ResourceType, obj: dict[str, Any], path: str) -> None:
    node: Any = obj
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    if node in (None, {}, ""):
        raise invalid(
            rtype.kind,
            rtype.group,
            obj["metadata"]["name"],
            [{"reason": "FieldValueRequired", "field": path, "message": "Required value"}],
        )


def _go_map(labels: dict[str, Any]) -> str:
    """A label map as Go's %#v prints it in validation messages."""
    inner = ", ".join(f'"{k}":"{v}"' for k, v in sorted(labels.items()))
    return f"map[string]string{{{inner}}}"


def _selector_matches_template(rtype: ResourceType, obj: dict[str, Any]) -> None:
    from .scheduling import selector_matches

    spec = obj.get("spec") or {}
    selector = spec.get("selector")
    labels = ((spec.get("template") or {}).get("metadata") or {}).get("labels") or {}
    if isinstance(selector, dict) and not selector_matches(selector, labels):
        raise invalid(
            rtype.kind,
            rtype.group,
            obj["metadata"]["name"],
            [
                {
                    "reason": "FieldValueInvalid",
                    "field": "spec.template.metadata.labels",
                    "message": f"Invalid value: {_go_map(labels)}: "
                    "`selector` does not match template `labels`",
                }
            ],
        )


def _job_restart_policy(rtype: ResourceType, obj: dict[str, Any]) -> None:
    policy = (((obj.get("spec") or {}).get("template") or {}).get("spec") or {}).get(
        "restartPolicy"
    )
    if policy not in ("OnFailure", "Never"):
        raise invalid(
            rtype.kind,
            rtype.group,
            obj["metadata"]["name"],
            [
                {
                    "reason": "FieldValueNotSupported",
                    "field": "spec.template.spec.restartPolicy",
                    "message": f'Unsupported value: "{policy}": supported values: '
                    '"OnFailure", "Never"',
                }
            ],
        )


def validate_builtin(rtype: ResourceType, obj: dict[str, Any]) -> None:
    key = (rtype.group, rtype.plural)
    if key in {
        ("apps", "deployments"),
        ("apps", "statefulsets"),
        ("apps", "daemonsets"),
        ("apps", "replicasets"),
    }:
        _require(rtype, obj, "spec.selector")
        _require(rtype, obj, "spec.template")
        _selector_matches_template(rtype, obj)
    elif key == ("batch", "jobs"):
        _require(rtype, obj, "spec.template")
        _job_restart_policy(rtype, obj)
        _selector_matches_template(rtype, obj)
    elif key == ("coordination.k8s.io", "leases"):
        leases.validate_lease(obj)
    elif key in {("", "configmaps"), ("", "secrets")}:
        for field in ("data", "binaryData"):
            value = obj.get(field)
            if value is not None and not isinstance(value, dict):
                raise ApiError(400, "BadRequest", f"{field} must be a map of strings")
        sizes.check_data_size(rtype, obj)


def apply_defaults(rtype: ResourceType, obj: dict[str, Any], *, creating: bool = False) -> None:
    """Server-side defaults of the simulated kinds; mutates `obj`. Workloads and Pods:
    defaults.py."""
    key = (rtype.group, rtype.plural)
    if key in defaults.WORKLOADS:
        defaults.default_workload(key, obj, creating=creating)
        quantities.canonical_workload(key, obj, rtype.kind)
        return
    spec = obj.setdefault("spec", {}) if key in _HAS_SPEC else obj.get("spec")
    if key == ("", "services"):
        spec.setdefault("type", "ClusterIP")
        spec.setdefault("sessionAffinity", "None")
        if spec["type"] != "ExternalName" and not spec.get("clusterIP"):
            n = next(_cluster_ips)
            spec["clusterIP"] = f"10.96.{n // 250}.{n % 250 + 1}"
        if spec.get("clusterIP") and "clusterIPs" not in spec:
            spec["clusterIPs"] = [spec["clusterIP"]]
        for port in spec.get("ports") or []:
            port.setdefault("protocol", "TCP")
            port.setdefault("targetPort", port.get("port"))
    elif key == ("", "secrets"):
        obj.setdefault("type", "Opaque")
    elif key == ("", "namespaces"):
        spec.setdefault("finalizers", ["kubernetes"])
        obj.setdefault("status", {"phase": "Active"})
        labels = obj["metadata"].setdefault("labels", {})
        labels["kubernetes.io/metadata.name"] = obj["metadata"]["name"]
    elif key == ("", "persistentvolumeclaims"):
        spec.setdefault("volumeMode", "Filesystem")
        quantities.canonical_claim_spec(spec, rtype.kind)
        obj.setdefault("status", {"phase": "Pending"})


_HAS_SPEC = {
    ("", "services"),
    ("", "namespaces"),
    ("", "persistentvolumeclaims"),
}


# Maps of strings: Go decodes `{"k": null}` in them to the empty string, not to a missing key.
_STRING_MAPS = {"labels", "annotations", "nodeSelector", "matchLabels"}


def drop_nulls(value: Any, string_map: bool = False) -> Any:
    """What decoding into Go structs does to null-valued fields: they are simply absent
    (OpenStack-Helm renders `annotations: null`); values of string maps become ""."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if item is None:
                if string_map:
                    out[key] = ""
                continue
            out[key] = drop_nulls(item, key in _STRING_MAPS)
        return out
    if isinstance(value, list):
        return [drop_nulls(item) for item in value]
    return value


def prune_nulls(rtype: ResourceType, obj: dict[str, Any]) -> dict[str, Any]:
    """Built-in kinds lose every null; custom resources only in metadata (their schema
    decides the rest, in schema.admit)."""
    if rtype.is_custom:
        obj["metadata"] = drop_nulls(obj.get("metadata") or {})
        return obj
    pruned = drop_nulls(obj)
    if rtype.plural == "configmaps" and rtype.group == "":
        for field in ("data", "binaryData"):
            if isinstance(obj.get(field), dict):
                pruned[field] = {k: "" if v is None else v for k, v in obj[field].items()}
    return pruned


def normalize_secret(obj: dict[str, Any]) -> None:
    """stringData is write-only: merged into data (base64) and never stored."""
    string_data = obj.pop("stringData", None)
    if string_data:
        data = obj.setdefault("data", {}) or {}
        for k, v in string_data.items():
            data[k] = base64.b64encode(str(v).encode()).decode()
        obj["data"] = data
