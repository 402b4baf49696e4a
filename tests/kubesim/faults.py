"""Fault injection: make matching requests fail or wait, watch streams end or lag, and make
the Job controller fail chosen Jobs and the kubelets chosen image pulls. Rules match `METHOD` and a regex searched in the path
(with its query string), and fire a bounded number of times (or forever with count=None).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass


@dataclass
class FaultRule:
    method: str
    path: re.Pattern[str]
    action: str  # "fail" | "delay" | "drop_watch" | "lag_watch"
    count: int | None = 1
    status: int = 500
    reason: str = "InternalError"
    message: str = ""
    retry_after: int | None = None
    seconds: float = 0.0
    after_events: int = 0
    hits: int = 0

    def matches(self, method: str, path: str) -> bool:
        return (
            (self.count is None or self.hits < self.count)
            and re.fullmatch(self.method, method, re.IGNORECASE) is not None
            and self.path.search(path) is not None
        )


_REASONS = {
    410: "Expired",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
    409: "Conflict",
    403: "Forbidden",
    404: "NotFound",
    422: "Invalid",
    400: "BadRequest",
}


class Faults:
    """Thread-safe rule book consulted by the HTTP layer and the Job controller."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._rules: list[FaultRule] = []
        self._failing_jobs: list[re.Pattern[str]] = []
        self._failing_images: list[re.Pattern[str]] = []

    def _add(self, rule: FaultRule) -> FaultRule:
        with self._lock:
            self._rules.append(rule)
        return rule

    def fail(
        self,
        method: str,
        path: str,
        *,
        status: int = 500,
        count: int | None = 1,
        retry_after: int | None = None,
        message: str | None = None,
        reason: str | None = None,
    ) -> FaultRule:
        """Answer matching requests with `status` and a Status body (5xx, 409, 410, 429...)."""
        return self._add(
            FaultRule(
                method,
                re.compile(path),
                "fail",
                count,
                status,
                reason or _REASONS.get(status, "InternalError"),
                message or f"kubesim fault injection: {status} for {method} {path}",
                retry_after,
            )
        )

    def throttle(
        self, method: str, path: str, *, retry_after: int = 1, count: int | None = 1
    ) -> FaultRule:
        return self.fail(
            method,
            path,
            status=429,
            count=count,
            retry_after=retry_after,
            message="kubesim fault injection: too many requests, please try again later",
        )

    def gone(self, method: str, path: str, *, count: int | None = 1) -> FaultRule:
        return self.fail(
            method,
            path,
            status=410,
            count=count,
            message="kubesim fault injection: too old resource version",
        )

    def delay(
        self, method: str, path: str, seconds: float, *, count: int | None = None
    ) -> FaultRule:
        return self._add(FaultRule(method, re.compile(path), "delay", count, seconds=seconds))

    def drop_watches(
        self, path: str = "", *, after_events: int = 0, count: int | None = 1
    ) -> FaultRule:
        """End matching watch streams (cleanly, as a load balancer would) after N events."""
        return self._add(
            FaultRule("GET", re.compile(path), "drop_watch", count, after_events=after_events)
        )

    def lag_watches(self, path: str, seconds: float, *, count: int | None = None) -> FaultRule:
        """Matching watch streams (opened from now on) deliver each event `seconds` after it
        happened, in order, as a loaded kube-apiserver's watch cache does: a list or a GET
        answers with the newer state meanwhile, and each resource's stream lags on its own."""
        return self._add(FaultRule("GET", re.compile(path), "lag_watch", count, seconds=seconds))

    def fail_jobs(self, name_pattern: str) -> None:
        """Jobs whose name matches end Failed instead of Complete."""
        with self._lock:
            self._failing_jobs.append(re.compile(name_pattern))

    def job_should_fail(self, name: str) -> bool:
        with self._lock:
            return any(p.search(name) for p in self._failing_jobs)

    def fail_images(self, image_pattern: str) -> None:
        """Images that match cannot be pulled: containers running them wait in
        ImagePullBackOff, as the kubelet reports a registry that does not have them."""
        with self._lock:
            self._failing_images.append(re.compile(image_pattern))

    def image_should_fail(self, image: str) -> bool:
        with self._lock:
            return any(p.search(image) for p in self._failing_images)

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
            self._failing_jobs.clear()
            self._failing_images.clear()

    def take(self, method: str, path: str, *, watch: bool) -> list[FaultRule]:
        """Consume and return the rules that fire for one request."""
        fired = []
        with self._lock:
            for rule in self._rules:
                if rule.action in ("drop_watch", "lag_watch") and not watch:
                    continue
                if rule.matches(method, path):
                    rule.hits += 1
                    fired.append(rule)
        return fired
