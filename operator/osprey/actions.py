"""What to do next for each release: a pure function of the plan and what the cluster shows.

The reconciler executes these decisions; keeping them here, free of I/O, is what lets the
rules (dependency order, no-op passes, recovery without data loss) be tested as data.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from enum import StrEnum

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


@dataclass(frozen=True)
class Action:
    release: str
    kind: Kind
    reason: str
    revision: int | None = None

    @property
    def uses_helm(self) -> bool:
        return self.kind not in (Kind.restore, Kind.wait)


def is_ready(deployed: DeployedRelease | None, health: ReleaseHealth | None) -> bool:
    """A release others may build on: deployed by Helm and every workload ready."""
    return (
        deployed is not None
        and deployed.status == "deployed"
        and health is not None
        and health.is_ready
    )


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
) -> Action:
    """The next step for one enabled release (`planned`: the plan's releases by name)."""
    name = release.name
    current = deployed.get(name)
    if current is not None and current.pending:
        if current.deployed_revision is not None:
            return Action(
                name, Kind.rollback, f"{current.status} left behind", current.deployed_revision
            )
        return Action(name, Kind.reinstall, f"{current.status} left behind")
    unmet = _unmet(release, deployed, health, planned or {})
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
    own_health = health.get(name)
    broken = [w.ref for w in own_health.missing + own_health.failed] if own_health else []
    broken += [d.ref for d in (drift or {}).get(name, ()) if d.ref not in broken]
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
) -> list[Action]:
    """Next steps for every release of the plan, and uninstalls of managed releases that
    the plan no longer has."""
    planned = {r.name: r for r in plan.releases}
    actions = [decide_release(r, deployed, health, drift, planned) for r in plan.releases]
    for name in deployed:
        if name in managed and name not in plan:
            actions.append(Action(name, Kind.uninstall, "service disabled"))
    return actions
