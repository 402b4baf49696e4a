"""Pods as the workload controllers make them from their templates: names, labels, owner
references and the template hashes that tell one revision from the next."""

from __future__ import annotations

import copy
import hashlib
import json
from typing import Any

# k8s.io/apimachinery/pkg/util/rand: the alphabet of generated names and template hashes.
SAFE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def template_hash(template: Any, collision_count: int = 0) -> str:
    """A pod-template-hash shaped like the Deployment controller's (a 32-bit hash, its
    decimal digits mapped onto the safe alphabet)."""
    data = json.dumps([template, collision_count], sort_keys=True, separators=(",", ":"))
    number = int.from_bytes(hashlib.sha256(data.encode()).digest()[:4], "big")
    return "".join(SAFE_ALPHABET[ord(c) % len(SAFE_ALPHABET)] for c in str(number))


def revision_name(owner: dict[str, Any]) -> str:
    """`<name>-<hash>`: the controller-revision-hash of StatefulSets and DaemonSets."""
    template = (owner.get("spec") or {}).get("template")
    data = json.dumps(template, sort_keys=True, separators=(",", ":"))
    return f"{owner['metadata']['name']}-{hashlib.sha256(data.encode()).hexdigest()[:10]}"


def owner_reference(owner: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def from_template(
    owner: dict[str, Any],
    template: dict[str, Any],
    *,
    name: str | None = None,
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
) -> dict[str, Any]:
    """A Pod of `owner` from a pod template; `name` or else `<owner>-` and 5 random chars."""
    template = copy.deepcopy(template or {})
    meta = template.get("metadata") or {}
    pod_meta: dict[str, Any] = {
        "namespace": owner["metadata"]["namespace"],
        "labels": {**(meta.get("labels") or {}), **(labels or {})},
        "ownerReferences": [owner_reference(owner)],
    }
    if name:
        pod_meta["name"] = name
    else:
        pod_meta["generateName"] = f"{owner['metadata']['name']}-"
    merged_annotations = {**(meta.get("annotations") or {}), **(annotations or {})}
    if merged_annotations:
        pod_meta["annotations"] = merged_annotations
    if meta.get("finalizers"):
        pod_meta["finalizers"] = list(meta["finalizers"])
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": pod_meta,
        "spec": template.get("spec") or {},
    }
