"""Back-off of failing releases: per release, growing, and never a busy loop; none started
while the operator shuts down."""

import time

from osprey.actions import Action, Kind
from osprey.operations import ReleaseOperations
from osprey.runtime import Settings


class FakeRuntime:
    settings = Settings(retry_base_seconds=1.0, retry_max_seconds=8.0)
    draining = False


def operations():
    return ReleaseOperations(FakeRuntime(), "ns", on_finished=lambda: None)


def test_a_failed_release_waits_before_it_is_tried_again():
    ops = operations()
    ops.failed("keystone", "boom")
    assert not ops.may_act("keystone", observed_at=time.monotonic())
    assert ops.may_act("glance", observed_at=time.monotonic())
    assert ops.errors == {"keystone": "boom"}


def test_back_off_grows_and_is_capped():
    ops = operations()
    waits = []
    for _ in range(6):
        ops.failed("keystone", "boom")
        waits.append(ops.next_retry_in())
    assert waits[1] > waits[0] * 1.2
    assert max(waits) <= 8.0 * 1.2 + 0.01


def test_an_expired_back_off_asks_for_no_early_wake_up():
    ops = operations()
    ops.failed("keystone", "boom")
    ops._retry_at["keystone"] = time.monotonic() - 1
    assert ops.next_retry_in() is None


def test_a_shutting_down_operator_starts_no_helm_operation():
    runtime = FakeRuntime()
    runtime.draining = True
    ops = ReleaseOperations(runtime, "ns", on_finished=lambda: None)
    ops.start({}, Action("keystone", Kind.install, "not installed"), desired=None)
    assert ops.running == {}
