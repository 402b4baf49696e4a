"""The status of one control plane as Osprey last wrote it, and writing it again only when it
changed.

Kopf's view of the resource (the `body` a pass reads) lags behind our own status writes. Had
a pass taken the status from it, conditions would flip back to what the view still shows and
their transition times move, and the same status be written twice. So while the view is
still the version our last write was made over, that write is the previous status.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from osprey.api.status import ControlPlaneStatus
from osprey.kube import Kube, KubeError, resource
from osprey.masking import redact_strings

CONTROL_PLANE = resource("OpenStackControlPlane")


def parse_status(raw: Mapping[str, Any] | None) -> ControlPlaneStatus:
    """Our part of the status (Kopf keeps its own under status.kopf); tolerant of old shapes."""
    ours = {k: v for k, v in (raw or {}).items() if k != "kopf"}
    try:
        return ControlPlaneStatus.model_validate(ours)
    except ValueError:
        return ControlPlaneStatus()


class StatusRecord:
    """Reads the previous status and writes a new one, for one control plane."""

    def __init__(self, kube: Kube, namespace: str, name: str,
                 secrets: Callable[[], frozenset[str]] = frozenset):
        self._kube = kube
        self._secrets = secrets  # what no status may carry (masking.redact_strings)
        self.namespace = namespace
        self.name = name
        self._written: dict[str, Any] | None = None  # Osprey's part, as last written
        self._written_over: str | None = None  # resourceVersion of the body it replaced

    def previous(self, body: Mapping[str, Any]) -> ControlPlaneStatus:
        version = body["metadata"].get("resourceVersion")
        if self._written is not None and version is not None and version == self._written_over:
            return ControlPlaneStatus.model_validate(self._written)
        return parse_status(body.get("status"))

    async def write(
        self, body: Mapping[str, Any], previous: ControlPlaneStatus, status: ControlPlaneStatus
    ) -> None:
        """One merge patch of the status subresource, only if the status changed; services
        and endpoints that disappeared are removed with explicit nulls."""
        new = redact_strings(status.model_dump(mode="json", exclude_none=True, by_alias=True),
                             self._secrets())
        old = previous.model_dump(mode="json", exclude_none=True, by_alias=True)
        if new == old or new == self._written:
            return
        patch = dict(new)
        for keyed in ("services", "endpoints"):
            gone = set(old.get(keyed, {})) - set(new.get(keyed, {}))
            if gone:  # a merge patch keeps what it does not name
                patch[keyed] = {**new.get(keyed, {}), **dict.fromkeys(gone)}
        try:
            await self._kube.merge_patch(
                CONTROL_PLANE, self.namespace, self.name, {"status": patch}, status=True
            )
        except KubeError as exc:
            if exc.status != 404:  # deleted meanwhile: nothing left to report on
                raise
        else:
            self._written = new
            self._written_over = body["metadata"].get("resourceVersion")
