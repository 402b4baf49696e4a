"""Every manifest we ship is valid Kubernetes: the chart's renders, the kustomize base (which is
the chart's default render, never a hand-kept copy) and the samples.

Regenerate deploy/base/osprey.yaml with UPDATE_SNAPSHOTS=1.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
HELM = ROOT / "bin" / "helm"
KUBECTL = ROOT / "bin" / "kubectl"
CHART = ROOT / "charts" / "osprey"
BASE = ROOT / "deploy" / "base"
BASE_RENDER = BASE / "osprey.yaml"
SAMPLES = ROOT / "deploy" / "samples"
CRD_SOURCE = ROOT / "crds" / "osprey.dev_openstackcontrolplanes.yaml"
UPDATE = os.environ.get("UPDATE_SNAPSHOTS") == "1"
K8S_VERSION = kubernetes_validate.latest_version()

BASE_HEADER = """\
# Generated from charts/osprey with its default values (helm template osprey charts/osprey
# --namespace osprey-system). Do not edit: change the chart, then regenerate with
# `UPDATE_SNAPSHOTS=1 pytest tests/unit/test_manifests.py`.
"""

FULL_VALUES = [
    "--set", "watchNamespaces={openstack,cloud-b}",
    "--set", "serviceMonitor.enabled=true",
    "--set", "prometheusRule.enabled=true",
    "--set", "shards=2",
]
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")

needs_crd = pytest.mark.skipif(
    not CRD_SOURCE.exists(),
    reason=f"{CRD_SOURCE.relative_to(ROOT)} is not generated yet (`make crds`)",
)
pytestmark = pytest.mark.skipif(
    not (HELM.exists() and KUBECTL.exists()), reason="bin/helm or bin/kubectl missing"
)


def run(*args: str | Path) -> str:
    result = subprocess.run([str(a) for a in args], capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"{' '.join(map(str, args))}: {result.stderr}"
    return result.stdout


def helm_render(*values: str) -> str:
    return run(HELM, "template", "osprey", CHART, "--namespace", "osprey-system", *values)


def documents(text: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(text) if d]


def assert_well_formed(doc: dict[str, Any]) -> None:
    """An object any API server would parse: apiVersion, kind and a valid name."""
    assert isinstance(doc.get("apiVersion"), str) and doc["apiVersion"], doc
    assert isinstance(doc.get("kind"), str) and doc["kind"][:1].isupper(), doc
    name = doc.get("metadata", {}).get("name", "")
    assert DNS_LABEL.match(name) or re.match(r"^[a-z0-9.-]+$", name), f"bad name {name!r}"


def assert_valid(docs: list[dict[str, Any]]) -> list[str]:
    """Validate against the Kubernetes schemas; returns the kinds without a built-in schema."""
    unknown = []
    for doc in docs:
        assert_well_formed(doc)
        try:
            kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
        except kubernetes_validate.SchemaNotFoundError:
            unknown.append(doc["kind"])
        except kubernetes_validate.ValidationError as error:
            pytest.fail(f"{doc['kind']} {doc['metadata']['name']}: {error.message}")
    return unknown


# --- the chart -----------------------------------------------------------------------------


@needs_crd
def test_default_chart_render_is_valid_kubernetes() -> None:
    assert assert_valid(documents(helm_render())) == []


@needs_crd
def test_full_chart_render_is_valid_kubernetes() -> None:
    unknown = assert_valid(documents(helm_render(*FULL_VALUES)))
    # prometheus-operator kinds have no built-in schema; well-formed only.
    assert set(unknown) == {"ServiceMonitor", "PrometheusRule"}


# --- the kustomize base --------------------------------------------------------------------


@needs_crd
def test_kustomize_base_is_the_charts_default_render() -> None:
    text = BASE_HEADER + helm_render()
    if UPDATE:
        BASE_RENDER.write_text(text)
    assert BASE_RENDER.read_text() == text, (
        "deploy/base/osprey.yaml drifted from the chart: rerun with UPDATE_SNAPSHOTS=1"
    )


@pytest.fixture(scope="module")
def kustomized() -> list[dict[str, Any]]:
    if not BASE_RENDER.exists():
        pytest.skip("deploy/base/osprey.yaml is not generated yet")
    return documents(run(KUBECTL, "kustomize", BASE))


def test_kustomize_output_is_valid_kubernetes(kustomized: list[dict[str, Any]]) -> None:
    assert assert_valid(kustomized) == []


def test_kustomize_output_holds_the_operator_and_its_crd(kustomized: list[dict[str, Any]]) -> None:
    kinds = sorted(d["kind"] for d in kustomized)
    assert kinds == sorted([
        "Namespace", "CustomResourceDefinition", "ServiceAccount", "ClusterRole", "ClusterRole",
        "ClusterRoleBinding", "Service", "Deployment", "Role", "RoleBinding", "RoleBinding",
        "PodDisruptionBudget",
    ])


def test_kustomize_output_lives_in_the_operator_namespace(
    kustomized: list[dict[str, Any]],
) -> None:
    for doc in kustomized:
        served = doc["kind"] == "RoleBinding" and doc["roleRef"]["kind"] == "ClusterRole"
        if doc["kind"] in ("ServiceAccount", "Service", "Deployment", "Role", "RoleBinding",
                           "PodDisruptionBudget") and not served:
            assert doc["metadata"]["namespace"] == "osprey-system", doc["kind"]
    [binding] = [d for d in kustomized if d["kind"] == "ClusterRoleBinding"]
    assert binding["subjects"][0]["namespace"] == "osprey-system"


def test_kustomize_output_grants_namespaced_rights_only_in_the_served_namespace(
    kustomized: list[dict[str, Any]],
) -> None:
    [binding] = [d for d in kustomized
                 if d["kind"] == "RoleBinding" and d["roleRef"]["kind"] == "ClusterRole"]
    assert binding["metadata"]["namespace"] == "openstack"
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "osprey", "namespace": "osprey-system"}]


def test_kustomize_output_is_labelled_as_managed_by_kustomize(
    kustomized: list[dict[str, Any]],
) -> None:
    deployment = next(d for d in kustomized if d["kind"] == "Deployment")
    assert deployment["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "kustomize"
    assert "app.kubernetes.io/managed-by" not in deployment["spec"]["selector"]["matchLabels"]


# --- samples -------------------------------------------------------------------------------


def sample_files() -> list[Path]:
    return sorted(SAMPLES.glob("*.yaml"))


@pytest.mark.skipif(not sample_files(), reason="no samples in deploy/samples yet")
@pytest.mark.parametrize("path", sample_files(), ids=lambda p: p.name)
def test_sample_is_valid(path: Path) -> None:
    docs = documents(path.read_text())
    assert docs, f"{path.name} holds no object"
    for doc in docs:
        if doc["apiVersion"].startswith("osprey.dev/"):
            # Checked against the CRD's own schema by the CRD tests; here: well-formed only.
            assert_well_formed(doc)
            assert isinstance(doc.get("spec", {}), dict)
        else:
            assert assert_valid([doc]) == [], f"{path.name}: {doc['kind']} has no schema"
