"""Waiting on the cluster from the benchmark's side, by polling at a fine interval."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from tests.integration.operator_harness import Client

POLL = 0.05  # seconds: the resolution of every time-to-Ready figure


def until(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(POLL)
    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")


def is_ready(body: dict[str, Any] | None) -> bool:
    """Ready=True for the current generation (what `kubectl wait` and Argo CD look at)."""
    status = (body or {}).get("status") or {}
    fresh = status.get("observedGeneration") == (body or {}).get("metadata", {}).get("generation")
    return fresh and any(c["type"] == "Ready" and c["status"] == "True"
                         for c in status.get("conditions") or ())


def wait_ready(client: Client, namespace: str, name: str, timeout: float) -> float:
    """Block until the control plane is Ready; returns the monotonic time it was seen so."""
    until(lambda: is_ready(client.get("OpenStackControlPlane", namespace, name)), timeout,
          f"{namespace}/{name} to be Ready")
    return time.monotonic()
