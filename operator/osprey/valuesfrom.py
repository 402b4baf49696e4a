"""spec.*.valuesFrom: chart values kept in Secrets and ConfigMaps (Flux HelmRelease's convention).

References are resolved in order and merged over what Osprey renders, under the spec's own
`values`. With `path`, a key's content is set as a string at that values path; without it, the
content is YAML values merged at the root. What came from a Secret is remembered (its paths
and strings) so that `osprey render` masks it and status, Events and logs never carry it.

Resolution is pure (`resolve`) over the data `read_sources` fetched.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from osprey.api.base import ValuesReference
from osprey.api.sections import chart_sections
from osprey.api.spec import ControlPlaneSpec
from osprey.catalog.values.merge import deep_merge, nested, plain
from osprey.kube import Kube, resource

# Secrets and ConfigMaps with this label wake the control planes of their namespace when they
# change (Flux's `reconcile.fluxcd.io/watch` in spirit); others are read at the next pass.
WATCH_LABEL = "osprey.dev/watch"

Source = tuple[str, str]  # (kind, name): ("Secret", "ceph-keys")
SourceData = Mapping[Source, Mapping[str, str] | None]  # decoded data; None: not found


class ValuesFromError(Exception):
    """References that cannot be resolved: (field path, message) pairs, one line each."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        self.errors = errors
        super().__init__("\n".join(f"{f}: {m}" for f, m in errors))


@dataclass(frozen=True)
class Layer:
    """The values one reference contributes."""

    field: str  # spec.services.glance.valuesFrom[0]
    chart: str
    values: dict[str, Any]
    secret: bool  # taken from a Secret


@dataclass(frozen=True)
class ResolvedValues:
    layers: tuple[Layer, ...] = ()
    charts: Mapping[str, dict[str, Any]] = field(default_factory=dict)

    def secret_paths(self, chart: str) -> tuple[tuple[str, ...], ...]:
        """Every values path of the chart that holds something taken from a Secret."""
        return tuple(p for layer in self.layers if layer.secret and layer.chart == chart
                     for p in leaf_paths(layer.values))

    @property
    def secret_strings(self) -> frozenset[str]:
        """Every scalar taken from a Secret, as text (what must never be written anywhere)."""
        return frozenset(str(v) for layer in self.layers if layer.secret
                         for v in leaves(layer.values) if v is not None and v != "")


def _source(ref: ValuesReference) -> tuple[Source, str, str]:
    """((kind, name), key, field suffix) of a reference."""
    if ref.secretKeyRef is not None:
        return ("Secret", ref.secretKeyRef.name), ref.secretKeyRef.key, "secretKeyRef"
    assert ref.configMapKeyRef is not None  # the model holds exactly one
    return ("ConfigMap", ref.configMapKeyRef.name), ref.configMapKeyRef.key, "configMapKeyRef"


def references(spec: ControlPlaneSpec, charts: Iterable[str]) -> list[tuple[str, str, ValuesReference]]:
    """(field, chart, reference) of every valuesFrom entry of the given charts."""
    wanted = set(charts)
    return [(f"{section.field}.valuesFrom[{i}]", section.chart, ref)
            for section in chart_sections(spec) if section.chart in wanted
            for i, ref in enumerate(section.settings.valuesFrom)]


def sources(spec: ControlPlaneSpec, charts: Iterable[str]) -> set[Source]:
    return {_source(ref)[0] for _, _, ref in references(spec, charts)}


def resolve(spec: ControlPlaneSpec, charts: Iterable[str], data: SourceData, *,
            absent_ok: bool = False) -> ResolvedValues:
    """The values the references of `charts` contribute, or every problem naming its field.

    `absent_ok`: a source missing from `data` altogether is skipped (`osprey render` of a
    file that does not hold it); one that is known not to exist (None) is still an error.
    """
    layers: list[Layer] = []
    errors: list[tuple[str, str]] = []
    for where, chart, ref in references(spec, charts):
        (kind, name), key, ref_field = _source(ref)
        if absent_ok and (kind, name) not in data:
            continue
        found = data.get((kind, name))
        if found is None or key not in found:
            if not ref.optional:
                missing = (f"{kind} {name!r} not found in the control plane's namespace"
                           if found is None else f"{kind} {name!r} has no key {key!r}")
                errors.append((f"{where}.{ref_field}", missing + " (or set optional: true)"))
            continue
        content = found[key]
        if ref.path is not None:
            values = nested(ref.path, content)
        else:
            try:
                parsed = yaml.safe_load(content)
            except yaml.YAMLError as exc:
                errors.append((f"{where}.{ref_field}", (f"{kind} {name!r} key {key!r} is not "
                               f"YAML values ({type(exc).__name__}); set path to use it as "
                               "a string")))
                continue
            if parsed is None:
                parsed = {}
            if not isinstance(parsed, dict):
                errors.append((f"{where}.{ref_field}", (f"{kind} {name!r} key {key!r} holds a "
                               f"{type(parsed).__name__}, expected a mapping of values; set "
                               "path to use it as a string")))
                continue
            try:
                values = plain(parsed, f"{kind} {name!r} key {key!r}")
            except TypeError as exc:
                errors.append((f"{where}.{ref_field}", str(exc)))
                continue
        layers.append(Layer(where, chart, values, secret=kind == "Secret"))
    if errors:
        raise ValuesFromError(errors)
    merged: dict[str, dict[str, Any]] = {}
    for layer in layers:
        merged[layer.chart] = deep_merge(merged.get(layer.chart, {}), layer.values)
    return ResolvedValues(tuple(layers), merged)


def leaves(values: Any) -> Iterable[Any]:
    if isinstance(values, Mapping):
        for v in values.values():
            yield from leaves(v)
    elif isinstance(values, list):
        for v in values:
            yield from leaves(v)
    else:
        yield values


def leaf_paths(values: Mapping[str, Any], prefix: tuple[str, ...] = ()) -> Iterable[tuple[str, ...]]:
    """Paths of the mapping's non-mapping values (a list counts as one value)."""
    for key, value in values.items():
        if isinstance(value, Mapping) and value:
            yield from leaf_paths(value, (*prefix, key))
        else:
            yield (*prefix, key)


def decode_data(obj: Mapping[str, Any]) -> dict[str, str] | None:
    """A Secret's or ConfigMap's data as text; None for a key that is not UTF-8 text."""
    if obj.get("kind") == "Secret":
        out: dict[str, str] = {}
        for key, value in (obj.get("data") or {}).items():
            try:
                out[key] = base64.b64decode(value, validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                continue  # binary data cannot be chart values: reported as a missing key
        return out
    return dict(obj.get("data") or {})


async def read_sources(kube: Kube, namespace: str, wanted: Iterable[Source]) -> dict[Source, Mapping[str, str] | None]:
    """Fetch the referenced Secrets and ConfigMaps (one GET each)."""
    data: dict[Source, Mapping[str, str] | None] = {}
    for kind, name in sorted(wanted):
        obj = await kube.get(resource(kind), namespace, name)
        data[(kind, name)] = None if obj is None else decode_data({"kind": kind, **obj})
    return data
