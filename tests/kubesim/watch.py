"""Watch streams: replay from a resourceVersion, selector-aware event types, bookmarks,
timeouts, 410 Gone for compacted history, and injected stream drops.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from .api import Api
from .errors import gone
from .routing import Target
from .selectors import Predicate
from .store import Event, Gone
from .traffic import Sent


def _line(kind: str, obj: dict[str, Any]) -> bytes:
    return (json.dumps({"type": kind, "object": obj}, separators=(",", ":")) + "\n").encode()


def _bookmark(api_version: str, kind: str, rv: int, initial_end: bool = False) -> dict[str, Any]:
    meta: dict[str, Any] = {"resourceVersion": str(rv)}
    if initial_end:
        meta["annotations"] = {"k8s.io/initial-events-end": "true"}
    return {"kind": kind, "apiVersion": api_version, "metadata": meta}


def event_type(event: Event, match: Predicate) -> str | None:
    """What this watcher sees: objects entering/leaving the selection become ADDED/DELETED."""
    now = match(event.obj)
    before = match(event.old) if event.old is not None else False
    if event.type == "ADDED":
        return "ADDED" if now else None
    if event.type == "DELETED":
        return "DELETED" if before or now else None
    if now and before:
        return "MODIFIED"
    if now:
        return "ADDED"
    return "DELETED" if before else None


async def stream(
    request: web.Request,
    api: Api,
    target: Target,
    match: Predicate,
    *,
    since: int | None,
    send_initial: bool,
    bookmarks: bool,
    timeout: float,
    bookmark_interval: float,
    drop_after: int | None,
    lag: float = 0.0,
    render: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    render_bookmarks: bool = False,
) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "application/json"})
    response.enable_chunked_encoding()
    await response.prepare(request)
    rtype = target.rtype
    loop = asyncio.get_running_loop()
    show = render or (lambda obj: obj)
    mark = show if render_bookmarks else (lambda obj: obj)
    try:
        replay, watcher, snapshot_rv = api.store.watch(
            rtype.store_key, target.namespace, since, loop
        )
    except Gone as exc:
        await response.write(_line("ERROR", gone(str(exc)).status()))
        await response.write_eof()
        return response
    watcher.label = request.path_qs
    selector = request.query.get("labelSelector", "")
    agent = request.headers.get("User-Agent", "")

    async def send(kind: str, obj: dict[str, Any]) -> None:
        line = _line(kind, show(api.present(rtype, obj)))
        await response.write(line)
        api.traffic.record(Sent(request.path, selector, True, 1, len(line),
                                (obj["metadata"]["name"],), agent))

    arrivals: asyncio.Queue[Any] = watcher.queue
    held = None
    if lag:  # events are stamped as they happen and sent `lag` seconds later, in order
        arrivals = asyncio.Queue()
        held = asyncio.create_task(_stamp(watcher.queue, arrivals, lag))
    sent, last_rv = 0, since if since is not None else snapshot_rv
    deadline = time.monotonic() + timeout
    next_bookmark = time.monotonic() + bookmark_interval
    try:
        for event in replay:
            if drop_after is not None and sent >= drop_after:
                break
            kind = (
                event_type(event, match)
                if since is not None
                else ("ADDED" if match(event.obj) else None)
            )
            if kind:
                await send(kind, dict(event.obj))
                sent += 1
            last_rv = max(last_rv, event.rv)
        if send_initial and bookmarks:
            await response.write(
                _line("BOOKMARK", mark(
                    _bookmark(rtype.api_version, rtype.kind, last_rv, initial_end=True)))
            )
        while drop_after is None or sent < drop_after:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            wait = (
                min(remaining, max(0.0, next_bookmark - time.monotonic()))
                if bookmarks
                else remaining
            )
            try:
                event = await asyncio.wait_for(arrivals.get(), timeout=wait)
            except TimeoutError:
                if bookmarks and time.monotonic() >= next_bookmark:
                    quiet_rv = api.store.quiet_rv(watcher)
                    last_rv = max(last_rv, quiet_rv if quiet_rv is not None else last_rv)
                    await response.write(
                        _line("BOOKMARK", mark(_bookmark(rtype.api_version, rtype.kind, last_rv)))
                    )
                    next_bookmark = time.monotonic() + bookmark_interval
                continue
            if lag:
                await asyncio.sleep(max(0.0, event[0] - time.monotonic()))
                event = event[1]
            with api.store.lock:
                watcher.pending -= 1
            if event is None:
                break
            if event.rv <= last_rv:
                continue
            last_rv = event.rv
            kind = event_type(event, match)
            if kind:
                await send(kind, dict(event.obj))
                sent += 1
        await response.write_eof()
    except (ConnectionResetError, asyncio.CancelledError):
        pass
    finally:
        api.store.unwatch(watcher)
        if held is not None:
            held.cancel()
    return response


async def _stamp(events: asyncio.Queue[Event | None], stamped: asyncio.Queue[Any],
                 lag: float) -> None:
    while True:
        event = await events.get()
        stamped.put_nowait((time.monotonic() + lag, event))
