"""The operator's own chart (charts/osprey) installed with the real helm into a fresh namespace.

The session's CRD is already there (applied by `kubectl apply --server-side`, not by Helm), so
the chart is installed with `crds.install=false`, as on a cluster whose CRD is managed
elsewhere; taking the CRD over with `--take-ownership` has a test of its own.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from tests.integration.operator_harness import CRD_FILE, ROOT

pytestmark = pytest.mark.integration

CHART = ROOT / "charts" / "osprey"
CRD_NAME = "openstackcontrolplanes.osprey.dev"


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, f"{result.args}: {result.stderr}"
    return result.stdout


def ref(obj: dict[str, Any]) -> str:
    return f"{obj['kind']}/{obj['metadata']['name']}"


class OperatorChart:
    """One release of charts/osprey; reads objects back through kubectl."""

    def __init__(self, kube, namespace: str):
        self.kube = kube
        self.namespace = namespace
        # Release names are at most 53 characters; the namespace's random suffix keeps it
        # unique, and cluster-scoped objects (ClusterRoles) are named after the release.
        self.release = f"osprey-{namespace.rsplit('-', 1)[-1]}"
        self.installed = False

    def install(self, *args: str) -> list[dict[str, Any]]:
        ok(self.kube.helm("install", self.release, str(CHART), "-n", self.namespace,
                          "--set", "crds.install=false", *args, "--timeout", "60s"))
        self.installed = True
        return self.manifest()

    def uninstall(self) -> str:
        out = ok(self.kube.helm("uninstall", self.release, "-n", self.namespace, "--wait",
                                "--timeout", "60s"))
        self.installed = False
        return out

    def manifest(self) -> list[dict[str, Any]]:
        text = ok(self.kube.helm("get", "manifest", self.release, "-n", self.namespace))
        return [doc for doc in yaml.safe_load_all(text) if doc]

    def hooks(self) -> list[dict[str, Any]]:
        text = ok(self.kube.helm("get", "hooks", self.release, "-n", self.namespace))
        return [doc for doc in yaml.safe_load_all(text) if doc]

    def live(self, obj: dict[str, Any]) -> dict[str, Any] | None:
        """The object as the API server has it, or None."""
        group = obj["apiVersion"].rpartition("/")[0]
        kind = f"{obj['kind'].lower()}.{group}" if group else obj["kind"].lower()
        namespace = obj["metadata"].get("namespace") or self.namespace
        out = ok(self.kube.kubectl("get", kind, obj["metadata"]["name"], "-n", namespace,
                                   "-o", "json", "--ignore-not-found"))
        return json.loads(out) if out.strip() else None


@pytest.fixture
def chart(kube, namespace, crd_installed) -> Iterator[OperatorChart]:
    release = OperatorChart(kube, namespace)
    yield release
    if release.installed:
        release.uninstall()


def only(objects: list[dict[str, Any]], kind: str, name: str | None = None) -> dict[str, Any]:
    found = [o for o in objects if o["kind"] == kind
             and (name is None or o["metadata"]["name"] == name)]
    assert len(found) == 1, f"expected one {kind} {name or ''}: {[ref(o) for o in objects]}"
    return found[0]


def grants(role: dict[str, Any], group: str, resource: str) -> set[str]:
    return {
        verb
        for rule in role.get("rules") or ()
        if group in rule.get("apiGroups", ()) and resource in rule.get("resources", ())
        for verb in rule.get("verbs", ())
    }


def test_the_chart_installs_the_operator_with_cluster_wide_rbac_when_asked(chart, namespace):
    manifest = chart.install("--set", "clusterWide=true")
    kinds = sorted(o["kind"] for o in manifest)
    assert kinds == ["ClusterRole", "ClusterRoleBinding", "Deployment", "PodDisruptionBudget",
                     "Role", "RoleBinding", "Service", "ServiceAccount"]
    live = {ref(o): chart.live(o) for o in manifest}
    assert all(live.values()), [r for r, o in live.items() if o is None]

    deployment = live[ref(only(manifest, "Deployment"))]
    pod = deployment["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == chart.release
    args = pod["containers"][0]["args"]
    assert args[0] == "run" and not any(a.startswith("--namespace") for a in args), args

    account = live[ref(only(manifest, "ServiceAccount"))]
    binding = live[ref(only(manifest, "ClusterRoleBinding"))]
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": account["metadata"]["name"],
                                    "namespace": namespace}]
    role = live[ref(only(manifest, "ClusterRole"))]
    assert binding["roleRef"]["name"] == role["metadata"]["name"]
    assert {"get", "list", "watch", "patch"} <= grants(role, "osprey.dev",
                                                       "openstackcontrolplanes")
    assert "delete" in grants(role, "apps", "deployments")

    service = live[ref(only(manifest, "Service"))]
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()
    assert [(p["name"], p["port"], p["targetPort"]) for p in service["spec"]["ports"]] == [
        ("metrics", 9090, "metrics")
    ]


def test_watched_namespaces_get_the_namespaced_rules_through_a_role_binding(
    kube, chart, namespace
):
    watched = kube.new_namespace("chart-watched")
    try:
        manifest = chart.install("--set", f"watchNamespaces={{{watched}}}")
        binding = only(manifest, "RoleBinding", chart.release)
        assert binding["metadata"]["namespace"] == watched
        live_binding = chart.live(binding)
        assert live_binding is not None
        assert live_binding["subjects"] == [{"kind": "ServiceAccount", "name": chart.release,
                                             "namespace": namespace}]
        namespaced = chart.live(only(manifest, "ClusterRole", f"{chart.release}-namespaced"))
        assert live_binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io",
                                           "kind": "ClusterRole",
                                           "name": namespaced["metadata"]["name"]}
        assert "patch" in grants(namespaced, "osprey.dev", "openstackcontrolplanes/status")
        cluster = chart.live(only(manifest, "ClusterRole", chart.release))
        # Node pools read every control plane of the cluster; nothing more is cluster-wide.
        assert grants(cluster, "osprey.dev", "openstackcontrolplanes") == {"get", "list", "watch"}
        args = chart.live(only(manifest, "Deployment"))["spec"]["template"]["spec"][
            "containers"][0]["args"]
        assert f"--namespace={watched}" in args
    finally:
        kube.delete_namespace(watched)


def test_shards_install_a_deployment_each_and_the_lease_role_in_the_release_namespace(
    kube, chart, namespace
):
    manifest = chart.install("--set", "shards=2", "--set", f"watchNamespaces={{{namespace}}}")
    deployments = sorted((chart.live(d) for d in manifest if d["kind"] == "Deployment"),
                         key=lambda d: d["metadata"]["name"])
    assert [d["metadata"]["name"] for d in deployments] == [
        f"{chart.release}-shard-0", f"{chart.release}-shard-1"]
    for index, deployment in enumerate(deployments):
        assert deployment["spec"]["replicas"] == 2
        args = deployment["spec"]["template"]["spec"]["containers"][0]["args"]
        assert "--leader-elect" in args and f"--shard={index}/2" in args
    role = chart.live(only(manifest, "Role", f"{chart.release}-leader-election"))
    assert role["metadata"]["namespace"] == namespace
    assert role["rules"] == [{"apiGroups": ["coordination.k8s.io"], "resources": ["leases"],
                              "verbs": ["get", "create", "update"]}]
    assert len([o for o in manifest if o["kind"] == "PodDisruptionBudget"]) == 2
    assert not [o for o in manifest if o["kind"] == "CustomResourceDefinition"]


def test_uninstall_removes_every_object_of_the_release(kube, chart, namespace):
    # The chart's default mode, serving a namespace that exists: its own.
    manifest = chart.install("--set", f"watchNamespaces={{{namespace}}}")
    assert "RoleBinding" in {o["kind"] for o in manifest}
    assert all(chart.live(o) for o in manifest)

    chart.uninstall()
    assert [ref(o) for o in manifest if chart.live(o) is not None] == []
    assert json.loads(ok(kube.helm("list", "-n", namespace, "-o", "json"))) == []


def test_a_chart_that_takes_over_the_crd_keeps_it_and_the_control_planes_on_uninstall(
    kube, chart, namespace, client
):
    ok(kube.kubectl("apply", "-n", namespace, "-f",
                    str(ROOT / "deploy" / "samples" / "minimal.yaml")))
    try:
        ok(kube.helm("install", chart.release, str(CHART), "-n", namespace, "--take-ownership",
                     "--set", f"watchNamespaces={{{namespace}}}", "--timeout", "60s"))
        chart.installed = True
        crd = json.loads(ok(kube.kubectl("get", "crd", CRD_NAME, "-o", "json")))
        assert crd["metadata"]["annotations"]["meta.helm.sh/release-name"] == chart.release

        out = chart.uninstall()
        assert "kept due to the resource policy" in out
        ok(kube.kubectl("wait", "--for=condition=Established", f"crd/{CRD_NAME}",
                        "--timeout=10s"))
        assert client.get("OpenStackControlPlane", namespace, "openstack") is not None
    finally:
        # Leave the session's CRD as the suite applied it (crds/ has neither labels nor
        # annotations): owned by no release.
        ok(kube.kubectl("patch", "crd", CRD_NAME, "--type=merge",
                        "-p", '{"metadata": {"labels": null, "annotations": null}}'))
        ok(kube.kubectl("apply", "--server-side", "-f", str(CRD_FILE)))
