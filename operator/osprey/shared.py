"""Objects the control planes of a cluster share (mariadb's CRDs): applied by Osprey, not Helm.

Helm lets one release own an object, and a release belongs to one namespace, so a CRD that
every control plane's mariadb renders would belong to the first control plane and stop the
second. The releases leave them out (osprey.clusterscope); before a release that renders them
is installed or upgraded, they are rendered alone and server-side applied, labelled as the
cluster's. No control plane owns them and none deletes them: the custom resources of every
other control plane live in them.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

from osprey.kube import Kube

SHARED_LABEL = "osprey.dev/shared"
SHARED_VALUE = "cluster"
MANAGER = "osprey-shared"


def shared_manifest(obj: Mapping[str, Any]) -> dict[str, Any]:
    """The object as Osprey applies it: the chart's, labelled as the cluster's."""
    result = copy.deepcopy(dict(obj))
    meta = result.setdefault("metadata", {})
    meta["labels"] = {**(meta.get("labels") or {}), SHARED_LABEL: SHARED_VALUE}
    meta.pop("namespace", None)
    return result


async def apply_shared(kube: Kube, objects: Iterable[Mapping[str, Any]]) -> list[str]:
    """Server-side apply each shared object; returns `Kind/name` of each."""
    applied = []
    for obj in objects:
        await kube.apply(shared_manifest(obj), "", manager=MANAGER)
        applied.append(f"{obj['kind']}/{obj['metadata']['name']}")
    return applied
