"""The example Argo CD Applications (deploy/argocd/application.yaml) install Osprey and its CRD
before the control plane that needs them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
APPLICATIONS = ROOT / "deploy" / "argocd" / "application.yaml"


@pytest.fixture(scope="module")
def apps() -> dict[str, dict[str, Any]]:
    docs = [d for d in yaml.safe_load_all(APPLICATIONS.read_text()) if d]
    assert all(d["kind"] == "Application" for d in docs)
    return {d["metadata"]["name"]: d for d in docs}


def wave(app: dict[str, Any]) -> int:
    return int(app["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"])


def test_operator_syncs_in_an_earlier_wave_than_the_control_plane(
    apps: dict[str, dict[str, Any]],
) -> None:
    assert wave(apps["osprey"]) < wave(apps["openstack"])


def test_operator_application_installs_the_chart_of_this_repository(
    apps: dict[str, dict[str, Any]],
) -> None:
    path = apps["osprey"]["spec"]["source"]["path"]
    assert (ROOT / path / "Chart.yaml").exists()
    assert "ServerSideApply=true" in apps["osprey"]["spec"]["syncPolicy"]["syncOptions"]


def test_control_plane_application_skips_dry_run_while_the_crd_is_missing(
    apps: dict[str, dict[str, Any]],
) -> None:
    options = apps["openstack"]["spec"]["syncPolicy"]["syncOptions"]
    assert "SkipDryRunOnMissingResource=true" in options


def test_control_plane_is_never_pruned_automatically(apps: dict[str, dict[str, Any]]) -> None:
    assert apps["openstack"]["spec"]["syncPolicy"]["automated"]["prune"] is False


def test_control_plane_application_points_at_an_existing_sample(
    apps: dict[str, dict[str, Any]],
) -> None:
    source = apps["openstack"]["spec"]["source"]
    sample = ROOT / source["path"] / source["directory"]["include"]
    if not any((ROOT / source["path"]).glob("*.yaml")):
        pytest.skip("deploy/samples has no samples yet")
    assert sample.exists(), f"{sample.relative_to(ROOT)} does not exist"

