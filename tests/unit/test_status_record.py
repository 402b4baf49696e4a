"""The previous status a pass steps from: our own last write until the view of the resource
shows it, however late and in whatever order the view shows the versions in between."""

import asyncio
from typing import Any

from osprey.api.status import ControlPlaneStatus
from osprey.status_record import StatusRecord


class StatusApi:
    """Answers each status patch with the next resourceVersion."""

    def __init__(self) -> None:
        self.version = 10
        self.patches: list[dict[str, Any]] = []

    async def merge_patch(self, res: Any, namespace: str, name: str, patch: dict[str, Any],
                          *, status: bool = False) -> dict[str, Any]:
        self.patches.append(patch)
        self.version += 1
        return {"metadata": {"resourceVersion": str(self.version)}, "status": patch["status"]}


def body(version: int, **status: Any) -> dict[str, Any]:
    return {"metadata": {"resourceVersion": str(version)}, "status": status}


def phase(value: str) -> ControlPlaneStatus:
    return ControlPlaneStatus(phase=value)


def written(record: StatusRecord, over: dict[str, Any], status: ControlPlaneStatus) -> None:
    asyncio.run(record.write(over, record.previous(over), status))


def test_two_writes_over_one_view_then_the_first_ones_event_the_second_stays_previous():
    api = StatusApi()
    record = StatusRecord(api, "ns", "openstack")  # type: ignore[arg-type]
    view = body(10)
    written(record, view, phase("Progressing"))  # -> 11
    written(record, view, phase("Failed"))  # the view has not moved: -> 12
    # The view now shows 11, our first write: older than what we wrote last.
    assert record.previous(body(11, phase="Progressing")).phase == "Failed"
    assert record.previous(body(12, phase="Failed")).phase == "Failed"


def test_once_the_view_shows_our_write_later_versions_are_taken_as_they_are():
    api = StatusApi()
    record = StatusRecord(api, "ns", "openstack")  # type: ignore[arg-type]
    written(record, body(10), phase("Ready"))  # -> 11
    assert record.previous(body(11, phase="Ready")).phase == "Ready"
    # Somebody else's status write after ours (a restored backup, a person).
    assert record.previous(body(13, phase="Progressing")).phase == "Progressing"


def test_a_view_that_skipped_our_version_but_shows_our_status_has_caught_up():
    api = StatusApi()
    record = StatusRecord(api, "ns", "openstack")  # type: ignore[arg-type]
    written(record, body(10), phase("Ready"))  # -> 11; 12 changed only the spec
    assert record.previous(body(12, phase="Ready")).phase == "Ready"
    assert record.previous(body(14, phase="Degraded")).phase == "Degraded"


def test_without_a_write_of_ours_the_view_is_the_previous_status():
    record = StatusRecord(StatusApi(), "ns", "openstack")  # type: ignore[arg-type]
    assert record.previous(body(3, phase="Ready")).phase == "Ready"
