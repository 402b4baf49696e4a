"""The status of one control plane as Osprey last wrote it, and writing it again only when it
changed.

Kopf's view of the resource (the `body` a pass reads) lags behind our own status writes. Had
a pass taken the status from it, conditions would flip back to what the view still shows and
their transition times move, the same status be written twice, and a rotation or an upgrade
step on from a step it had left (two writes made over one view, then the view showing the
first). So our last write is the previous status until the view shows it: the version that
write produced, or a version whose status is the one we wrote (the view may skip versions);
from then on the view is newer than our write and is taken as it is.
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
        self._written_at: str | None = None  # the resourceVersion that write produced
        self._shown = True  # whether the view has shown our last write yet

    def previous(self, body: Mapping[str, Any]) -> ControlPlaneStatus:
        shown = parse_status(body.get("status"))
        if not self._shown and self._written is not None:
            if (body["metadata"].get("resourceVersion") != self._written_at
                    and _dumped(shown) != self._written):
                return ControlPlaneStatus.model_validate(self._written)
            self._shown = True
        return shown

    async def write(
        self, body: Mapping[str, Any], previous: ControlPlaneStatus, status: ControlPlaneStatus
    ) -> None:
        """One merge patch of the status subresource, only if the status changed; services
        and endpoints that disappeared are removed with explicit nulls."""
        new = redact_strings(_dumped(status), self._secrets())
        old = _dumped(previous)
        if new == old or new == self._written:
            return
        patch = dict(new)
        for keyed in ("services", "endpoints"):
            gone = set(old.get(keyed, {})) - set(new.get(keyed, {}))
            if gone:  # a merge patch keeps what it does not name
                patch[keyed] = {**new.get(keyed, {}), **dict.fromkeys(gone)}
        try:
            answer = await self._kube.merge_patch(
                CONTROL_PLANE, self.namespace, self.name, {"status": patch}, status=True
            )
        except KubeError as exc:
            if exc.status != 404:  # deleted meanwhile: nothing left to report on
                raise
        else:
            self._written = new
            self._written_at = (answer.get("metadata") or {}).get("resourceVersion")
            self._shown = False


def _dumped(status: ControlPlaneStatus) -> dict[str, Any]:
    return status.model_dump(mode="json", exclude_none=True, by_alias=True)
