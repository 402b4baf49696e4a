"""The operator's own Helm chart (charts/osprey), rendered with the real helm binary.

Snapshots of the rendered manifests live in tests/unit/snapshots/; regenerate them (and the
chart's copy of the CRD) with UPDATE_SNAPSHOTS=1.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
HELM = ROOT / "bin" / "helm"
CHART = ROOT / "charts" / "osprey"
CRD_SOURCE = ROOT / "crds" / "osprey.dev_openstackcontrolplanes.yaml"
CHART_CRD = CHART / "files" / "crd.yaml"
SNAPSHOTS = Path(__file__).resolve().parent / "snapshots"
UPDATE = os.environ.get("UPDATE_SNAPSHOTS") == "1"

FULL_VALUES = [
    "--set", "watchNamespaces={openstack,cloud-b}",
    "--set", "serviceMonitor.enabled=true",
    "--set", "prometheusRule.enabled=true",
    "--set", "shards=2",
]

pytestmark = [
    pytest.mark.skipif(not HELM.exists(), reason="bin/helm is missing: run `make install`"),
    pytest.mark.skipif(
        not CRD_SOURCE.exists(),
        reason=f"{CRD_SOURCE.relative_to(ROOT)} is not generated yet (`make crds`)",
    ),
]


def helm(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(HELM), *args], capture_output=True, text=True, check=False)


def render_text(*args: str) -> str:
    result = helm("template", "osprey", str(CHART), "--namespace", "osprey-system", *args)
    assert result.returncode == 0, result.stderr
    return result.stdout


def render(*args: str) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(render_text(*args)) if doc]


def find(docs: list[dict[str, Any]], kind: str, name: str | None = None) -> dict[str, Any]:
    matches = [
        d for d in docs if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)
    ]
    assert len(matches) == 1, f"expected one {kind} {name or ''}, found {len(matches)}"
    return matches[0]


def operator_container(docs: list[dict[str, Any]]) -> dict[str, Any]:
    return find(docs, "Deployment")["spec"]["template"]["spec"]["containers"][0]


def without_crds(text: str) -> str:
    """The render minus the CRD, which has its own equality test and changes with the models."""
    kept = [d for d in text.split("\n---\n") if "kind: CustomResourceDefinition" not in d]
    return "\n---\n".join(kept)


# --- the CRD -------------------------------------------------------------------------------


def test_chart_crd_is_a_byte_for_byte_copy_of_the_generated_crd() -> None:
    if UPDATE:
        shutil.copyfile(CRD_SOURCE, CHART_CRD)
    assert CHART_CRD.read_bytes() == CRD_SOURCE.read_bytes(), (
        "charts/osprey/files/crd.yaml differs from crds/: run UPDATE_SNAPSHOTS=1 pytest "
        "tests/unit/test_chart.py"
    )


def test_rendered_crd_is_the_generated_crd_plus_chart_metadata() -> None:
    rendered = find(render(), "CustomResourceDefinition")
    source = yaml.safe_load(CRD_SOURCE.read_text())
    assert rendered["spec"] == source["spec"]
    assert rendered["metadata"]["name"] == source["metadata"]["name"]


def test_crd_is_kept_on_uninstall() -> None:
    crd = find(render(), "CustomResourceDefinition")
    assert crd["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"


def test_crd_syncs_before_the_operator_under_argocd() -> None:
    crd = find(render(), "CustomResourceDefinition")
    assert crd["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"] == "-1"


def test_crd_can_be_left_out() -> None:
    kinds = {d["kind"] for d in render("--set", "crds.install=false")}
    assert "CustomResourceDefinition" not in kinds


# --- lint and snapshots --------------------------------------------------------------------


@pytest.mark.parametrize("values", [[], FULL_VALUES], ids=["default", "full"])
def test_helm_lint_passes(values: list[str]) -> None:
    result = helm("lint", "--strict", str(CHART), *values)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("snapshot", "values"),
    [("chart-default.yaml", []), ("chart-full.yaml", FULL_VALUES)],
    ids=["default", "full"],
)
def test_render_matches_snapshot(snapshot: str, values: list[str]) -> None:
    text = without_crds(render_text(*values))
    path = SNAPSHOTS / snapshot
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    assert path.exists(), f"no snapshot {path.name}: run with UPDATE_SNAPSHOTS=1"
    assert text == path.read_text(), f"{path.name} is stale: rerun with UPDATE_SNAPSHOTS=1"


def leaf_keys(values: dict[str, Any], prefix: str = "") -> set[str]:
    keys: set[str] = set()
    for key, value in values.items():
        if isinstance(value, dict) and value and key != "resources":
            keys |= leaf_keys(value, f"{prefix}{key}.")
        else:
            keys.add(f"{prefix}{key}")
    return keys


def test_readme_documents_every_value() -> None:
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    readme = (CHART / "README.md").read_text()
    undocumented = {k for k in leaf_keys(values) if f"| `{k}` |" not in readme}
    assert not undocumented, f"add these keys to charts/osprey/README.md: {sorted(undocumented)}"


# --- the operator Deployment ---------------------------------------------------------------


def test_operator_runs_as_non_root_on_a_read_only_root_filesystem() -> None:
    docs = render()
    pod = find(docs, "Deployment")["spec"]["template"]["spec"]
    container = operator_container(docs)
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]


def test_chart_runs_the_image_as_the_user_the_dockerfile_creates() -> None:
    pod = find(render(), "Deployment")["spec"]["template"]["spec"]
    dockerfile = (ROOT / "Dockerfile").read_text()
    user = f"USER {pod['securityContext']['runAsUser']}:{pod['securityContext']['runAsGroup']}"
    assert user in dockerfile.splitlines()


def test_helm_homes_point_into_the_writable_tmp_volume() -> None:
    docs = render()
    container = operator_container(docs)
    env = {e["name"]: e.get("value") for e in container["env"]}
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    pod = find(docs, "Deployment")["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    for var in ("HELM_CACHE_HOME", "HELM_CONFIG_HOME", "HELM_DATA_HOME", "HOME"):
        assert env[var].startswith("/tmp"), var
    assert "emptyDir" in volumes[mounts["/tmp"]]


def test_probes_use_the_liveness_endpoint_every_replica_serves() -> None:
    container = operator_container(render("--set", "liveness.port=8181"))
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    assert ports["liveness"] == 8181
    assert "--liveness-port=8181" in container["args"]
    for probe in ("livenessProbe", "readinessProbe"):
        assert container[probe]["httpGet"] == {"path": "/healthz", "port": "liveness"}


LEADER_ARGS = ["--leader-elect", "--lease-duration=15", "--renew-deadline=10",
               "--retry-period=2", "--drain-seconds=1200"]


def test_default_args_elect_a_leader_and_watch_the_listed_namespace_with_the_default_policy(
) -> None:
    container = operator_container(render())
    assert container["command"] == ["osprey"]
    assert container["args"] == [
        "run", "--metrics-port=9090", "--liveness-port=8080", "--log-level=info",
        "--log-format=logfmt", "--helm-timeout=20m", "--max-parallel-helm=8",
        "--resync-seconds=300", *LEADER_ARGS, "--namespace=openstack",
        "--allow-chart-repository=https://tarballs.opendev.org/openstack/openstack-helm",
    ]


def test_cluster_wide_is_an_explicit_opt_in_without_namespace_flags() -> None:
    docs = render("--set", "clusterWide=true")
    assert not [a for a in operator_container(docs)["args"] if a.startswith("--namespace")]
    # Only the leader election's, in the operator's own namespace.
    assert [d["metadata"]["name"] for d in docs if d["kind"] == "RoleBinding"] == [
        "osprey-leader-election"]


def test_no_namespace_to_serve_without_cluster_wide_is_refused() -> None:
    result = helm("template", "osprey", str(CHART), "--set", "watchNamespaces=null")
    assert result.returncode != 0
    assert "watchNamespaces is empty" in result.stderr and "clusterWide=true" in result.stderr


def test_policy_values_become_flags() -> None:
    args = operator_container(render(
        "--set", "policy.chartRepositories={oci://registry.example/osh/*}",
        "--set", "policy.localChartsRoots={/charts}",
        "--set", "policy.deniedValuesKeys={manifests.job_rally}"))["args"]
    assert args[-3:] == ["--allow-chart-repository=oci://registry.example/osh/*",
                         "--local-charts-root=/charts", "--deny-values-key=manifests.job_rally"]


def test_watched_namespaces_and_log_options_become_flags() -> None:
    container = operator_container(
        render("--set", "watchNamespaces={a,b}", "--set", "logLevel=debug",
               "--set", "logFormat=json", "--set", "helm.timeout=45m")
    )
    assert container["args"][1:] == [
        "--metrics-port=9090", "--liveness-port=8080", "--log-level=debug",
        "--log-format=json", "--helm-timeout=45m", "--max-parallel-helm=8",
        "--resync-seconds=300", *LEADER_ARGS, "--namespace=a", "--namespace=b",
        "--allow-chart-repository=https://tarballs.opendev.org/openstack/openstack-helm",
    ]


def test_two_replicas_one_leading_are_rolled_without_a_gap() -> None:
    spec = find(render(), "Deployment")["spec"]
    assert spec["replicas"] == 2
    # A new pod stands by before an old one stops; the old leader hands over as it stops.
    assert spec["strategy"] == {"type": "RollingUpdate",
                                "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}


def test_the_grace_period_leaves_the_leader_its_drain() -> None:
    docs = render("--set", "drainSeconds=600")
    pod = find(docs, "Deployment")["spec"]["template"]["spec"]
    assert "--drain-seconds=600" in operator_container(docs)["args"]
    assert pod["terminationGracePeriodSeconds"] == 630


def test_a_node_drain_evicts_one_replica_at_a_time() -> None:
    pdb = find(render(), "PodDisruptionBudget")
    assert pdb["spec"] == {"maxUnavailable": 1, "selector": {"matchLabels": {
        "app.kubernetes.io/name": "osprey", "app.kubernetes.io/instance": "osprey"}}}
    assert not [d for d in render("--set", "replicas=1") if d["kind"] == "PodDisruptionBudget"]


def test_shards_render_one_deployment_each_with_its_shard_and_pods_of_its_own() -> None:
    docs = render("--set", "shards=3")
    deployments = [d for d in docs if d["kind"] == "Deployment"]
    assert [d["metadata"]["name"] for d in deployments] == [
        "osprey-shard-0", "osprey-shard-1", "osprey-shard-2"]
    for index, deployment in enumerate(deployments):
        args = deployment["spec"]["template"]["spec"]["containers"][0]["args"]
        assert f"--shard={index}/3" in args and "--leader-elect" in args
        selector = deployment["spec"]["selector"]["matchLabels"]
        assert selector["osprey.dev/shard"] == str(index)
        assert deployment["spec"]["template"]["metadata"]["labels"]["osprey.dev/shard"] == str(
            index)
    pdbs = [d for d in docs if d["kind"] == "PodDisruptionBudget"]
    assert [p["spec"]["selector"]["matchLabels"]["osprey.dev/shard"] for p in pdbs] == [
        "0", "1", "2"]


def test_one_shard_passes_no_shard_flag() -> None:
    assert not [a for a in operator_container(render())["args"] if a.startswith("--shard")]


@pytest.mark.parametrize(("values", "message"), [
    (["--set", "shards=0"], "shards must be a whole number of at least 1, got 0"),
    (["--set", "leaderElection.renewDeadline=15"],
     "leaderElection.leaseDuration (15) must be greater than leaderElection.renewDeadline (15)"),
])
def test_a_layout_that_could_let_two_leaders_act_is_refused(values, message) -> None:
    result = helm("template", "osprey", str(CHART), *values)
    assert result.returncode != 0
    assert message in result.stderr


def test_unknown_log_format_is_refused_naming_the_value() -> None:
    result = helm("template", "osprey", str(CHART), "--set", "logFormat=xml")
    assert result.returncode != 0
    assert "logFormat must be logfmt or json" in result.stderr


def test_image_tag_defaults_to_the_app_version() -> None:
    app_version = yaml.safe_load((CHART / "Chart.yaml").read_text())["appVersion"]
    image = operator_container(render("--set", "image.repository=registry.example/osprey"))["image"]
    assert image == f"registry.example/osprey:{app_version}"


# --- metrics, monitoring -------------------------------------------------------------------


def test_metrics_service_targets_the_metrics_port() -> None:
    docs = render("--set", "metrics.port=9999")
    service = find(docs, "Service", "osprey-metrics")
    assert service["spec"]["ports"] == [
        {"name": "metrics", "port": 9999, "targetPort": "metrics", "protocol": "TCP"}
    ]
    assert "--metrics-port=9999" in operator_container(docs)["args"]


def test_monitoring_objects_are_off_by_default() -> None:
    kinds = {d["kind"] for d in render()}
    assert not {"ServiceMonitor", "PrometheusRule"} & kinds


def test_service_monitor_keeps_the_control_planes_namespace_label() -> None:
    monitor = find(render(*FULL_VALUES), "ServiceMonitor")
    [endpoint] = monitor["spec"]["endpoints"]
    assert endpoint["port"] == "metrics"
    assert endpoint["honorLabels"] is True


def test_prometheus_rule_alerts_on_not_ready_for_fifteen_minutes_and_on_errors() -> None:
    rule = find(render(*FULL_VALUES), "PrometheusRule")
    alerts = {r["alert"]: r for g in rule["spec"]["groups"] for r in g["rules"]}
    assert alerts["OspreyControlPlaneNotReady"]["expr"] == "osprey_controlplane_ready == 0"
    assert alerts["OspreyControlPlaneNotReady"]["for"] == "15m"
    assert 'result="error"' in alerts["OspreyReconcileErrors"]["expr"]
    summary = alerts["OspreyControlPlaneNotReady"]["annotations"]["summary"]
    assert "{{ $labels.namespace }}/{{ $labels.name }}" in summary
