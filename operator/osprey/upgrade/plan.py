"""The plan of an OpenStack release upgrade: its steps and, for each step, what every release
is rendered as while that step runs. Pure: the same plan is printed by `osprey render
--upgrade-from` and driven by the operator.

A release whose step has not come yet is rendered exactly as before (the old release's chart
line and images), so it stays what Helm deployed and nothing touches it; the release of the
current step and of every step done is rendered from the new release, with what the step
holds back. After the last step every release is rendered as the plain plan of the new
release, so a finished upgrade leaves nothing to do.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from osprey.api.spec import ControlPlaneSpec, OpenStackRelease
from osprey.catalog.values.merge import deep_merge, plain
from osprey.plan import Plan, ReleasePlan, plan
from osprey.upgrade.steps import STEPS, StepKind, release_annotations

ORDER = tuple(r.value for r in OpenStackRelease)


class UpgradeRefused(ValueError):
    """The spec asks for an upgrade Osprey will not make (a skip or a downgrade)."""


def next_release(release: str) -> str | None:
    """The release an upgrade from `release` goes to (None: the newest)."""
    index = ORDER.index(release)
    return ORDER[index + 1] if index + 1 < len(ORDER) else None


def check_transition(deployed: str, wanted: str) -> None:
    """Refuse what the CRD's transition rules refuse, against the release actually deployed
    (the CRD only sees the previous spec): going back, or skipping a release."""
    if wanted not in ORDER or deployed not in ORDER:
        raise UpgradeRefused(f"spec.openstackRelease: unknown release {wanted!r}")
    if ORDER.index(wanted) < ORDER.index(deployed):
        raise UpgradeRefused(
            f"spec.openstackRelease: {wanted} is older than the deployed {deployed}; "
            "database migrations are one-way, so releases are never downgraded")
    if ORDER.index(wanted) > ORDER.index(deployed) + 1:
        raise UpgradeRefused(
            f"spec.openstackRelease: {deployed} is deployed, so the next release is "
            f"{next_release(deployed)}, not {wanted}: upgrades move one release at a time "
            f"({' -> '.join(ORDER)})")


@dataclass(frozen=True)
class Step:
    """One step of this control plane's upgrade."""

    kind: StepKind
    chart_version: str  # the new release line (or version) the release moves to
    images: Mapping[str, str]  # images.tags the step changes, new tag by key
    held: Mapping[str, str]  # images.tags kept at the old release during the step
    jobs: tuple[str, ...]  # non-hook Jobs whose template changes: replaced before helm runs

    @property
    def name(self) -> str:
        return self.kind.name

    @property
    def release(self) -> str:
        return self.kind.release


@dataclass(frozen=True)
class UpgradePlan:
    """From one OpenStack release to the next, for one control plane."""

    source: str
    target: str
    old: Plan  # every release rendered for the source release
    new: Plan  # every release rendered for the target release
    steps: tuple[Step, ...]

    def index(self, name: str) -> int:
        return next(i for i, s in enumerate(self.steps) if s.name == name)

    def staged(self, current: int) -> Plan:
        """The plan while step `current` runs (len(steps): the upgrade is done)."""
        return Plan(self.new.namespace, tuple(self.rendering(r.name, current)
                                              for r in self.new.releases))

    def rendering(self, release: str, current: int) -> ReleasePlan:
        """A release as the step `current` wants it rendered."""
        latest = [s for s in self.steps[: current + 1] if s.release == release]
        if not latest:
            return self.old[release] if release in self.old else self.new[release]
        return self._held(latest[-1])

    def _held(self, step: Step) -> ReleasePlan:
        new = self.new[step.release]
        layers: dict[str, Any] = dict(step.kind.during)
        if step.held:
            layers = deep_merge(layers, {"images": {"tags": dict(step.held)}})
        if step.kind.hold_release_annotation:
            layers = deep_merge(layers, release_annotations(self.source))
        if not layers:
            return new
        return dataclasses.replace(new, values=plain(deep_merge(new.values, layers)))

    @cached_property
    def names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.steps)


def _step(kind: StepKind, old: ReleasePlan, new: ReleasePlan) -> Step:
    old_tags = old.values.get("images", {}).get("tags", {})
    new_tags = new.values.get("images", {}).get("tags", {})
    changed = {k: v for k, v in new_tags.items() if old_tags.get(k) != v}
    earlier = [s for s in STEPS[: STEPS.index(kind)] if s.release == kind.release]
    if earlier:  # a second step of the release moves what the first held
        released = {k for s in earlier for k in s.held_images}
        return Step(kind, new.chart.version, {k: v for k, v in changed.items() if k in released},
                    {}, ())
    held = {k: old_tags[k] for k in kind.held_images if k in changed}
    jobs = tuple(w.name for w in new.workloads if w.kind == "Job") if changed else ()
    return Step(kind, new.chart.version, {k: v for k, v in changed.items() if k not in held},
                held, jobs)


def upgrade_plan(
    spec: ControlPlaneSpec,
    namespace: str,
    credentials: Mapping[str, str],
    source: str,
    values_from: Mapping[str, Mapping[str, Any]] | None = None,
) -> UpgradePlan:
    """The steps from `source` to spec.openstackRelease (one release apart) for the enabled
    releases; raises UpgradeRefused for anything else. `values_from` as for `plan`: values
    read from Secrets and ConfigMaps stay in every step."""
    target = spec.openstackRelease.value
    check_transition(source, target)
    old_spec = spec.model_copy(update={"openstackRelease": OpenStackRelease(source)})
    old = plan(old_spec, namespace, credentials, values_from)
    new = plan(spec, namespace, credentials, values_from)
    steps = tuple(_step(kind, old[kind.release], new[kind.release]) for kind in STEPS
                  if kind.release in new and kind.release in old)
    missing = [r.name for r in new.releases if r.name not in {s.release for s in steps}]
    if missing:  # every enabled release must have a step, or it would never move
        raise UpgradeRefused(f"no upgrade step moves {', '.join(missing)}")
    return UpgradePlan(source, target, old, new, steps)


__all__ = ["Step", "UpgradePlan", "UpgradeRefused", "check_transition", "describe",
           "next_release", "upgrade_plan"]


def describe(plan: UpgradePlan) -> dict[str, Any]:
    """The plan as `osprey render --upgrade-from` prints it, in order."""
    return {
        "from": plan.source,
        "to": plan.target,
        "preflight": ["every release deployed and Ready, none pending",
                      "a MariaDB backup Job from CronJob mariadb-backup"
                      if "mariadb" in plan.new else "no MariaDB enabled: no backup"],
        "steps": [
            {
                "step": s.name,
                "release": s.release,
                "what": s.kind.describes,
                "chartVersion": s.chart_version,
                "images": dict(s.images),
                **({"heldAtOldRelease": dict(s.held)} if s.held else {}),
                **({"duringStep": plain(s.kind.during)} if s.kind.during else {}),
                **({"jobsReplaced": list(s.jobs)} if s.jobs else {}),
            }
            for s in plan.steps
        ],
    }
