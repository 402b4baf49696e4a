"""How lists merge: keyed (map), set, or atomic, per field, for built-ins and CRD schemas.

Strategic merge patch and server-side apply both need this. Built-in kinds carry it in their
Go struct tags (`patchMergeKey`, `listType=map`); this table holds the ones of the kinds the
operator and OpenStack-Helm use. CRDs carry it in `x-kubernetes-list-type` /
`x-kubernetes-list-map-keys` of their schema.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ListRule:
    kind: str  # "map" | "set" | "atomic"
    keys: tuple[str, ...] = ()
    defaults: tuple[tuple[str, Any], ...] = ()  # key defaults the apiserver would fill in

    def key_of(self, item: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
        fill = dict(self.defaults)
        return tuple((k, item.get(k, fill.get(k))) for k in self.keys)


ATOMIC = ListRule("atomic")
SET = ListRule("set")
_BY_NAME = ListRule("map", ("name",))

_BUILTIN: dict[str, ListRule] = {
    "containers": _BY_NAME,
    "initContainers": _BY_NAME,
    "ephemeralContainers": _BY_NAME,
    "env": _BY_NAME,
    "volumes": _BY_NAME,
    "imagePullSecrets": _BY_NAME,
    "resourceClaims": _BY_NAME,
    "volumeMounts": ListRule("map", ("mountPath",)),
    "volumeDevices": ListRule("map", ("devicePath",)),
    "ownerReferences": ListRule("map", ("uid",)),
    "conditions": ListRule("map", ("type",)),
    "hostAliases": ListRule("map", ("ip",)),
    "topologySpreadConstraints": ListRule("map", ("topologyKey", "whenUnsatisfiable")),
    "finalizers": SET,
}
_CONTAINER_PORTS = ListRule("map", ("containerPort", "protocol"), (("protocol", "TCP"),))
_SERVICE_PORTS = ListRule("map", ("port", "protocol"), (("protocol", "TCP"),))

Resolver = Callable[[tuple[str, ...], list[Any]], ListRule]


def builtin_rule(names: tuple[str, ...], items: list[Any]) -> ListRule:
    """Rule of the list at field path `names` (field names only, list positions skipped)."""
    field = names[-1] if names else ""
    if field == "ports":
        sample = next((i for i in items if isinstance(i, dict)), {})
        return _CONTAINER_PORTS if "containerPort" in sample else _SERVICE_PORTS
    return _BUILTIN.get(field, ATOMIC)


def smp_merge_key(names: tuple[str, ...], items: list[Any]) -> str | None:
    """Strategic merge patch uses one patchMergeKey; the first listMapKey is that key."""
    rule = builtin_rule(names, items)
    return rule.keys[0] if rule.kind == "map" else None


def schema_resolver(schema: dict[str, Any] | None) -> Resolver:
    """List rules of a custom resource from its openAPIV3Schema; metadata uses built-in rules."""

    def resolve(names: tuple[str, ...], items: list[Any]) -> ListRule:
        if names and names[0] == "metadata":
            return builtin_rule(names, items)
        node = schema or {}
        for position, name in enumerate(names):
            props = node.get("properties") or {}
            if name in props:
                node = props[name]
            elif isinstance(node.get("additionalProperties"), dict):
                node = node["additionalProperties"]
            else:
                return ATOMIC
            if node.get("type") == "array" and position < len(names) - 1:
                node = node.get("items") or {}
        list_type = node.get("x-kubernetes-list-type")
        if list_type == "map":
            return ListRule("map", tuple(node.get("x-kubernetes-list-map-keys") or ()))
        if list_type == "set":
            return SET
        return ATOMIC

    return resolve
