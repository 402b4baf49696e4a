"""Pre-flight: may this control plane start an upgrade? Pure.

Every release deployed as the old release renders it and Ready, none pending, none being
worked on by our helm: an upgrade starts from a converged control plane or not at all.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from osprey.actions import is_ready
from osprey.health import ReleaseHealth
from osprey.plan import Plan
from osprey.releases import DeployedRelease


def preflight(
    old: Plan,
    deployed: Mapping[str, DeployedRelease],
    health: Mapping[str, ReleaseHealth],
    busy: Collection[str],
) -> list[str]:
    """What stands in the way, one line per release (empty: go)."""
    problems: list[str] = []
    for release in old.releases:
        name, current = release.name, deployed.get(release.name)
        own = health.get(name)
        if current is None:
            problems.append(f"{name} is not installed")
        elif current.pending:
            problems.append(f"{name} is {current.status}")
        elif name in busy:
            problems.append(f"helm is working on {name}")
        elif current.status != "deployed":
            problems.append(f"{name} is {current.status}")
        elif not release.satisfied_by(current):
            problems.append(f"{name} has changes not applied yet")
        elif not is_ready(current, own):
            counts = f" ({own.ready}/{own.desired} workloads ready)" if own else ""
            problems.append(f"{name} is not ready{counts}")
    return problems
