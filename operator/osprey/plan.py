"""Spec -> the releases a control plane is made of, with their values and dependency graph.

No cluster, no helm (only a local chart directory's Chart.yaml is read, for its version).
The same plan drives `osprey render` and the operator.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from osprey import catalog
from osprey.api.spec import Autoscaling, ControlPlaneSpec
from osprey.catalog import ChartEntry, ValuesContext, Workload
from osprey.catalog.values.images import pull_secrets
from osprey.helm import ChartRef
from osprey.releases import DeployedRelease, values_hash
from osprey.versions import Version, VersionPin


class PlanError(ValueError):
    """The spec cannot be planned (a message naming the field): reported as InvalidSpec."""


@dataclass(frozen=True)
class ReleasePlan:
    """One Helm release as the spec wants it."""

    name: str
    chart: ChartRef
    values: Mapping[str, Any]
    requires_ready: tuple[str, ...]
    requires_installed: tuple[str, ...]
    stateful: bool
    workloads: tuple[Workload, ...]
    api_workload: Workload | None
    autoscaling: Autoscaling | None

    @cached_property
    def pull_secrets(self) -> tuple[str, ...]:
        """The Secrets every pod template of the release pulls with (the post-renderer's
        input, read from the values, so that the hash covers it)."""
        return pull_secrets(self.values)

    @cached_property
    def hash(self) -> str:
        """Digest of chart and values; the version is matched by `satisfied_by`."""
        return values_hash(self.chart.name, self.values)

    def satisfied_by(self, deployed: DeployedRelease | None) -> bool:
        """Whether a deployed release is what this plan asks for: the same chart and values,
        at a version the pin admits (any patch of a pinned line; an exact pin whatever its
        build metadata). A newer patch published since is no reason to upgrade."""
        return (
            deployed is not None
            and deployed.chart == self.chart.name
            and self.chart.pin.admits(deployed.version)
            and deployed.values_hash == self.hash
        )

    @property
    def dependencies(self) -> tuple[str, ...]:
        return self.requires_ready + self.requires_installed


@dataclass(frozen=True)
class Plan:
    """The releases of one control plane, in an order where dependencies come first."""

    namespace: str
    releases: tuple[ReleasePlan, ...]

    def __getitem__(self, name: str) -> ReleasePlan:
        return self._by_name[name]

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    @cached_property
    def _by_name(self) -> dict[str, ReleasePlan]:
        return {r.name: r for r in self.releases}

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.releases)

    def dependents(self, name: str) -> tuple[str, ...]:
        """Releases of this plan that depend on `name`."""
        return tuple(r.name for r in self.releases if name in r.dependencies)


def local_chart_version(directory: Path) -> str:
    """The version in a local chart directory's Chart.yaml."""
    try:
        return str(yaml.safe_load((directory / "Chart.yaml").read_text())["version"])
    except (OSError, KeyError, TypeError, yaml.YAMLError) as exc:
        raise PlanError(
            f"spec.charts.repository: {directory} holds no readable chart ({exc})"
        ) from None


def chart_ref(entry: ChartEntry, spec: ControlPlaneSpec) -> ChartRef:
    """Where the entry's chart comes from, at which version.

    A pin (the release catalog's line, or spec.charts.version(s)) that is neither a release
    line nor a version is an error naming the field. Helm installs a local chart directory
    at whatever version its Chart.yaml says, so that version is the one planned; a pin the
    directory does not satisfy is an error naming the field, not an endless upgrade.
    """
    repository = spec.charts.repository
    version = entry.chart_version(spec)
    field = _pin_field(entry, spec)
    try:
        pin = VersionPin.parse(version)
    except ValueError as exc:
        where = field or f"chartVersions.{entry.name} of release catalog {spec.openstackRelease}"
        raise PlanError(f"{where}: {exc}") from None
    if not repository.startswith("/"):
        return ChartRef(entry.name, version, repository)
    found = local_chart_version(Path(repository) / entry.name)
    if field is not None and not pin.admits(found):
        raise PlanError(f"{field}: {version} is pinned, but {repository}/{entry.name} "
                        f"holds version {found}")
    try:
        Version.parse(found)
    except ValueError as exc:
        raise PlanError(f"spec.charts.repository: {repository}/{entry.name}: {exc}") from None
    return ChartRef(entry.name, found, repository)


def _pin_field(entry: ChartEntry, spec: ControlPlaneSpec) -> str | None:
    """The spec field that pins the entry's version, if the spec pins it."""
    if entry.name in spec.charts.versions:
        return f"spec.charts.versions.{entry.name}"
    if spec.charts.version:
        return "spec.charts.version"
    return None


def _release(entry: ChartEntry, spec: ControlPlaneSpec, ctx: ValuesContext) -> ReleasePlan:
    return ReleasePlan(
        name=entry.name,
        chart=chart_ref(entry, spec),
        values=entry.values(ctx),
        requires_ready=tuple(entry.requires_ready(spec)),
        requires_installed=tuple(entry.requires_installed(spec)),
        stateful=entry.stateful,
        workloads=tuple(entry.workloads(spec)),
        api_workload=entry.api_workload(spec),
        autoscaling=entry.autoscaling(spec),
    )


def topological(releases: list[ReleasePlan]) -> tuple[ReleasePlan, ...]:
    """Order releases so that every dependency precedes its dependents (stable)."""
    by_name = {r.name: r for r in releases}
    ordered: list[ReleasePlan] = []
    state: dict[str, str] = {}

    def visit(release: ReleasePlan, path: tuple[str, ...]) -> None:
        if state.get(release.name) == "done":
            return
        if state.get(release.name) == "visiting":
            cycle = " -> ".join(path + (release.name,))
            raise PlanError(f"dependency cycle between releases: {cycle}")
        state[release.name] = "visiting"
        for dep in release.dependencies:
            if dep not in by_name:
                raise PlanError(f"release {release.name!r} depends on {dep!r}, which is not enabled")
            visit(by_name[dep], path + (release.name,))
        state[release.name] = "done"
        ordered.append(release)

    for release in releases:
        visit(release, ())
    return tuple(ordered)


def plan(
    spec: ControlPlaneSpec,
    namespace: str,
    credentials: Mapping[str, str],
    values_from: Mapping[str, Mapping[str, Any]] | None = None,
) -> Plan:
    """Every enabled release with its chart, pinned version, rendered values and dependencies.

    `values_from`: per chart, what its valuesFrom references resolved to (osprey.valuesfrom).
    """
    ctx = ValuesContext(
        spec=spec,
        namespace=namespace,
        release=catalog.load_release_catalog(spec.openstackRelease.value),
        credentials=credentials,
        values_from=values_from or {},
    )
    releases = [_release(entry, spec, ctx) for entry in catalog.enabled_entries(spec)]
    return Plan(namespace=namespace, releases=topological(releases))


class PlanMemo:
    """The last plan a loop made and what it was made from: a pass whose spec, credentials
    and valuesFrom data did not change gets the same plan without rendering every release's
    values again (measured as most of a no-op pass's CPU). Charts from a local directory are
    planned every time: their Chart.yaml may change under the same spec."""

    def __init__(self) -> None:
        self._made_from: tuple[Any, ...] | None = None
        self._plan: Plan | None = None

    def plan(
        self,
        spec: ControlPlaneSpec,
        namespace: str,
        credentials: Mapping[str, str],
        values_from: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> Plan:
        if spec.charts.repository.startswith("/"):
            return plan(spec, namespace, credentials, values_from)
        # Compared, not hashed: the spec is the same object while its generation is
        # (api.ValidatedSpecs), so the comparison is mostly an identity check.
        made_from = (spec, namespace, dict(credentials), values_from or {})
        if self._plan is None or not _same_inputs(made_from, self._made_from):
            self._plan = plan(spec, namespace, credentials, values_from)
            self._made_from = made_from
        return self._plan


def _same_inputs(now: tuple[Any, ...], before: tuple[Any, ...] | None) -> bool:
    return before is not None and all(a is b or a == b for a, b in zip(now, before, strict=True))
