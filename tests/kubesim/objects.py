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
    elif key == ("batch", "jobs"):
        _require(rtype, obj, "spec.template")
    elif key in {("", "configmaps"), ("", "secrets")}:
        for field in ("data", "binaryData"):
            value = obj.get(field)
            if value is not None and not isinstance(value, dict):
                raise ApiError(400, "BadRequest", f"{field} must be a map of strings")


def apply_defaults(rtype: ResourceType, obj: dict[str, Any]) -> None:
    """Server-side defaults the simulated kinds need; mutates `obj`."""
    key = (rtype.group, rtype.plural)
    spec = obj.setdefault("spec", {}) if key in _HAS_SPEC else obj.get("spec")
    if key in {("apps", "deployments"), ("apps", "statefulsets"), ("apps", "replicasets")}:
        spec.setdefault("replicas", 1)
        spec.setdefault("revisionHistoryLimit", 10)
    if key == ("apps", "deployments"):
        _rolling(spec, "strategy", {"maxUnavailable": "25%", "maxSurge": "25%"})
        spec.setdefault("progressDeadlineSeconds", 600)
    elif key == ("apps", "statefulsets"):
        spec.setdefault("podManagementPolicy", "OrderedReady")
        _rolling(spec, "updateStrategy", {"partition": 0})
        policy = spec.setdefault("persistentVolumeClaimRetentionPolicy", {})
        policy.setdefault("whenDeleted", "Retain")
        policy.setdefault("whenScaled", "Retain")
    elif key == ("apps", "daemonsets"):
        _rolling(spec, "updateStrategy", {"maxUnavailable": 1, "maxSurge": 0})
        spec.setdefault("revisionHistoryLimit", 10)
    elif key == ("batch", "jobs"):
        spec.setdefault("parallelism", 1)
        spec.setdefault("completions", 1)
        spec.setdefault("backoffLimit", 6)
        spec.setdefault("completionMode", "NonIndexed")
        spec.setdefault("suspend", False)
    elif key == ("", "services"):
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
        obj.setdefault("status", {"phase": "Pending"})
    elif key == ("", "pods"):
        obj.setdefault("status", {"phase": "Pending"})


def _rolling(spec: dict[str, Any], field: str, defaults: dict[str, Any]) -> None:
    """Fill a rollout strategy field by field, as Go defaulting does after apply removals."""
    strategy = spec.setdefault(field, {})
    strategy.setdefault("type", "RollingUpdate")
    if strategy["type"] == "RollingUpdate":
        rolling = strategy.setdefault("rollingUpdate", {})
        for key, value in defaults.items():
            rolling.setdefault(key, value)


_HAS_SPEC = {
    ("apps", "deployments"),
    ("apps", "statefulsets"),
    ("apps", "replicasets"),
    ("apps", "daemonsets"),
    ("batch", "jobs"),
    ("", "services"),
    ("", "namespaces"),
    ("", "persistentvolumeclaims"),
}


def normalize_secret(obj: dict[str, Any]) -> None:
    """stringData is write-only: merged into data (base64) and never stored."""
    string_data = obj.pop("stringData", None)
    if string_data:
        data = obj.setdefault("data", {}) or {}
        for k, v in string_data.items():
            data[k] = base64.b64encode(str(v).encode()).decode()
        obj["data"] = data
