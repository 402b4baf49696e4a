"""core/v1 Events the simulated controllers report, shaped as kube-controller-manager's
recorder (source, count, first/last timestamps) and kube-scheduler's events.k8s.io recorder
(eventTime, action, reportingInstance) write them.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Any

from .api import Api
from .errors import ApiError
from .timeutil import now_rfc3339

log = logging.getLogger(__name__)


def _reference(obj: dict[str, Any]) -> dict[str, Any]:
    meta = obj["metadata"]
    ref = {
        "apiVersion": obj.get("apiVersion", "v1"),
        "kind": obj.get("kind", ""),
        "name": meta["name"],
        "uid": meta.get("uid", ""),
        "resourceVersion": meta.get("resourceVersion", ""),
    }
    if meta.get("namespace"):
        ref["namespace"] = meta["namespace"]
    return ref


def _micro_time() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class EventRecorder:
    def __init__(self, api: Api) -> None:
        self.api = api
        self.rtype = api.registry.get("", "v1", "events")

    def _create(self, involved: dict[str, Any], body: dict[str, Any]) -> None:
        ns = involved["metadata"].get("namespace") or "default"
        body["metadata"] = {
            "name": f"{involved['metadata']['name']}.{time.time_ns():x}",
            "namespace": ns,
        }
        body["involvedObject"] = _reference(involved)
        assert self.rtype is not None
        try:
            self.api.create(self.rtype, ns, body, manager=body["reportingComponent"])
        except ApiError as exc:  # a terminating namespace takes no events; neither does kube's
            log.debug("event %s on %s not recorded: %s", body["reason"], ns, exc.message)

    def record(
        self, involved: dict[str, Any], kind: str, reason: str, message: str, *, component: str
    ) -> None:
        """An event of a controller in kube-controller-manager (record.EventRecorder)."""
        stamp = now_rfc3339()
        self._create(
            involved,
            {
                "apiVersion": "v1",
                "kind": "Event",
                "type": kind,
                "reason": reason,
                "message": message,
                "source": {"component": component},
                "firstTimestamp": stamp,
                "lastTimestamp": stamp,
                "count": 1,
                "reportingComponent": component,
                "reportingInstance": "",
            },
        )

    def scheduling(self, pod: dict[str, Any], kind: str, reason: str, message: str) -> None:
        """An event of kube-scheduler (events.k8s.io recorder, seen through core/v1)."""
        self._create(
            pod,
            {
                "apiVersion": "v1",
                "kind": "Event",
                "type": kind,
                "reason": reason,
                "message": message,
                "action": "Scheduling",
                "eventTime": _micro_time(),
                "source": {},
                "reportingComponent": "default-scheduler",
                "reportingInstance": "default-scheduler-kubesim",
            },
        )
