"""The messages of the Events posted for helm operations read as what happened."""

from __future__ import annotations

import pytest

from osprey.actions import Action, Kind
from osprey.helm import ChartRef
from osprey.operations import done_message, failed_message
from osprey.plan import ReleasePlan


def release(name: str, version: str = "2025.1.3") -> ReleasePlan:
    return ReleasePlan(name=name, chart=ChartRef(name, version, "https://charts.example.com"),
                       values={}, requires_ready=(), requires_installed=(), stateful=False,
                       workloads=(), api_workload=None, autoscaling=None)


@pytest.mark.parametrize(("action", "message"), [
    (Action("mariadb", Kind.install, "not installed"),
     "mariadb: installed chart mariadb 2025.1.3"),
    (Action("nova", Kind.upgrade, "spec changed"),
     "nova: upgraded to chart nova 2025.1.3 (spec changed)"),
    (Action("keystone", Kind.upgrade, "release is failed"),
     "keystone: upgraded to chart keystone 2025.1.3 (release is failed)"),
    (Action("nova", Kind.rollback, "pending-upgrade left behind", revision=4),
     "nova: rolled back to revision 4 (pending-upgrade left behind)"),
    (Action("mariadb", Kind.reinstall, "pending-install left behind"),
     ("mariadb: installed chart mariadb 2025.1.3 again, keeping its objects "
      "(pending-install left behind)")),
], ids=lambda v: v.kind.value if isinstance(v, Action) else None)
def test_a_successful_operation_says_what_it_did(action: Action, message: str):
    assert done_message(action, release(action.release)) == message


def test_an_uninstall_says_why():
    assert done_message(Action("horizon", Kind.uninstall, "service disabled"), None) == (
        "horizon: uninstalled (service disabled)")


@pytest.mark.parametrize(("kind", "verb"), [
    (Kind.install, "install"), (Kind.reinstall, "install"), (Kind.upgrade, "upgrade"),
    (Kind.rollback, "rollback"), (Kind.uninstall, "uninstall"),
])
def test_a_failed_operation_names_the_helm_command_a_user_would(kind: Kind, verb: str):
    message = failed_message(Action("keystone", kind, "why"), "timed out waiting for the condition")
    assert message == f"keystone: helm {verb} failed: timed out waiting for the condition"
