"""PersistentVolumeClaims: the StatefulSet controller's claims `<template>-<sts>-<ordinal>`,
and a binder that binds every claim at once with the capacity it requests."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from .pods import owner_reference

if TYPE_CHECKING:
    from .controllers import Controllers

CLAIMS = ("", "persistentvolumeclaims")


def claim_name(template: dict[str, Any], sts: dict[str, Any], ordinal: int) -> str:
    return f"{template['metadata']['name']}-{sts['metadata']['name']}-{ordinal}"


def ensure_claims(ctx: Controllers, sts: dict[str, Any], ordinal: int) -> None:
    """The claims of one ordinal, created before its pod (owned by the StatefulSet only with
    whenDeleted=Delete, so they survive it otherwise)."""
    spec, meta = sts.get("spec") or {}, sts["metadata"]
    policy = (spec.get("persistentVolumeClaimRetentionPolicy") or {}).get("whenDeleted", "Retain")
    selector_labels = (spec.get("selector") or {}).get("matchLabels") or {}
    for template in spec.get("volumeClaimTemplates") or []:
        name = claim_name(template, sts, ordinal)
        if ctx.api.store.peek(CLAIMS, meta["namespace"], name) is not None:
            continue
        labels = {**(template["metadata"].get("labels") or {}), **selector_labels}
        claim: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"name": name, "namespace": meta["namespace"], "labels": labels},
            "spec": copy.deepcopy(template.get("spec") or {}),
        }
        if policy == "Delete":
            claim["metadata"]["ownerReferences"] = [owner_reference(sts)]
        ctx.create(CLAIMS, meta["namespace"], claim)


class ClaimBinder:
    def __init__(self, ctx: Controllers) -> None:
        self.ctx = ctx

    def reconcile(self, ns: str, name: str) -> None:
        obj = self.ctx.api.store.peek(CLAIMS, ns, name)
        if obj is None or obj["metadata"].get("deletionTimestamp"):
            return
        if (obj.get("status") or {}).get("phase") == "Bound":
            return
        meta, spec = obj["metadata"], obj.get("spec") or {}
        if not spec.get("volumeName"):
            new = copy.deepcopy(obj)
            new["spec"]["volumeName"] = f"pvc-{meta['uid']}"
            obj = self.ctx.update(CLAIMS, new)
        storage = ((spec.get("resources") or {}).get("requests") or {}).get("storage")
        status = {"phase": "Bound", "accessModes": spec.get("accessModes") or ["ReadWriteOnce"]}
        if storage:
            status["capacity"] = {"storage": storage}
        self.ctx.write_status(CLAIMS, obj, status)
