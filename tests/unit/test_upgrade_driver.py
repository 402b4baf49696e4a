"""Which OpenStack release a control plane runs, as the upgrade driver reads it."""

from __future__ import annotations

from osprey.api import validate_spec
from osprey.api.conditions import set_condition
from osprey.api.status import ControlPlaneStatus, Phase, UpgradePhase, UpgradeStatus
from osprey.releases import DeployedRelease
from osprey.upgrade.driver import _report, deployed_release, running_target
from osprey.upgrade.progress import Condition, Progress

NOW = "2026-01-01T00:00:00Z"


def release(name, version):
    return DeployedRelease(name, "openstack", 1, "deployed", name, version, {})


def test_the_release_status_recorded_is_the_one_deployed():
    status = ControlPlaneStatus(deployedRelease="2025.2")
    assert deployed_release(validate_spec({}), status, {}) == "2025.2"


def test_a_running_upgrade_is_still_on_its_source_release():
    upgrade = UpgradeStatus(source="2025.1", to="2025.2", phase=UpgradePhase.Running,
                            startedAt=NOW)
    status = ControlPlaneStatus(deployedRelease="2025.1", upgrade=upgrade)
    assert deployed_release(validate_spec({}), status, {}) == "2025.1"


def test_a_control_plane_from_before_deployed_release_is_read_from_its_chart_lines():
    deployed = {"keystone": release("keystone", "2025.1.3+abc"),
                "nova": release("nova", "2025.1.0+abc")}
    assert deployed_release(validate_spec({}), ControlPlaneStatus(), deployed) == "2025.1"


def test_nothing_deployed_is_no_release_and_no_upgrade():
    assert deployed_release(validate_spec({}), ControlPlaneStatus(), {}) is None


def test_pinned_chart_versions_say_nothing_of_the_openstack_release():
    deployed = {"keystone": release("keystone", "2025.1.3+abc")}
    spec = validate_spec({"charts": {"version": "2025.1.3"}})
    assert deployed_release(spec, ControlPlaneStatus(), deployed) is None


def test_an_upgrade_under_way_finishes_before_the_next_release_the_spec_moved_on_to():
    upgrade = UpgradeStatus(source="2025.1", to="2025.2", phase=UpgradePhase.Running,
                            startedAt=NOW)
    status = ControlPlaneStatus(deployedRelease="2025.1", upgrade=upgrade)
    assert running_target(status, "2025.1", "2026.1") == "2025.2"


def test_a_skip_with_no_upgrade_under_way_is_left_to_the_refusal():
    status = ControlPlaneStatus(deployedRelease="2025.1")
    assert running_target(status, "2025.1", "2026.1") == "2026.1"


def test_ready_is_false_while_an_upgrade_runs_even_where_every_release_is_ready():
    ready = set_condition([], "Ready", "True", "AllServicesReady", "10/10", 2, NOW)
    status = ControlPlaneStatus(observedGeneration=2, phase=Phase.Ready, conditions=ready)
    record = UpgradeStatus(source="2025.1", to="2025.2", phase=UpgradePhase.Preflight,
                           startedAt=NOW)
    progress = Progress(record, -1, Condition(True, "BackingUp", "MariaDB backup runs"))
    reported = _report(status, ControlPlaneStatus(), progress, NOW)
    conditions = {c.type: c for c in reported.conditions}
    assert (conditions["Ready"].status.value, conditions["Ready"].reason) == ("False", "Upgrading")
    assert conditions["Upgrading"].status.value == "True"
    assert reported.phase is Phase.Progressing
    assert reported.deployedRelease == "2025.1"
