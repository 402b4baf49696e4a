"""Why a pass stops before it changes anything: the reason its Ready condition gives.

A pass raises `Halt` for a state it found (the namespace is another control plane's, node
pools overlap), or lets one of `HALTING` through: a spec no retry can make valid, or a state
only a person can clear. The loop reports it (one Event when it changes) and changes nothing.
"""

from __future__ import annotations

from osprey.api import SpecError
from osprey.api.status import NodePoolSizes
from osprey.custody import CredentialsLost
from osprey.plan import PlanError
from osprey.rotation.driver import RotationRefused
from osprey.upgrade.plan import UpgradeRefused
from osprey.valuesfrom import ValuesFromError


class Halt(Exception):
    """A pass stops before it changes anything; Ready says why."""

    def __init__(self, reason: str, message: str, pools: NodePoolSizes | None = None):
        super().__init__(message)
        self.reason, self.message, self.pools = reason, message, pools


# By the reason Ready gives.
HALT_REASONS: tuple[tuple[type[Exception], str], ...] = (
    (SpecError, "InvalidSpec"),
    (PlanError, "InvalidSpec"),
    (RotationRefused, "InvalidSpec"),
    (CredentialsLost, "CredentialsLost"),
    (ValuesFromError, "ValuesFromUnavailable"),
    (UpgradeRefused, "UpgradeRefused"),
)
HALTING = tuple(kind for kind, _ in HALT_REASONS)


def halt_reason(exc: Exception) -> str:
    return next(reason for kind, reason in HALT_REASONS if isinstance(exc, kind))
