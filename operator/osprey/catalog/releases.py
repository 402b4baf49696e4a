"""Release catalogs: what an OpenStack release means in chart versions and image tags.

OpenStack-Helm charts default to images of an older release, so the image tags of the
requested release are always rendered explicitly. The data lives in `releases/<release>.yaml`
(package data) so a new release is a new file, not new code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from types import MappingProxyType

import yaml


class UnknownReleaseError(LookupError):
    """No release catalog exists for the requested OpenStack release."""


@dataclass(frozen=True)
class ReleaseCatalog:
    """Chart versions and OpenStack-Helm `images.tags` of one OpenStack release."""

    openstack_release: str
    chart_versions: Mapping[str, str]
    images: Mapping[str, Mapping[str, str]]
    # The charts' own default images the release does not pin (helm-toolkit's dep_check,
    # image_repo_sync, ...): a registry mirror must serve them too.
    chart_defaults: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def chart_version(self, chart: str) -> str:
        """The pinned version of `chart`; a missing pin is a catalog bug, so it says which."""
        try:
            return self.chart_versions[chart]
        except KeyError:
            raise UnknownReleaseError(
                f"release catalog {self.openstack_release} pins no version of chart {chart!r}"
            ) from None

    def image_tags(self, chart: str) -> dict[str, str]:
        """A fresh copy of the chart's `images.tags` (empty: keep the chart's defaults)."""
        return dict(self.images.get(chart, {}))

    def chart_images(self, chart: str) -> dict[str, str]:
        """Every image of the chart: its defaults, then the release's `images.tags`."""
        return {**self.chart_defaults.get(chart, {}), **self.images.get(chart, {})}


def available_releases() -> list[str]:
    """The OpenStack releases that have a catalog file, sorted."""
    folder = resources.files("osprey.catalog").joinpath("releases")
    return sorted(
        entry.name.removesuffix(".yaml")
        for entry in folder.iterdir()
        if entry.name.endswith(".yaml")
    )


@cache
def load_release_catalog(openstack_release: str) -> ReleaseCatalog:
    """Load `releases/<openstack_release>.yaml`; cached because it never changes at runtime."""
    release = str(getattr(openstack_release, "value", openstack_release))
    path = resources.files("osprey.catalog").joinpath("releases", f"{release}.yaml")
    if not path.is_file():
        raise UnknownReleaseError(
            f"no release catalog for openstackRelease {release!r}; "
            f"known releases: {', '.join(available_releases())}"
        )
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if str(data.get("openstackRelease")) != release:
        raise UnknownReleaseError(
            f"releases/{release}.yaml declares openstackRelease "
            f"{data.get('openstackRelease')!r}, expected {release!r}"
        )
    images = _images(data.get("images"))
    return ReleaseCatalog(
        openstack_release=release,
        chart_versions=MappingProxyType({str(k): str(v) for k, v in data["chartVersions"].items()}),
        images=MappingProxyType(images),
        chart_defaults=MappingProxyType(_images(data.get("chartImages"))),
    )


def _images(section: Mapping[str, Mapping[str, str] | None] | None) -> dict:
    return {
        chart: MappingProxyType({str(k): str(v) for k, v in (tags or {}).items()})
        for chart, tags in (section or {}).items()
    }
