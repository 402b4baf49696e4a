"""The parts of a spec that configure one chart each, with their field paths.

Every such part has `values` and `valuesFrom`; the chart is named after the part's field
(spec.infrastructure.mariadb -> mariadb, spec.services.nova.libvirt -> libvirt).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from osprey.api.base import Model
from osprey.api.spec import ControlPlaneSpec


@dataclass(frozen=True)
class ChartSection:
    chart: str
    field: str  # e.g. spec.services.nova.libvirt
    settings: Model


def chart_sections(spec: ControlPlaneSpec) -> Iterator[ChartSection]:
    """Every part of the spec that carries a chart's values, enabled or not."""
    for name in type(spec.infrastructure).model_fields:
        yield ChartSection(name, f"spec.infrastructure.{name}", getattr(spec.infrastructure, name))
    for name in type(spec.services).model_fields:
        service = getattr(spec.services, name)
        yield ChartSection(name, f"spec.services.{name}", service)
        for part in type(service).model_fields:
            value = getattr(service, part)
            if isinstance(value, Model) and "valuesFrom" in type(value).model_fields:
                yield ChartSection(part, f"spec.services.{name}.{part}", value)
