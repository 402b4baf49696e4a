"""Release catalogs: what an OpenStack release means in chart versions and image tags.

OpenStack-Helm charts default to images of an older release, so the image tags of the
requested release are always rendered explicitly. The data lives in `releases/<release>.yaml`
(package data) so a new release is a new file, not new code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
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
    images = {
        chart: MappingProxyType({str(k): str(v) for k, v in (tags or {}).items()})
        for chart, tags in (data.get("images") or {}).items()
    }
    return ReleaseCatalog(
        openstack_release=release,
        chart_versions=MappingProxyType({str(k): str(v) for k, v in data["chartVersions"].items()}),
        images=MappingProxyType(images),
    )
