"""The command line: render offline with secrets masked, print the CRD; a user's mistake is one
line and status 2."""

import base64
import json
import logging
import socket
from pathlib import Path

import pytest
import yaml

from osprey import catalog
from osprey.api import validate_spec
from osprey.cli import main
from osprey.plan import PlanError, plan
from tests.fixtures.chartrepo import FIXTURE_CHARTS

ROOT = Path(__file__).resolve().parents[2]
HELM = str(ROOT / "bin" / "helm")


def test_render_prints_the_ordered_plan_with_every_credential_masked(capsys):
    assert main(["render", str(ROOT / "deploy/samples/compute-kit.yaml"), "-o", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    names = [r["name"] for r in out["releases"]]
    assert names.index("mariadb") < names.index("keystone") < names.index("nova")
    keystone = next(r for r in out["releases"] if r["name"] == "keystone")
    admin = keystone["values"]["endpoints"]["identity"]["auth"]["admin"]["password"]
    assert admin == "********"


def test_render_masks_values_from_secrets_of_the_file_and_keys_that_look_secret(tmp_path, capsys):
    ceph_key = "AQBx8k5lAAAAABAAwE3UQ6tq8pQ2tq6m8Ayb7w=="
    plane = tmp_path / "plane.yaml"
    plane.write_text(yaml.safe_dump_all([
        {"apiVersion": "osprey.dev/v1alpha1", "kind": "OpenStackControlPlane",
         "metadata": {"name": "x"}, "spec": {"services": {"glance": {
             "values": {"conf": {"glance": {"database": {"connection_token": "plain"}}}},
             "valuesFrom": [
                 {"secretKeyRef": {"name": "ceph", "key": "key"}, "path": "conf.ceph.monitors"},
                 {"configMapKeyRef": {"name": "tuning", "key": "values.yaml"}},
                 {"secretKeyRef": {"name": "not-in-the-file", "key": "k"}, "path": "x"}]}}}},
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "ceph"},
         "data": {"key": base64.b64encode(ceph_key.encode()).decode()}},
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "tuning"},
         "data": {"values.yaml": "pod: {replicas: {api: 3}}"}},
    ]))

    code, out, err = run_cli(["render", str(plane), "-o", "json"], capsys)

    assert code == 0, err
    assert ceph_key not in out
    glance = next(r for r in json.loads(out)["releases"] if r["name"] == "glance")
    assert glance["values"]["conf"]["ceph"]["monitors"] == "********"
    assert glance["values"]["conf"]["glance"]["database"]["connection_token"] == "********"
    assert glance["values"]["pod"]["replicas"]["api"] == 3
    assert "x" not in glance["values"]


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


def run_cli(argv: list[str], capsys) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_help_lists_each_command_on_one_line_with_the_defaults_of_run(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    listed = {line.split()[0]: line for line in out.splitlines() if line.startswith("  ")
              and line.split()[0] in ("run", "render", "crd", "version")}
    assert set(listed) == {"run", "render", "crd", "version"}
    assert ":9090" in listed["run"] and ":8080" in listed["run"]


def test_run_help_states_the_default_of_every_option(capsys):
    with pytest.raises(SystemExit):
        main(["run", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    for default in ("every namespace", "$KUBECONFIG", "(default: helm", "(default: 20m)",
                    "(default: 8)", "(default: 300.0)", "(default: 9090)", "(default: 8080)",
                    "(default: info)", "(default: logfmt)", "(default: off)"):
        assert default in out


def test_render_of_a_missing_file_is_one_line_and_status_2(capsys):
    code, out, err = run_cli(["render", "/nonexistent/cloud.yaml"], capsys)
    assert code == 2
    assert err == "osprey render: /nonexistent/cloud.yaml: No such file or directory\n"
    assert out == ""


def test_render_of_a_file_that_is_not_yaml_is_one_line_and_status_2(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("spec: {services: [\n")
    code, _, err = run_cli(["render", str(bad)], capsys)
    assert code == 2
    assert err.startswith(f"osprey render: {bad}: not YAML: ") and err.count("\n") == 1


def test_render_of_a_spec_that_cannot_be_planned_is_one_line_and_status_2(tmp_path, capsys):
    spec = tmp_path / "cloud.yaml"
    spec.write_text(yaml.safe_dump({
        "apiVersion": "osprey.dev/v1alpha1", "kind": "OpenStackControlPlane",
        "metadata": {"name": "openstack"},
        "spec": {"charts": {"repository": str(FIXTURE_CHARTS), "versions": {"memcached": "9.9.9"}}},
    }))
    code, out, err = run_cli(["render", str(spec)], capsys)
    assert code == 2 and out == ""
    assert err == (f"osprey render: {spec}: spec.charts.versions.memcached: 9.9.9 is pinned, "
                   f"but {FIXTURE_CHARTS}/memcached holds version 2025.1.0\n")


def test_troubleshooting_quotes_the_invalid_spec_message_the_operator_writes(tmp_path):
    spec = validate_spec({"charts": {"repository": str(tmp_path / "charts"),
                                     "versions": {"memcached": "2025.1.9"}}})
    for entry in catalog.enabled_entries(spec):
        (tmp_path / "charts" / entry.name).mkdir(parents=True)
        (tmp_path / "charts" / entry.name / "Chart.yaml").write_text(
            f"apiVersion: v2\nname: {entry.name}\nversion: 2025.1.7\n")
    with pytest.raises(PlanError) as caught:
        plan(spec, "openstack", {k: "x" for k in catalog.credential_keys(spec)})
    quoted = str(caught.value).replace(str(tmp_path), "")
    assert quoted in (ROOT / "docs/troubleshooting.md").read_text()


@pytest.fixture
def listening_port():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield server.getsockname()[1]


@pytest.mark.parametrize("flag", ["--metrics-port", "--liveness-port"])
def test_run_on_a_port_in_use_is_one_line_and_status_2(flag, listening_port, capsys):
    other = "--liveness-port" if flag == "--metrics-port" else "--metrics-port"
    code, out, err = run_cli(["run", flag, str(listening_port), other, "0",
                              "--helm", HELM], capsys)
    assert code == 2 and out == ""
    assert err == f"osprey run: port {listening_port} in use (set {flag})\n"


def test_run_without_helm_is_one_line_and_status_2(capsys):
    code, _, err = run_cli(["run", "--metrics-port", "0", "--liveness-port", "0",
                            "--helm", "/nonexistent/helm"], capsys)
    assert code == 2
    assert err == ("osprey run: helm binary '/nonexistent/helm' not found "
                   "(set --helm, or put helm 4 on PATH)\n")


def test_run_without_a_kubeconfig_is_one_line_and_status_2(tmp_path, capsys):
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        code, _, err = run_cli(["run", "--metrics-port", "0", "--liveness-port", "0",
                                "--helm", HELM, "--kubeconfig", str(tmp_path / "none")], capsys)
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    assert code == 2
    assert err.startswith("osprey run: no cluster to talk to: ") and err.count("\n") == 1
    assert err.rstrip().endswith("(set --kubeconfig or KUBECONFIG)")


@pytest.mark.parametrize("driver", ["configmap", "sql", "memory"])
def test_run_with_a_helm_driver_other_than_secret_is_refused(driver, monkeypatch, capsys):
    monkeypatch.setenv("HELM_DRIVER", driver)
    code, out, err = run_cli(["run", "--metrics-port", "0", "--liveness-port", "0",
                              "--helm", HELM], capsys)
    assert code == 2 and out == ""
    assert err == (f"osprey run: HELM_DRIVER={driver} is not supported: Osprey reads Helm's "
                   "release records from its storage Secrets; unset HELM_DRIVER or set it to "
                   "secret\n")


@pytest.mark.parametrize("driver", ["secret", "secrets", ""])
def test_run_accepts_helms_names_of_the_secret_driver(driver, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("HELM_DRIVER", driver)
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        code, _, err = run_cli(["run", "--metrics-port", "0", "--liveness-port", "0",
                                "--helm", HELM, "--kubeconfig", str(tmp_path / "none")], capsys)
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
    assert code == 2  # past the driver check: stopped at the missing kubeconfig
    assert err.startswith("osprey run: no cluster to talk to: ")


def test_render_upgrade_from_prints_the_steps_in_order(tmp_path, capsys):
    resource = yaml.safe_load((ROOT / "deploy/samples/minimal.yaml").read_text())
    resource["spec"]["openstackRelease"] = "2025.2"
    path = tmp_path / "cp.yaml"
    path.write_text(yaml.safe_dump(resource))
    assert main(["render", "--upgrade-from", "2025.1", str(path), "-o", "json"]) == 0
    upgrade = json.loads(capsys.readouterr().out)["upgrade"]
    assert (upgrade["from"], upgrade["to"]) == ("2025.1", "2025.2")
    steps = [s["step"] for s in upgrade["steps"]]
    assert steps.index("keystone") < steps.index("glance") < steps.index("neutron")
    assert steps[-3:] == ["nova", "libvirt", "nova-compute"]
    nova = next(s for s in upgrade["steps"] if s["step"] == "nova")
    assert nova["jobsReplaced"] == ["nova-bootstrap", "nova-cell-setup"]
    assert set(nova["heldAtOldRelease"]) == {"nova_compute", "nova_compute_ssh"}


def test_render_upgrade_from_refuses_a_skip_naming_the_field(tmp_path, capsys):
    resource = yaml.safe_load((ROOT / "deploy/samples/minimal.yaml").read_text())
    resource["spec"]["openstackRelease"] = "2026.1"
    path = tmp_path / "cp.yaml"
    path.write_text(yaml.safe_dump(resource))
    assert main(["render", "--upgrade-from", "2025.1", str(path)]) == 2
    assert "spec.openstackRelease" in capsys.readouterr().err
def test_run_with_a_shard_outside_its_count_is_one_line_and_status_2(capsys):
    code, _, err = run_cli(["run", "--metrics-port", "0", "--liveness-port", "0",
                            "--helm", HELM, "--shard", "2/2"], capsys)
    assert code == 2
    assert err == ("osprey run: --shard: shard must be N/M with 0 <= N < M (e.g. 0/2), "
                   "got '2/2'\n")


def test_run_with_a_lease_a_standby_could_take_while_the_leader_acts_is_status_2(capsys):
    code, _, err = run_cli(["run", "--metrics-port", "0", "--liveness-port", "0",
                            "--helm", HELM, "--leader-elect", "--lease-duration", "8"], capsys)
    assert code == 2
    assert err == ("osprey run: lease duration (8s) must be greater than the renew deadline "
                   "(10s)\n")


@pytest.mark.parametrize("value", ["-1", "soon", "nan"])
def test_a_pass_interval_that_is_not_seconds_is_refused_naming_the_flag(value, capsys):
    with pytest.raises(SystemExit) as exited:  # argparse's usage error
        main(["run", "--pass-interval-seconds", value])
    err = capsys.readouterr().err
    assert exited.value.code == 2
    assert ("argument --pass-interval-seconds: expected a number of seconds >= 0, "
            f"got '{value}'") in err
