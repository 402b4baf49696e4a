"""The helm adapter: ownership labels on every install or upgrade, values never on argv, and
an outer deadline that kills a hung helm with everything it started."""

from __future__ import annotations

import asyncio
import json
import stat
import textwrap
import time

import pytest

from osprey.helm import ChartRef, HelmBinary, HelmError, deadline_for, parse_duration


def fake_helm(tmp_path, body: str):
    """An executable standing in for helm: records its argv and stdin, then runs `body`."""
    script = tmp_path / "helm"
    script.write_text(textwrap.dedent(f"""\
        #!/bin/sh
        printf '%s\\n' "$@" > {tmp_path}/argv
        cat > {tmp_path}/stdin
        {body}
        """))
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


def gone(pid: int) -> bool:
    """The process ended (a zombie not yet reaped counts as ended), waiting for the signal to
    be delivered at most a few seconds."""
    for _ in range(100):
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().split(")")[-1].split()[0] == "Z":
                    return True
        except FileNotFoundError:
            return True
        time.sleep(0.05)
    return False


def test_helm_durations_are_read_as_go_writes_them():
    assert parse_duration("20m") == 1200
    assert parse_duration("1h30m") == 5400
    assert parse_duration("90s") == 90
    assert parse_duration("1m30.5s") == 90.5
    assert parse_duration("500ms") == 0.5
    with pytest.raises(ValueError, match="20 minutes"):
        parse_duration("20 minutes")


def test_the_outer_deadline_leaves_helm_room_for_its_own_timeout():
    assert deadline_for("20m") > parse_duration("20m")
    assert deadline_for("20m", override=30.0) == 30.0


def test_an_upgrade_carries_the_ownership_labels_and_the_values_only_on_stdin(tmp_path):
    helm = HelmBinary(executable=fake_helm(tmp_path, "echo '{}'"), timeout="7m")
    chart = ChartRef("keystone", "2025.1.0", "https://charts.example")
    asyncio.run(helm.install_or_upgrade(
        "openstack", "keystone", chart, {"password": "s3cret"},
        labels={"osprey.dev/control-plane": "cloud"}))

    argv = (tmp_path / "argv").read_text().split("\n")
    assert argv[:3] == ["upgrade", "keystone", "keystone"]
    assert "--install" in argv
    assert argv[argv.index("--labels") + 1] == "osprey.dev/control-plane=cloud"
    assert argv[argv.index("--namespace") + 1] == "openstack"
    assert argv[argv.index("--timeout") + 1] == "7m"
    assert argv[argv.index("--values") + 1] == "-"
    assert not any("s3cret" in arg for arg in argv)
    assert json.loads((tmp_path / "stdin").read_text()) == {"password": "s3cret"}


def test_helm_s_own_error_is_reported_in_one_line(tmp_path):
    helm = HelmBinary(executable=fake_helm(
        tmp_path, "echo 'Error: UPGRADE FAILED: another operation is in progress' >&2; exit 1"))
    with pytest.raises(HelmError) as failed:
        asyncio.run(helm.rollback("openstack", "nova", 3))
    assert failed.value.message == "UPGRADE FAILED: another operation is in progress"


def test_a_hung_helm_is_killed_with_its_children_at_the_deadline(tmp_path):
    # helm that never ends, and has started a child of its own.
    helm = HelmBinary(executable=fake_helm(
        tmp_path, f"sleep 300 & echo $! > {tmp_path}/child; echo $$ > {tmp_path}/pid; wait"),
        timeout="1s", deadline=0.5)
    with pytest.raises(HelmError) as failed:
        asyncio.run(helm.uninstall("openstack", "nova"))

    assert "did not finish within 0.5s" in failed.value.message
    assert "killed" in failed.value.message
    assert gone(int((tmp_path / "pid").read_text()))
    assert gone(int((tmp_path / "child").read_text()))


def test_helm_of_an_operator_shutting_down_is_ended_with_its_children(tmp_path):
    helm = HelmBinary(executable=fake_helm(
        tmp_path, f"sleep 300 & echo $! > {tmp_path}/child; echo $$ > {tmp_path}/pid; wait"))

    async def cancel_midway():
        task = asyncio.create_task(helm.uninstall("openstack", "nova"))
        pid = tmp_path / "pid"
        while not (pid.exists() and pid.read_text().strip()):
            await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(cancel_midway())
    assert gone(int((tmp_path / "pid").read_text()))
    assert gone(int((tmp_path / "child").read_text()))
