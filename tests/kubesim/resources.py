"""The registry of resource types the simulator serves: built-in kinds plus CRD versions.

A resource type is addressed the way the REST API addresses it (group, version, plural); the
registry also answers kind and short-name look-ups for discovery.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ResourceType:
    """One servable resource: what discovery announces and what the store keys objects by."""

    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    subresources: frozenset[str] = frozenset()
    categories: tuple[str, ...] = ()
    # Generation is bumped on changes outside metadata and status (workloads, CRs).
    has_generation: bool = False
    # Set for custom resources: the version's openAPIV3Schema and CRD extras.
    crd: dict[str, Any] | None = field(default=None, compare=False, hash=False)
    schema: dict[str, Any] | None = field(default=None, compare=False, hash=False)
    storage_version: str = ""

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def singular(self) -> str:
        return self.kind.lower()

    @property
    def is_custom(self) -> bool:
        return self.crd is not None

    @property
    def store_key(self) -> tuple[str, str]:
        """Objects of all versions of one group/plural share storage."""
        return (self.group, self.plural)

    def verbs(self) -> list[str]:
        return ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]


_STATUS = frozenset({"status"})
_SCALE = frozenset({"status", "scale"})


def _t(
    gv: str,
    plural: str,
    kind: str,
    namespaced: bool = True,
    short: tuple[str, ...] = (),
    sub: frozenset[str] = frozenset(),
    gen: bool = False,
    categories: tuple[str, ...] = (),
) -> ResourceType:
    group, _, version = gv.rpartition("/")
    return ResourceType(
        group,
        version,
        plural,
        kind,
        namespaced,
        short,
        sub,
        categories,
        gen,
        storage_version=version,
    )


BUILTINS: tuple[ResourceType, ...] = (
    _t("v1", "namespaces", "Namespace", False, ("ns",), _STATUS),
    _t("v1", "pods", "Pod", True, ("po",), _STATUS, categories=("all",)),
    _t("v1", "services", "Service", True, ("svc",), _STATUS, categories=("all",)),
    _t("v1", "endpoints", "Endpoints", True, ("ep",)),
    _t("v1", "configmaps", "ConfigMap", True, ("cm",)),
    _t("v1", "secrets", "Secret", True),
    _t("v1", "serviceaccounts", "ServiceAccount", True, ("sa",)),
    _t("v1", "persistentvolumeclaims", "PersistentVolumeClaim", True, ("pvc",), _STATUS),
    _t("v1", "persistentvolumes", "PersistentVolume", False, ("pv",), _STATUS),
    _t("v1", "events", "Event", True, ("ev",)),
    _t("v1", "nodes", "Node", False, ("no",), _STATUS),
    _t("v1", "resourcequotas", "ResourceQuota", True, ("quota",), _STATUS),
    _t("v1", "limitranges", "LimitRange", True, ("limits",)),
    _t("apps/v1", "deployments", "Deployment", True, ("deploy",), _SCALE, True, ("all",)),
    _t("apps/v1", "statefulsets", "StatefulSet", True, ("sts",), _SCALE, True, ("all",)),
    _t("apps/v1", "daemonsets", "DaemonSet", True, ("ds",), _STATUS, True, ("all",)),
    _t("apps/v1", "replicasets", "ReplicaSet", True, ("rs",), _SCALE, True, ("all",)),
    _t("apps/v1", "controllerrevisions", "ControllerRevision", True),
    _t("batch/v1", "jobs", "Job", True, (), _STATUS, True, ("all",)),
    _t("batch/v1", "cronjobs", "CronJob", True, ("cj",), _STATUS, True, ("all",)),
    _t("policy/v1", "poddisruptionbudgets", "PodDisruptionBudget", True, ("pdb",), _STATUS, True),
    _t("rbac.authorization.k8s.io/v1", "roles", "Role"),
    _t("rbac.authorization.k8s.io/v1", "rolebindings", "RoleBinding"),
    _t("rbac.authorization.k8s.io/v1", "clusterroles", "ClusterRole", False),
    _t("rbac.authorization.k8s.io/v1", "clusterrolebindings", "ClusterRoleBinding", False),
    _t(
        "apiextensions.k8s.io/v1",
        "customresourcedefinitions",
        "CustomResourceDefinition",
        False,
        ("crd", "crds"),
        _STATUS,
        True,
    ),
    _t(
        "autoscaling/v2",
        "horizontalpodautoscalers",
        "HorizontalPodAutoscaler",
        True,
        ("hpa",),
        _STATUS,
        True,
        ("all",),
    ),
    _t("coordination.k8s.io/v1", "leases", "Lease"),
    _t("events.k8s.io/v1", "events", "Event", True, ("ev",)),
    _t("networking.k8s.io/v1", "ingresses", "Ingress", True, ("ing",), _STATUS, True),
    _t("networking.k8s.io/v1", "networkpolicies", "NetworkPolicy", True, ("netpol",), gen=True),
    _t("storage.k8s.io/v1", "storageclasses", "StorageClass", False, ("sc",)),
)


class Registry:
    """Thread-safe lookup of served resource types; CRDs add and remove entries at run time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._types: dict[tuple[str, str, str], ResourceType] = {
            (t.group, t.version, t.plural): t for t in BUILTINS
        }

    def get(self, group: str, version: str, plural: str) -> ResourceType | None:
        with self._lock:
            return self._types.get((group, version, plural))

    def all(self) -> list[ResourceType]:
        with self._lock:
            return list(self._types.values())

    def by_kind(self, api_version: str, kind: str) -> ResourceType | None:
        group, _, version = api_version.rpartition("/")
        with self._lock:
            for t in self._types.values():
                if t.group == group and t.version == version and t.kind == kind:
                    return t
        return None

    def versions_of(self, group: str, plural: str) -> list[ResourceType]:
        with self._lock:
            return [t for t in self._types.values() if (t.group, t.plural) == (group, plural)]

    def groups(self) -> dict[str, list[str]]:
        """Group -> served versions, preferred (storage) version first."""
        out: dict[str, list[str]] = {}
        with self._lock:
            for t in self._types.values():
                versions = out.setdefault(t.group, [])
                if t.version not in versions:
                    if t.version == t.storage_version:
                        versions.insert(0, t.version)
                    else:
                        versions.append(t.version)
        return out

    def replace_custom(self, group: str, plural: str, types: list[ResourceType]) -> None:
        """Swap the served versions of one CRD atomically (create, update or delete of it)."""
        with self._lock:
            for key in [
                k for k, t in self._types.items() if (t.group, t.plural) == (group, plural)
            ]:
                if self._types[key].is_custom:
                    del self._types[key]
            for t in types:
                self._types[(t.group, t.version, t.plural)] = t
