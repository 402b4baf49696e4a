"""Shutting down: running helm operations may finish, none starts, a second signal hurries."""

from __future__ import annotations

import asyncio

from osprey.service import drain


class Operations:
    """A runtime's running helm operations, as `drain` sees them."""

    def __init__(self, *tasks: asyncio.Task):
        self.tasks = list(tasks)
        self.draining = False

    def running_operations(self) -> list[asyncio.Task]:
        return self.tasks


def test_drain_waits_for_the_running_operations_to_finish() -> None:
    async def scenario() -> tuple[bool, bool]:
        finished = asyncio.Event()

        async def helm() -> None:
            await asyncio.sleep(0.2)
            finished.set()

        runtime = Operations(asyncio.create_task(helm()))
        await drain(runtime, 30.0)
        return runtime.draining, finished.is_set()

    assert asyncio.run(scenario()) == (True, True)


def test_drain_gives_up_at_its_deadline() -> None:
    async def scenario() -> bool:
        hung = asyncio.create_task(asyncio.Event().wait())
        await drain(Operations(hung), 0.1)
        done = hung.done()
        hung.cancel()
        return done

    assert asyncio.run(scenario()) is False


def test_a_second_signal_ends_the_drain_at_once() -> None:
    async def scenario() -> bool:
        hung = asyncio.create_task(asyncio.Event().wait())
        hurry = asyncio.Event()
        asyncio.get_running_loop().call_later(0.1, hurry.set)
        await asyncio.wait_for(drain(Operations(hung), 3600.0, hurry), timeout=30)
        done = hung.done()
        hung.cancel()
        return done

    assert asyncio.run(scenario()) is False


def test_nothing_running_means_no_wait_but_no_new_operation_either() -> None:
    runtime = Operations()
    asyncio.run(drain(runtime, 3600.0))
    assert runtime.draining
