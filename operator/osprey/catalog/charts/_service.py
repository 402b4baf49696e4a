"""The shape shared by OpenStack service charts: settings under spec.services.<name>."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from osprey.api.spec import ControlPlaneSpec
from osprey.catalog.charts._infra import SERVICE_BASE
from osprey.catalog.entry import ChartEntry, ValuesContext, Workload
from osprey.catalog.values.merge import deep_merge, nested


@dataclass(frozen=True)
class ServiceChart(ChartEntry):
    """A chart configured by `spec.services.<name>`, needing the shared infrastructure."""

    ready_before: tuple[str, ...] = SERVICE_BASE
    uses_identity = True

    def settings(self, spec: ControlPlaneSpec) -> Any:
        return getattr(spec.services, self.name)


@dataclass(frozen=True)
class SingleApiChart(ServiceChart):
    """A service whose only workload is its API Deployment, scaled by `spec.replicas`."""

    #: The `pod.replicas` key of the API (OpenStack-Helm's own name).
    replicas_key: ClassVar[str] = "api"

    def workloads(self, spec: ControlPlaneSpec) -> tuple[Workload, ...]:
        assert self.api is not None
        return (self.api,)

    def build(self, ctx: ValuesContext) -> dict[str, Any]:
        replicas = self.api_replicas(ctx.spec, self.settings(ctx.spec).replicas)
        return deep_merge(nested(f"pod.replicas.{self.replicas_key}", replicas), self.extra(ctx))

    def extra(self, ctx: ValuesContext) -> dict[str, Any]:
        """Chart-specific values beyond the replica count."""
        return {}


@dataclass(frozen=True)
class Component:
    """A scalable pod group: spec replicas field -> OpenStack-Helm `pod.replicas` key."""

    field: str
    replicas_key: str
    workload: Workload


@dataclass(frozen=True)
class MultiComponentChart(ServiceChart):
    """A service with several scalable Deployments (`spec.replicas.<component>`)."""

    #: The scalable components; the one whose workload is `api` follows autoscaling.
    components: ClassVar[tuple[Component, ...]] = ()

    def workloads(self, spec: ControlPlaneSpec) -> tuple[Workload, ...]:
        scaled = tuple(component.workload for component in self.components)
        return scaled + self.other_workloads(spec)

    def other_workloads(self, spec: ControlPlaneSpec) -> tuple[Workload, ...]:
        """Workloads without a replica count (DaemonSets, Jobs)."""
        return ()

    def build(self, ctx: ValuesContext) -> dict[str, Any]:
        replicas_spec = self.settings(ctx.spec).replicas
        replicas: dict[str, int | None] = {}
        for component in self.components:
            count = getattr(replicas_spec, component.field)
            if component.workload == self.api:
                count = self.api_replicas(ctx.spec, count)
            replicas[component.replicas_key] = count
        return deep_merge({"pod": {"replicas": replicas}}, self.extra(ctx))

    def extra(self, ctx: ValuesContext) -> dict[str, Any]:
        """Chart-specific values beyond the replica counts."""
        return {}
