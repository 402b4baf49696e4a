"""Release catalogs: chart versions and image tags per OpenStack release."""

from __future__ import annotations

import pytest

from osprey.api.spec import OpenStackRelease
from osprey.catalog import CATALOG, UnknownReleaseError, available_releases, load_release_catalog


def test_every_api_release_has_a_catalog() -> None:
    assert set(available_releases()) >= {release.value for release in OpenStackRelease}


@pytest.mark.parametrize("release", [r.value for r in OpenStackRelease])
def test_every_chart_is_pinned(release: str) -> None:
    catalog = load_release_catalog(release)
    assert {item.name for item in CATALOG} <= set(catalog.chart_versions)


@pytest.mark.parametrize("release", [r.value for r in OpenStackRelease])
def test_openstack_images_carry_the_release_tag(release: str) -> None:
    catalog = load_release_catalog(release)
    assert (
        catalog.image_tags("nova")["nova_api"] == f"quay.io/airshipit/nova:{release}-ubuntu_noble"
    )
    assert catalog.image_tags("keystone")["keystone_api"].endswith(f":{release}-ubuntu_noble")


def test_release_enum_is_accepted_as_the_name() -> None:
    assert load_release_catalog(OpenStackRelease.r2025_2).openstack_release == "2025.2"


def test_unknown_release_lists_the_known_ones() -> None:
    with pytest.raises(UnknownReleaseError, match="2025.1"):
        load_release_catalog("1999.1")


def test_image_tags_are_a_copy() -> None:
    catalog = load_release_catalog("2025.1")
    catalog.image_tags("nova")["nova_api"] = "mutated"
    assert catalog.image_tags("nova")["nova_api"] != "mutated"
