"""Chart versions compared as Helm compares them, and pins of a release line or a version."""

import pytest

from osprey.versions import Version, VersionPin


def test_build_metadata_takes_no_part_in_equality():
    assert Version.parse("2025.1.0+0ee5adeff") == Version.parse("2025.1.0")
    assert Version.parse("2025.1.0+0ee5adeff") == Version.parse("2025.1.0+1234567")


def test_versions_order_by_semver_precedence():
    ordered = ["2025.1.0-rc.1", "2025.1.0", "2025.1.3+abc", "2025.1.10", "2025.2.0"]
    assert sorted(map(Version.parse, reversed(ordered))) == list(map(Version.parse, ordered))
    assert Version.parse("1.0.0-alpha.2") < Version.parse("1.0.0-alpha.10")
    assert Version.parse("1.0.0-alpha.10") < Version.parse("1.0.0-beta")


def test_a_version_prints_as_written():
    assert str(Version.parse("2025.1.3+0ee5adeff")) == "2025.1.3+0ee5adeff"


def test_a_release_line_asks_helm_for_its_newest_patch():
    pin = VersionPin.parse("2025.1")
    assert pin.helm_version() == "~2025.1.0"
    assert pin.series == (2025, 1)


def test_any_patch_of_the_line_satisfies_a_line_pin():
    pin = VersionPin.parse("2025.1")
    assert pin.admits("2025.1.0+0ee5adeff")
    assert pin.admits("2025.1.7+1234567")
    assert not pin.admits("2025.2.0+0ee5adeff")
    assert not pin.admits("2025.1.1-rc.1"), "helm's ~ excludes pre-releases"
    assert not pin.admits("not-a-version")


def test_an_exact_pin_stays_exact_and_ignores_build_metadata():
    pin = VersionPin.parse("2025.1.3")
    assert pin.helm_version() == "2025.1.3"
    assert pin.admits("2025.1.3+0ee5adeff")
    assert not pin.admits("2025.1.4+0ee5adeff")
    assert VersionPin.parse("2025.1.3+abc").admits("2025.1.3+def")


@pytest.mark.parametrize("text", ["~2025.1.0", "2025", "2025.1.x", ">=2025.1.0", "latest", ""])
def test_anything_else_is_refused_saying_what_is_expected(text):
    with pytest.raises(ValueError, match=r"release line \(<year>.<number>"):
        VersionPin.parse(text)
