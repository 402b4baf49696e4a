"""Kopf's view of a control plane's events, with Osprey's diff-base storage."""

from __future__ import annotations

import logging
from typing import Any

import kopf
from kopf._cogs.structs import diffs, ephemera, patches, references
from kopf._core.intents import causes

from osprey.handlers import FINALIZER, NoDiffBase

RESOURCE = references.Resource(group="osprey.dev", version="v1alpha1",
                               plural="openstackcontrolplanes")


def _body(status: dict[str, Any], *, deleting: bool = False) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": "cp", "namespace": "ns", "generation": 3,
                            "finalizers": [FINALIZER]}
    if deleting:
        meta["deletionTimestamp"] = "2026-12-01T00:00:00Z"
    return {"apiVersion": "osprey.dev/v1alpha1", "kind": "OpenStackControlPlane",
            "metadata": meta, "spec": {"openstackRelease": "2025.1"}, "status": status}


def _reason(raw: dict[str, Any], *, initial: bool = False) -> causes.Reason:
    """The cause Kopf's processing detects for an event (kopf/_core/reactor/processing.py)."""
    storage = NoDiffBase()
    body = kopf.Body(raw)
    old = storage.fetch(body=body)
    new = storage.build(body=body, extra_fields=[])
    cause = causes.detect_changing_cause(
        finalizer=FINALIZER, raw_event={"type": "MODIFIED", "object": raw}, body=body,
        old=old, new=new, diff=diffs.diff(old, new), initial=initial, resource=RESOURCE,
        logger=logging.getLogger("test"), patch=patches.Patch(), memo=ephemera.Memo(),
        indices={})
    return cause.reason


def test_a_status_write_is_nothing_changed_to_kopf() -> None:
    # Each status write comes back as an event: no creation to handle, no diff-base built.
    assert _reason(_body({"conditions": [{"type": "Ready", "status": "False"}]})) \
        == causes.Reason.NOOP


def test_a_resource_first_listed_is_resumed() -> None:
    assert _reason(_body({}), initial=True) == causes.Reason.RESUME


def test_a_deletion_is_still_a_deletion() -> None:
    assert _reason(_body({}, deleting=True)) == causes.Reason.DELETE


def test_the_essence_is_no_copy_of_the_resource() -> None:
    raw = _body({"services": {f"s{i}": {"ready": True} for i in range(50)}})
    assert NoDiffBase().build(body=kopf.Body(raw)) == {}
