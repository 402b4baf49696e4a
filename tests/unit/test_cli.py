"""The command line: render offline with secrets masked, print the CRD."""

import json
from pathlib import Path

from osprey.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_render_prints_the_ordered_plan_with_every_credential_masked(capsys):
    assert main(["render", str(ROOT / "deploy/samples/compute-kit.yaml"), "-o", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    names = [r["name"] for r in out["releases"]]
    assert names.index("mariadb") < names.index("keystone") < names.index("nova")
    keystone = next(r for r in out["releases"] if r["name"] == "keystone")
    admin = keystone["values"]["endpoints"]["identity"]["auth"]["admin"]["password"]
    assert admin == "********"


def test_render_rejects_an_invalid_spec_naming_the_field(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: osprey.dev/v1alpha1\nkind: OpenStackControlPlane\n"
                   "metadata: {name: x}\nspec: {services: {nova: {replicas: {api: -1}}}}\n")
    assert main(["render", str(bad)]) == 2
    assert "spec.services.nova.replicas.api" in capsys.readouterr().err


def test_render_rejects_a_name_too_long_for_its_label(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: osprey.dev/v1alpha1\nkind: OpenStackControlPlane\n"
                   f"metadata: {{name: {'a' * 64}}}\nspec: {{}}\n")
    assert main(["render", str(bad)]) == 2
    assert "metadata.name: must be no more than 63 characters" in capsys.readouterr().err


def test_render_rejects_a_resource_without_spec(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: osprey.dev/v1alpha1\nkind: OpenStackControlPlane\n"
                   "metadata: {name: x}\n")
    assert main(["render", str(bad)]) == 2
    assert "spec: required field is missing" in capsys.readouterr().err


def test_crd_prints_the_checked_in_crd(capsys):
    assert main(["crd"]) == 0
    assert capsys.readouterr().out == (ROOT / "crds/osprey.dev_openstackcontrolplanes.yaml").read_text()
