"""Exponential back-off with jitter, and what one control plane's failed passes remember."""

from __future__ import annotations

import random
import time


def backoff_seconds(attempt: int, base: float, cap: float) -> float:
    """Delay before try `attempt + 1`: base, doubling per attempt, capped, with ±20% jitter
    so that many control planes failing at once do not retry in step."""
    delay = base * 2 ** max(0, attempt - 1)
    return min(cap, delay) * random.uniform(0.8, 1.2)


class PassFailures:
    """Consecutive failed passes of one control plane: when to try again, and whether an
    error is new (an Event is posted once per distinct error, not on every retry)."""

    def __init__(self, base: float, cap: float):
        self._base, self._cap = base, cap
        self.count = 0
        self._retry_at: float | None = None
        self._reported: str | None = None

    def failed(self, message: str) -> bool:
        """Record a failed pass; True if its error differs from the last one reported."""
        self.count += 1
        self._retry_at = time.monotonic() + backoff_seconds(self.count, self._base, self._cap)
        new = message != self._reported
        self._reported = message
        return new

    def succeeded(self) -> None:
        self.count = 0
        self._retry_at = None
        self._reported = None

    def retry_now(self) -> None:
        """A new generation: the fix may be in it, so the next pass must not wait, and a
        failure of it backs off from the start."""
        self.count = 0
        self._retry_at = None

    def retry_in(self) -> float | None:
        """Seconds until the next try of a failing pass; None when not backing off."""
        if self._retry_at is None:
            return None
        return max(0.0, self._retry_at - time.monotonic())
