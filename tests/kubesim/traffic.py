"""What the API server sent to its clients: objects and bytes per list and watch request.

kube-apiserver reports this as metrics (apiserver_watch_events_total,
apiserver_watch_events_sizes, apiserver_response_sizes); here tests read it directly, to count
what an operator received of a namespace's Secrets or ConfigMaps, and with which selector.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class Sent:
    """One list response, or one event of a watch stream (bookmarks are not counted)."""

    path: str  # the request's path: /api/v1/namespaces/ns/secrets, /api/v1/secrets
    label_selector: str  # "" when the request had none
    watch: bool
    objects: int
    size: int  # bytes of the response body (of the event's line for a watch)
    names: tuple[str, ...] = ()  # of the objects sent
    agent: str = ""  # the client's User-Agent: helm's requests apart from the operator's


class Traffic:
    """A thread-safe log of what was sent; `mark()` and `since(mark)` bound a test's window."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sent: list[Sent] = []

    def record(self, sent: Sent) -> None:
        with self._lock:
            self._sent.append(sent)

    def mark(self) -> int:
        with self._lock:
            return len(self._sent)

    def since(self, mark: int = 0) -> list[Sent]:
        with self._lock:
            return self._sent[mark:]
