"""The Argo CD health check of OpenStackControlPlane (deploy/argocd/health.lua), run in Lua 5.1
as Argo CD's gopher-lua runs it, against sample resources."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from lupa import lua51

ARGOCD = Path(__file__).resolve().parents[2] / "deploy" / "argocd"
HEALTH_LUA = ARGOCD / "health.lua"
ARGOCD_CM = ARGOCD / "argocd-cm.yaml"
HEALTH_KEY = "resource.customizations.health.osprey.dev_OpenStackControlPlane"
UPDATE = os.environ.get("UPDATE_SNAPSHOTS") == "1"

ARGOCD_CM_HEADER = """\
# The Argo CD health check of OpenStackControlPlane, as an argocd-cm patch:
#   kubectl -n argocd patch configmap argocd-cm --patch-file deploy/argocd/argocd-cm.yaml
# Generated from health.lua by `UPDATE_SNAPSHOTS=1 pytest tests/unit/test_argocd_health.py`.
"""


class _LiteralDumper(yaml.SafeDumper):
    """Writes multi-line strings as `|` blocks, so the script stays readable in argocd-cm."""


_LiteralDumper.add_representer(
    str,
    lambda dumper, text: dumper.represent_scalar(
        "tag:yaml.org,2002:str", text, style="|" if "\n" in text else None
    ),
)


def health(resource: dict[str, Any]) -> tuple[str, str]:
    """(status, message) of Argo CD's health for one resource."""
    lua = lua51.LuaRuntime(unpack_returned_tuples=True)
    lua.globals().obj = lua.table_from(resource, recursive=True)
    hs = lua.execute(HEALTH_LUA.read_text())
    return hs["status"], hs["message"]


def control_plane(
    generation: int = 2, observed: int | None = 2, conditions: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "apiVersion": "osprey.dev/v1alpha1",
        "kind": "OpenStackControlPlane",
        "metadata": {"name": "main", "namespace": "openstack", "generation": generation},
        "spec": {},
    }
    if conditions is not None:
        resource["status"] = {"observedGeneration": observed, "conditions": conditions}
    for key, value in extra.items():
        section, field = key.split("__")
        resource[section][field] = value
    return resource


def cond(type_: str, status: str, reason: str, message: str = "", **extra: Any) -> dict[str, Any]:
    return {"type": type_, "status": status, "reason": reason, "message": message,
            "lastTransitionTime": "2026-01-01T00:00:00Z", **extra}


def test_ready_and_current_is_healthy() -> None:
    status, message = health(control_plane(conditions=[
        cond("Ready", "True", "Ready", "9/9 services ready", observedGeneration=2),
    ]))
    assert status == "Healthy"
    assert message == "Ready: 9/9 services ready"


def test_no_status_yet_is_progressing() -> None:
    assert health(control_plane()) == (
        "Progressing", "Waiting for the operator to report status"
    )


def test_status_of_an_older_generation_is_progressing() -> None:
    status, message = health(control_plane(generation=3, observed=2, conditions=[
        cond("Ready", "True", "Ready"),
    ]))
    assert status == "Progressing"
    assert message == (
        "Waiting for the operator to observe generation 3 (status is of generation 2)"
    )


def test_ready_condition_of_an_older_generation_is_progressing() -> None:
    status, _ = health(control_plane(generation=3, observed=3, conditions=[
        cond("Ready", "True", "Ready", observedGeneration=2),
    ]))
    assert status == "Progressing"


def test_not_ready_while_installing_is_progressing_with_the_reason() -> None:
    status, message = health(control_plane(conditions=[
        cond("Ready", "False", "Installing", "waiting for keystone"),
    ]))
    assert (status, message) == ("Progressing", "Installing: waiting for keystone")


def test_a_failed_pass_is_retried_so_it_is_progressing() -> None:
    status, message = health(control_plane(conditions=[
        cond("Ready", "False", "ReconcileError", "GET /api/v1/...: 500 InternalError: x"),
    ]))
    assert status == "Progressing"
    assert message == "ReconcileError: GET /api/v1/...: 500 InternalError: x"


def test_ready_unknown_is_progressing() -> None:
    status, _ = health(control_plane(conditions=[cond("Ready", "Unknown", "Reconciling")]))
    assert status == "Progressing"


@pytest.mark.parametrize("reason", ["InvalidSpec", "Failed", "InstallFailed", "UpgradeFailed",
                                    "NamespaceTaken", "CredentialsLost"])
def test_not_ready_for_a_failure_reason_is_degraded(reason: str) -> None:
    status, message = health(control_plane(conditions=[
        cond("Ready", "False", reason, "spec.services.nova: needs keystone"),
    ]))
    assert (status, message) == ("Degraded", f"{reason}: spec.services.nova: needs keystone")


def test_degraded_condition_true_is_degraded_even_when_ready() -> None:
    status, message = health(control_plane(conditions=[
        cond("Ready", "True", "Ready"),
        cond("Degraded", "True", "ReleaseUnhealthy", "rabbitmq: 0/1 pods ready"),
    ]))
    assert (status, message) == ("Degraded", "ReleaseUnhealthy: rabbitmq: 0/1 pods ready")


def test_degraded_condition_false_does_not_degrade() -> None:
    status, _ = health(control_plane(conditions=[
        cond("Ready", "True", "Ready"), cond("Degraded", "False", "AsExpected"),
    ]))
    assert status == "Healthy"


def test_deleting_is_progressing_even_when_ready() -> None:
    status, message = health(control_plane(
        conditions=[cond("Ready", "True", "Ready")],
        metadata__deletionTimestamp="2026-01-01T00:00:00Z",
    ))
    assert status == "Progressing"
    assert message.startswith("Deleting")


def test_paused_is_suspended() -> None:
    status, _ = health(control_plane(
        conditions=[cond("Ready", "False", "Installing")], spec__paused=True,
    ))
    assert status == "Suspended"


def test_status_without_a_ready_condition_is_progressing() -> None:
    status, message = health(control_plane(conditions=[cond("Progressing", "True", "Installing")]))
    assert (status, message) == ("Progressing", "Waiting for the Ready condition")


def test_argocd_cm_snippet_carries_the_health_check_verbatim() -> None:
    script = HEALTH_LUA.read_text()
    if UPDATE:
        snippet = {
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "argocd-cm", "namespace": "argocd"},
            "data": {HEALTH_KEY: script},
        }
        ARGOCD_CM.write_text(ARGOCD_CM_HEADER + yaml.dump(snippet, Dumper=_LiteralDumper,
                                                          sort_keys=False))
    config_map = yaml.safe_load(ARGOCD_CM.read_text())
    assert config_map["metadata"]["name"] == "argocd-cm"
    assert config_map["data"][HEALTH_KEY] == script, (
        "argocd-cm.yaml is stale: rerun with UPDATE_SNAPSHOTS=1"
    )
