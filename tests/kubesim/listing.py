"""Lists: ordering, `limit`/`continue` paging, and what `resourceVersion` on a list means
here (the current state only, said honestly when the client asked for another).
"""

from __future__ import annotations

import base64
import json
from typing import Any

from .errors import ApiError, bad_request, gone, not_implemented
from .store import Store


def page(
    items: list[dict[str, Any]], query: Any, rv: int, store: Store
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Sort, apply `continue` and `limit`; returns the page and the list metadata."""
    check_version(query, rv, store)
    items.sort(key=lambda o: (o["metadata"].get("namespace", ""), o["metadata"]["name"]))
    meta: dict[str, Any] = {"resourceVersion": str(rv)}
    token = query.get("continue")
    if token:
        start = _decode_continue(token, store)
        items = [
            o for o in items if (o["metadata"].get("namespace", ""), o["metadata"]["name"]) > start
        ]
    limit = int(query.get("limit") or 0)
    if limit and len(items) > limit:
        last = items[limit - 1]["metadata"]
        meta["continue"] = _encode_continue(rv, (last.get("namespace", ""), last["name"]))
        meta["remainingItemCount"] = len(items) - limit
        items = items[:limit]
    return items, meta


def check_version(query: Any, current: int, store: Store) -> None:
    """A list is served from the current state; say so when the client asked for another."""
    requested = query.get("resourceVersion")
    if not requested or requested == "0" or query.get("continue"):
        return
    wanted = int_rv(requested)
    if query.get("resourceVersionMatch") == "Exact" and wanted != current:
        if wanted < store._oldest:
            raise gone(f"too old resource version: {wanted} ({store._oldest + 1})")
        raise not_implemented(
            "lists at an older resourceVersion (resourceVersionMatch=Exact); "
            "only the current state is kept"
        )
    if wanted > current:
        raise ApiError(
            504,
            "Timeout",
            f"Too large resource version: {wanted}, current: {current}",
            {
                "causes": [
                    {"reason": "ResourceVersionTooLarge", "message": "Too large resource version"}
                ],
                "retryAfterSeconds": 1,
            },
        )


def int_rv(rv: str) -> int:
    try:
        return int(rv)
    except ValueError:
        raise bad_request(f"invalid resource version: {rv!r}") from None


def _encode_continue(rv: int, last: tuple[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps({"rv": rv, "start": list(last)}).encode()).decode()


def _decode_continue(token: str, store: Store) -> tuple[str, str]:
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()).decode())
        start = tuple(data["start"])
    except (ValueError, KeyError, TypeError):
        raise bad_request("continue key is not valid") from None
    if data["rv"] < store._oldest:
        raise gone(
            "The provided continue parameter is too old to display a consistent list "
            "result. You can start a new list without the continue parameter."
        )
    return start  # type: ignore[return-value]
