"""A burst of wake-ups costs a few passes: passes of one control plane start at most every
`pass_interval_seconds`, except for a new generation or a deletion."""

import asyncio
import itertools
import time

from osprey.metrics import Metrics
from osprey.runtime import Runtime, Settings

INTERVAL = 0.3


def starts_of(wakes_per_pass: int, urgent: bool = False, passes: int = 3) -> list[float]:
    """When each of `passes` passes started; each pass wakes the loop `wakes_per_pass` times
    (as the events of a helm operation would), or notices a new generation."""

    async def scenario() -> list[float]:
        runtime = Runtime(Settings(resync_seconds=3600.0, pass_interval_seconds=INTERVAL),
                          kube=object(), helm=object(), metrics=Metrics())
        plane = runtime.control_plane("ns", "cp")
        starts: list[float] = []
        done = asyncio.Event()

        class Stopped:
            def __bool__(self):
                return done.is_set()

            async def wait(self):
                await done.wait()

        async def reconcile(body):
            starts.append(time.monotonic())
            if len(starts) == passes:
                done.set()
            elif urgent:
                plane.notice({"metadata": {"generation": len(starts) + 1}})
            else:
                for _ in range(wakes_per_pass):
                    plane.wake()
            return "ok"

        plane.reconcile = reconcile
        await asyncio.wait_for(plane.run({"metadata": {}}, Stopped()), timeout=10)
        return starts

    return asyncio.run(scenario())


def gaps(starts: list[float]) -> list[float]:
    return [b - a for a, b in itertools.pairwise(starts)]


def test_passes_woken_again_and_again_start_an_interval_apart():
    starts = starts_of(wakes_per_pass=20)
    assert len(starts) == 3
    assert all(gap >= INTERVAL * 0.95 for gap in gaps(starts))


def test_a_new_generation_is_not_held_back():
    starts = starts_of(wakes_per_pass=0, urgent=True)
    assert len(starts) == 3
    assert all(gap < INTERVAL / 2 for gap in gaps(starts))
