"""OSH_CHARTS packaging: a repository of OpenStack-Helm-shaped charts becomes a chart repository
versioned like the published tarballs. The charts here are tiny stand-ins made by the test."""

from __future__ import annotations

import os
import subprocess
import tarfile
from pathlib import Path

import pytest
import yaml

from tests.fixtures.chartrepo import HELM, ChartRepository
from tests.fixtures.oshcharts import (
    TOOLKIT,
    OshCharts,
    OshChartsError,
    catalog_charts,
    osh_charts,
    release_tags,
)

PINS = release_tags()


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True,
                          check=True).stdout.strip()


def write_charts(root: Path, version: str) -> None:
    """helm-toolkit and every catalog chart, each depending on helm-toolkit as OSH's do."""
    (root / TOOLKIT / "templates").mkdir(parents=True, exist_ok=True)
    (root / TOOLKIT / "Chart.yaml").write_text(yaml.safe_dump(
        {"apiVersion": "v2", "name": TOOLKIT, "version": version, "type": "library"}))
    (root / TOOLKIT / "templates" / "_names.tpl").write_text(
        '{{- define "toolkit.name" -}}{{ .Chart.Name }}{{- end -}}\n')
    for chart in catalog_charts():
        (root / chart / "templates").mkdir(parents=True, exist_ok=True)
        (root / chart / "Chart.yaml").write_text(yaml.safe_dump({
            "apiVersion": "v2", "name": chart, "version": version,
            "dependencies": [{"name": TOOLKIT, "repository": f"file://../{TOOLKIT}",
                              "version": ">= 0.1.0"}]}))
        (root / chart / "templates" / "configmap.yaml").write_text(
            'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ include "toolkit.name" . }}\n')


@pytest.fixture(scope="module")
def tagged(tmp_path_factory) -> Path:
    """A git repository with one commit tagged per pinned version, then a later commit."""
    repo = tmp_path_factory.mktemp("osh")
    git(repo, "init", "-q")
    for pin in [*PINS, "2099.1.0"]:
        write_charts(repo, pin)
        git(repo, "add", "-A")
        git(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", pin)
        if pin in PINS:
            git(repo, "tag", pin)
    return repo


@pytest.fixture(scope="module")
def packaged(tagged, tmp_path_factory) -> tuple[OshCharts, Path]:
    cache = tmp_path_factory.mktemp("cache")
    return osh_charts(tagged, cache=cache), cache


def chart_meta(tarball: Path, member: str) -> dict:
    with tarfile.open(tarball) as tar:
        return yaml.safe_load(tar.extractfile(member).read())


def test_each_pin_is_packaged_from_its_tag_versioned_with_the_tags_commit(tagged, packaged):
    charts, _ = packaged
    for pin in PINS:
        commit = git(tagged, "rev-parse", "--short=9", f"{pin}^{{commit}}")
        assert charts.versions[pin] == f"{pin}+{commit}"
        tarball = charts.repository / f"nova-{pin}+{commit}.tgz"
        assert chart_meta(tarball, "nova/Chart.yaml")["version"] == f"{pin}+{commit}"
        assert chart_meta(tarball, f"nova/charts/{TOOLKIT}/Chart.yaml")["version"] == pin
    index = yaml.safe_load((charts.repository / "index.yaml").read_text())
    assert set(index["entries"]) == set(catalog_charts())
    assert {e["version"] for e in index["entries"]["keystone"]} == set(charts.versions.values())


def test_helm_resolves_a_pinned_version_to_the_build_with_metadata(packaged, tmp_path):
    charts, _ = packaged
    homes = {f"HELM_{k}_HOME": str(tmp_path / k.lower()) for k in ("CACHE", "CONFIG", "DATA")}
    with ChartRepository(charts.repository) as repo:
        shown = subprocess.run(
            [str(HELM), "show", "chart", "nova", "--repo", repo.url, "--version", PINS[0]],
            capture_output=True, text=True, check=True, env=os.environ | homes)
    assert yaml.safe_load(shown.stdout)["version"] == charts.versions[PINS[0]]


def test_a_second_call_serves_the_cached_repository(tagged, packaged):
    first, cache = packaged
    stamp = (first.repository / "index.yaml").stat().st_mtime_ns
    again = osh_charts(tagged, cache=cache)
    assert again.repository == first.repository
    assert (again.repository / "index.yaml").stat().st_mtime_ns == stamp


def test_a_checkout_without_the_tags_packages_its_own_charts_at_every_pin(tmp_path):
    checkout = tmp_path / "checkout"
    write_charts(checkout, "2099.1.0")
    charts = osh_charts(checkout, cache=tmp_path / "cache")
    for pin in PINS:
        version = charts.versions[pin]
        assert version.startswith(f"{pin}+local")
        assert (charts.repository / f"glance-{version}.tgz").is_file()
        local = yaml.safe_load((charts.local(pin) / "glance" / "Chart.yaml").read_text())
        assert local["version"] == pin
        assert (charts.local(pin) / "glance" / "charts" / TOOLKIT / "Chart.yaml").is_file()


def test_a_directory_with_neither_tags_nor_charts_is_refused_naming_what_is_missing(tmp_path):
    (tmp_path / "nova").mkdir()
    with pytest.raises(OshChartsError, match="missing helm-toolkit, mariadb"):
        osh_charts(tmp_path, cache=tmp_path / "cache")
