"""What to do next for each release: a pure function of the plan and what the cluster shows.

The reconciler executes these decisions; keeping them here, free of I/O, is what lets the
rules (dependency order, no-op passes, recovery without data loss, never touching what is
not ours) be tested as data.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from osprey.api.conditions import rfc3339
from osprey.clusterscope import unkept_claims
from osprey.drift import Drift
from osprey.health import ReleaseHealth
from osprey.plan import Plan, ReleasePlan
from osprey.releases import DeployedRelease


class Kind(StrEnum):
    install = "install"
    upgrade = "upgrade"
    rollback = "rollback"  # back to the last deployed revision, after a stuck or failed operation
    reinstall = "reinstall"  # forget a pending-install record (never the objects) and install again
    uninstall = "uninstall"
    restore = "restore"  # re-apply missing or failed objects from the release's own manifest
    wait = "wait"
    blocked = "blocked"  # only a person can clear the way (the reason says how)


@dataclass(frozen=True)
class Action:
    release: str
    kind: Kind
    reason: str
    revision: int | None = None

    @property
    def uses_helm(self) -> bool:
        return self.kind not in (Kind.restore, Kind.wait, Kind.blocked)


@dataclass(frozen=True)
class Constraints:
    """What a decision must respect besides the plan and Helm's record."""

    # Release -> why it is not this control plane's: never upgraded, rolled back, uninstalled,
    # healed, nor counted as a dependency.
    foreign: Mapping[str, str] = field(default_factory=dict)
    # Release -> why helm would fail on it (a claim it cannot change): not installed/upgraded.
    conflicts: Mapping[str, str] = field(default_factory=dict)
    busy: Collection[str] = ()  # releases our own helm is working on
    now: datetime | None = None
    # Seconds a pending-* release no helm of ours holds is left to whoever holds it.
    pending_timeout: float = 0.0


def is_ready(deployed: DeployedRelease | None, health: ReleaseHealth | None) -> bool:
    """A release others may build on: deployed by Helm and every workload ready."""
    return (
        deployed is not None
        and deployed.status == "deployed"
        and health is not None
        and health.is_ready
    )


def pending_recovery_at(release: DeployedRelease, constraints: Constraints) -> datetime | None:
    """When a pending release may be taken over (None: not pending, or its start unknown)."""
    if not release.pending or release.started is None:
        return None
    return release.started + timedelta(seconds=constraints.pending_timeout)


def _duration(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}m" if minutes and not rest else f"{seconds:g}s"


def _pending(current: DeployedRelease, c: Constraints) -> Action:
    """A release left pending-*: its operation runs in our helm, in another (a person's), or
    in none any more (killed). Taken over only once no helm could still hold it."""
    name = current.name
    if name in c.busy:
        return Action(name, Kind.wait, f"helm is working on it ({current.status})")
    recovery_at = pending_recovery_at(current, c)
    if c.now is not None and recovery_at is not None and c.now < recovery_at:
        return Action(name, Kind.wait, (
            f"{current.status} since {rfc3339(current.started)}: another helm may still be "
            f"running it; Osprey takes over if it is still pending after "
            f"{_duration(c.pending_timeout)} (the helm timeout)"
        ))
    if current.deployed_revision is not None:
        return Action(
            name, Kind.rollback, f"{current.status} left behind", current.deployed_revision
        )
    return Action(name, Kind.reinstall, f"{current.status} left behind")


def _unmet(
    release: ReleasePlan,
    deployed: Mapping[str, DeployedRelease],
    health: Mapping[str, ReleaseHealth],
    planned: Mapping[str, ReleasePlan],
) -> list[str]:
    """Dependencies not there yet. A dependency that must be ready must also have applied its
    own pending change, so that a change reaching many charts (an OpenStack release upgrade,
    RabbitMQ's replica count) rolls through them in dependency order."""

    def settled(dep: str) -> bool:
        current = deployed.get(dep)
        return is_ready(current, health.get(dep)) and (
            dep not in planned or planned[dep].satisfied_by(current)
        )

    unmet = [d for d in release.requires_ready if not settled(d)]
    unmet += [
        d
        for d in release.requires_installed
        if d not in deployed or deployed[d].deployed_revision is None
    ]
    return unmet


def decide_release(
    release: ReleasePlan,
    deployed: Mapping[str, DeployedRelease],
    health: Mapping[str, ReleaseHealth],
    drift: Mapping[str, tuple[Drift, ...]] | None = None,
    planned: Mapping[str, ReleasePlan] | None = None,
    constraints: Constraints | None = None,
) -> Action:
    """The next step for one enabled release (`planned`: the plan's releases by name)."""
    c = constraints or Constraints()
    name = release.name
    if name in c.foreign:
        return Action(name, Kind.blocked, c.foreign[name])
    ours = {n: d for n, d in deployed.items() if n not in c.foreign}
    action = _decide_ours(release, ours, health, drift or {}, planned or {}, c)
    if action.kind in (Kind.install, Kind.upgrade, Kind.reinstall) and name in c.conflicts:
        return Action(name, Kind.blocked, c.conflicts[name])
    return action


def _decide_ours(
    release: ReleasePlan,
    deployed: Mapping[str, DeployedRelease],
    health: Mapping[str, ReleaseHealth],
    drift: Mapping[str, tuple[Drift, ...]],
    planned: Mapping[str, ReleasePlan],
    c: Constraints,
) -> Action:
    name = release.name
    current = deployed.get(name)
    if current is not None and current.pending:
        return _pending(current, c)
    unmet = _unmet(release, deployed, health, planned)
    if current is None:
        if unmet:
            return Action(name, Kind.wait, f"waiting for {', '.join(unmet)}")
        return Action(name, Kind.install, "not installed")
    if current.status != "deployed":
        if unmet:
            return Action(name, Kind.wait, f"{current.status}; waiting for {', '.join(unmet)}")
        return Action(name, Kind.upgrade, f"release is {current.status}")
    if not release.satisfied_by(current):
        if unmet:
            return Action(name, Kind.wait, f"change waiting for {', '.join(unmet)}")
        return Action(name, Kind.upgrade, "spec changed")
    if unkept := unkept_claims(current.manifest):
        claims = ", ".join(unkept)
        if unmet:
            return Action(name, Kind.wait, f"keeping {claims} waits for {', '.join(unmet)}")
        # An earlier Osprey stored the claim without `keep`: helm would delete it (and its
        # data) on uninstall, whatever the deletion policy says. One upgrade re-records it.
        return Action(name, Kind.upgrade, f"recording {claims} as kept by helm")
    own_health = health.get(name)
    broken = [w.ref for w in own_health.missing + own_health.failed] if own_health else []
    broken += [d.ref for d in drift.get(name, ()) if d.ref not in broken]
    if broken:
        return Action(name, Kind.restore, f"restoring {', '.join(broken)}")
    return Action(name, Kind.wait, "up to date")


def decide(
    plan: Plan,
    deployed: Mapping[str, DeployedRelease],
    health: Mapping[str, ReleaseHealth],
    *,
    managed: Collection[str],
    drift: Mapping[str, tuple[Drift, ...]] | None = None,
    constraints: Constraints | None = None,
) -> list[Action]:
    """Next steps for every release of the plan, and uninstalls of managed releases of ours
    that the plan no longer has."""
    c = constraints or Constraints()
    planned = {r.name: r for r in plan.releases}
    actions = [decide_release(r, deployed, health, drift, planned, c) for r in plan.releases]
    for name in deployed:
        if name in managed and name not in plan and name not in c.foreign:
            actions.append(Action(name, Kind.uninstall, "service disabled"))
    return actions
