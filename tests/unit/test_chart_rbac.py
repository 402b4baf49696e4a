"""The chart's RBAC grants what the operator and the charts it installs need, and nothing broad.

The kinds Helm must manage come from two places: the fixture charts of the integration tests
(rendered with the real helm), and the real OpenStack-Helm charts of the catalog (scanned in the
local mirror when it exists, otherwise the checked-in list below).
"""

from __future__ import annotations

import itertools
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
FIXTURE_CHARTS = ROOT / "tests" / "fixtures" / "charts"
OSH_MIRROR = Path("/work/.mirror/openstack+openstack-helm/repo")

# The OpenStack-Helm charts Osprey installs (see operator/osprey/catalog/releases/) and the
# library chart that renders most of their objects.
CATALOG_CHARTS = (
    "mariadb", "rabbitmq", "memcached", "keystone", "glance", "placement", "openvswitch",
    "libvirt", "neutron", "ovn", "nova", "horizon", "heat", "cinder", "barbican", "octavia",
)
OSH_TEMPLATE_DIRS = [f"{c}/templates" for c in (*CATALOG_CHARTS, "helm-toolkit")]

# Provenance: openstack/openstack-helm at 0ee5adeffcaefb6f7a78bb23bf845414672e6827
# (2026-08-20), `git grep -h '^kind:' HEAD -- <chart>/templates ...` over OSH_TEMPLATE_DIRS.
OSH_KINDS_CHECKED_IN = frozenset({
    "Certificate", "ClusterRole", "ClusterRoleBinding", "ConfigMap", "Connection", "CronJob",
    "CustomResourceDefinition", "DaemonSet", "Database", "Deployment", "Grant", "Job",
    "NetworkPolicy", "PersistentVolumeClaim", "Pod", "PodDisruptionBudget", "PodMonitor", "Role",
    "RoleBinding", "Secret", "Service", "ServiceAccount", "StatefulSet", "StorageClass", "User",
})

# Kinds in those templates that Osprey never renders, with the reason.
OSH_KINDS_NOT_RENDERED = {
    "Certificate": "helm-toolkit's cert-manager TLS; Osprey does not enable cert-manager TLS",
    "StorageClass": "helm-toolkit's Ceph storage classes; only the ceph charts use them",
    "CustomResourceDefinition": "mariadb's optional database controller mode, off in Osprey",
    "Database": "mariadb's optional database controller mode, off in Osprey",
    "User": "mariadb's optional database controller mode, off in Osprey",
    "Grant": "mariadb's optional database controller mode, off in Osprey",
    "Connection": "mariadb's optional database controller mode, off in Osprey",
    "PodMonitor": "libvirt's prometheus-operator monitor, off by default",
    "Pod": "helm test pods, created only by `helm test`, which Osprey never runs",
}

# Kinds the operator creates itself (not through a chart): autoscalers of API pods
# (spec.services.*.autoscaling) and Gateway API routes of public endpoints.
OPERATOR_KINDS = frozenset({"HorizontalPodAutoscaler", "HTTPRoute"})

# Where each kind lives in the API: (group, plural, namespaced).
KIND_RESOURCES: dict[str, tuple[str, str, bool]] = {
    "ConfigMap": ("", "configmaps", True),
    "Secret": ("", "secrets", True),
    "Service": ("", "services", True),
    "ServiceAccount": ("", "serviceaccounts", True),
    "PersistentVolumeClaim": ("", "persistentvolumeclaims", True),
    "Deployment": ("apps", "deployments", True),
    "StatefulSet": ("apps", "statefulsets", True),
    "DaemonSet": ("apps", "daemonsets", True),
    "Job": ("batch", "jobs", True),
    "CronJob": ("batch", "cronjobs", True),
    "Role": ("rbac.authorization.k8s.io", "roles", True),
    "RoleBinding": ("rbac.authorization.k8s.io", "rolebindings", True),
    "ClusterRole": ("rbac.authorization.k8s.io", "clusterroles", False),
    "ClusterRoleBinding": ("rbac.authorization.k8s.io", "clusterrolebindings", False),
    "PodDisruptionBudget": ("policy", "poddisruptionbudgets", True),
    "NetworkPolicy": ("networking.k8s.io", "networkpolicies", True),
    "Ingress": ("networking.k8s.io", "ingresses", True),
    "HorizontalPodAutoscaler": ("autoscaling", "horizontalpodautoscalers", True),
    "HTTPRoute": ("gateway.networking.k8s.io", "httproutes", True),
}

# Everything helm does to the objects of a release: install, upgrade (server-side apply or
# three-way patch), wait, uninstall, hook deletion.
HELM_VERBS = ("get", "list", "watch", "create", "update", "patch", "delete")
DANGEROUS_VERBS = {"*", "escalate", "bind", "impersonate", "deletecollection"}

pytestmark = [
    pytest.mark.skipif(not HELM.exists(), reason="bin/helm is missing: run `make install`"),
    pytest.mark.skipif(
        not CRD_SOURCE.exists(),
        reason=f"{CRD_SOURCE.relative_to(ROOT)} is not generated yet (`make crds`)",
    ),
]

Permission = tuple[str, str, str]  # (group, resource, verb)


def helm_template(chart: Path, *args: str, name: str = "osprey") -> list[dict[str, Any]]:
    result = subprocess.run(
        [str(HELM), "template", name, str(chart), "--namespace", "osprey-system", *args],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, f"helm template {chart.name}: {result.stderr}"
    return [d for d in yaml.safe_load_all(result.stdout) if d]


def rules_of(docs: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    [role] = [d for d in docs if d["kind"] == "ClusterRole" and d["metadata"]["name"] == name]
    return role["rules"]


def granted(rules: list[dict[str, Any]]) -> set[Permission]:
    """Every (group, resource, verb) a list of rules grants without a resourceNames limit."""
    return {
        (group, resource, verb)
        for rule in rules if not rule.get("resourceNames")
        for group, resource, verb in itertools.product(
            rule.get("apiGroups", []), rule.get("resources", []), rule.get("verbs", [])
        )
    }


def requested(rules: list[dict[str, Any]]) -> set[Permission]:
    """Every (group, resource, verb) a Role's rules ask for, resourceNames or not."""
    return {
        (group, resource, verb)
        for rule in rules
        for group, resource, verb in itertools.product(
            rule.get("apiGroups", []), rule.get("resources", []), rule.get("verbs", [])
        )
    }


def helm_permissions(kinds: set[str], namespaced: bool) -> set[Permission]:
    unknown = kinds - KIND_RESOURCES.keys()
    assert not unknown, f"kinds without an RBAC mapping (add them here and to the chart): {unknown}"
    return {
        (group, plural, verb)
        for kind in kinds
        for group, plural, is_namespaced in [KIND_RESOURCES[kind]]
        if is_namespaced == namespaced
        for verb in HELM_VERBS
    }


def osh_kinds() -> frozenset[str]:
    if not (OSH_MIRROR / "HEAD").exists():
        return OSH_KINDS_CHECKED_IN
    result = subprocess.run(
        ["git", "-C", str(OSH_MIRROR), "grep", "-h", "^kind:", "HEAD", "--", *OSH_TEMPLATE_DIRS],
        capture_output=True, text=True, check=True,
    )
    return frozenset(line.split(":", 1)[1].strip() for line in result.stdout.splitlines())


@pytest.fixture(scope="module")
def fixture_docs(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    """Every object the fixture charts render with their default values.

    They are rendered from a copy, where file:// dependencies (the fixture toolkit library) are
    vendored with `helm dependency build`, leaving the repository untouched.
    """
    copy = tmp_path_factory.mktemp("fixtures") / "charts"
    if FIXTURE_CHARTS.exists():
        shutil.copytree(FIXTURE_CHARTS, copy)
    else:
        copy.mkdir()
    docs: list[dict[str, Any]] = []
    for chart in sorted(p.parent for p in copy.glob("*/Chart.yaml")):
        meta = yaml.safe_load((chart / "Chart.yaml").read_text())
        if meta.get("type") == "library":
            continue
        if meta.get("dependencies") and not (chart / "charts").exists():
            subprocess.run(
                [str(HELM), "dependency", "build", "--skip-refresh", str(chart)],
                capture_output=True, text=True, check=True,
            )
        docs += helm_template(chart, name=chart.name)
    if not docs:
        pytest.skip(f"no application charts under {FIXTURE_CHARTS.relative_to(ROOT)} yet")
    return docs


@pytest.fixture(scope="module")
def cluster_wide() -> list[dict[str, Any]]:
    return helm_template(CHART, "--set", "clusterWide=true")


@pytest.fixture(scope="module")
def namespaced() -> list[dict[str, Any]]:
    """The chart's default: the namespaces listed (openstack)."""
    return helm_template(CHART)


def all_grants(docs: list[dict[str, Any]]) -> set[Permission]:
    return {
        perm for d in docs if d["kind"] == "ClusterRole" for perm in granted(d["rules"])
    }


# --- what helm needs -----------------------------------------------------------------------


def test_osh_kinds_are_known_or_explicitly_not_rendered() -> None:
    rendered = osh_kinds() - OSH_KINDS_NOT_RENDERED.keys()
    assert rendered <= KIND_RESOURCES.keys()


def test_checked_in_osh_kinds_match_the_mirror() -> None:
    if not (OSH_MIRROR / "HEAD").exists():
        pytest.skip("no local OpenStack-Helm mirror to compare the checked-in list with")
    assert osh_kinds() == OSH_KINDS_CHECKED_IN


@pytest.mark.parametrize("mode", ["cluster_wide", "namespaced"])
def test_role_covers_every_kind_of_the_openstack_helm_charts(
    mode: str, request: pytest.FixtureRequest
) -> None:
    docs = request.getfixturevalue(mode)
    kinds = set(osh_kinds() - OSH_KINDS_NOT_RENDERED.keys()) | OPERATOR_KINDS
    namespaced_rules = rules_of(docs, "osprey-namespaced" if mode == "namespaced" else "osprey")
    missing_ns = helm_permissions(kinds, namespaced=True) - granted(namespaced_rules)
    missing_cluster = helm_permissions(kinds, namespaced=False) - granted(rules_of(docs, "osprey"))
    assert not missing_ns, sorted(missing_ns)
    assert not missing_cluster, sorted(missing_cluster)


def test_role_covers_every_kind_the_fixture_charts_render(
    cluster_wide: list[dict[str, Any]], fixture_docs: list[dict[str, Any]],
) -> None:
    kinds = {d["kind"] for d in fixture_docs}
    missing = (
        helm_permissions(kinds, namespaced=True) | helm_permissions(kinds, namespaced=False)
    ) - granted(rules_of(cluster_wide, "osprey"))
    assert not missing, sorted(missing)


def test_operator_holds_every_permission_the_fixture_charts_roles_grant(
    cluster_wide: list[dict[str, Any]], fixture_docs: list[dict[str, Any]],
) -> None:
    """Kubernetes refuses to create a Role granting more than its creator holds."""
    wanted = {
        perm
        for d in fixture_docs if d["kind"] in ("Role", "ClusterRole")
        for perm in requested(d.get("rules") or [])
    }
    missing = wanted - granted(rules_of(cluster_wide, "osprey"))
    assert not missing, sorted(missing)


def test_operator_holds_what_helm_toolkit_dependency_roles_grant(
    cluster_wide: list[dict[str, Any]],
) -> None:
    """The Role of helm-toolkit's kubernetes_pod_rbac_roles snippet, as rendered for a chart
    that waits on jobs, pods, services and daemonsets (openstack-helm 0ee5adef)."""
    groups = ("", "extensions", "batch", "apps", "discovery.k8s.io")
    resources = ("daemonsets", "jobs", "pods", "services", "endpoints", "endpointslices")
    wanted = set(itertools.product(groups, resources, ("get", "list")))
    assert wanted <= granted(rules_of(cluster_wide, "osprey"))


def test_operator_holds_what_the_nova_and_ovn_cluster_roles_grant(
    cluster_wide: list[dict[str, Any]],
) -> None:
    wanted = {("", "nodes", "get"), ("", "nodes", "list"), ("", "nodes", "patch")}
    assert wanted <= granted(rules_of(cluster_wide, "osprey"))


# --- what the operator itself needs --------------------------------------------------------


OPERATOR_NEEDS: set[Permission] = {
    ("apiextensions.k8s.io", "customresourcedefinitions", "list"),
    ("apiextensions.k8s.io", "customresourcedefinitions", "watch"),
    ("", "namespaces", "list"),
    ("", "namespaces", "watch"),
    ("osprey.dev", "openstackcontrolplanes", "list"),
    ("osprey.dev", "openstackcontrolplanes", "watch"),
    ("osprey.dev", "openstackcontrolplanes", "patch"),
    ("osprey.dev", "openstackcontrolplanes/status", "patch"),
    ("osprey.dev", "openstackcontrolplanes/finalizers", "update"),
    ("", "events", "create"),
    ("", "pods", "list"),
    ("", "secrets", "create"),
    # The watch cache's informers (watchcache.WATCHED): list, then watch, each kind.
    *((group, plural, verb) for group, plural in (
        ("", "secrets"), ("", "configmaps"), ("", "services"), ("", "persistentvolumeclaims"),
        ("apps", "deployments"), ("apps", "statefulsets"), ("apps", "daemonsets"),
        ("batch", "jobs")) for verb in ("list", "watch")),
}


def test_operator_gets_what_kopf_and_the_reconcile_loop_use(
    cluster_wide: list[dict[str, Any]],
) -> None:
    assert OPERATOR_NEEDS <= granted(rules_of(cluster_wide, "osprey"))


@pytest.mark.parametrize("mode", ["cluster_wide", "namespaced"])
def test_node_pools_read_every_node_and_control_plane_of_the_cluster(
    mode: str, request: pytest.FixtureRequest
) -> None:
    cluster = granted(rules_of(request.getfixturevalue(mode), "osprey"))
    assert {("", "nodes", "list"), ("", "nodes", "watch")} <= cluster
    assert ("osprey.dev", "openstackcontrolplanes", "list") in cluster


def test_replicas_hold_their_lease_only_in_the_release_namespace(
    cluster_wide: list[dict[str, Any]],
) -> None:
    [role] = [d for d in cluster_wide if d["kind"] == "Role"]
    assert role["metadata"]["namespace"] == "osprey-system"
    assert requested(role["rules"]) == {
        ("coordination.k8s.io", "leases", verb) for verb in ("get", "create", "update")}
    [binding] = [d for d in cluster_wide if d["kind"] == "RoleBinding"]
    assert (binding["metadata"]["namespace"], binding["roleRef"]["name"]) == (
        "osprey-system", role["metadata"]["name"])
    assert not [p for p in all_grants(cluster_wide) if p[1] == "leases"], "no cluster-wide lease"


# --- nothing broad -------------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["cluster_wide", "namespaced"])
def test_no_rule_uses_wildcards_or_escalation_verbs(
    mode: str, request: pytest.FixtureRequest
) -> None:
    docs = request.getfixturevalue(mode)
    for group, resource, verb in all_grants(docs):
        assert "*" not in (group, resource), (group, resource, verb)
        assert verb not in DANGEROUS_VERBS, (group, resource, verb)


def test_pods_are_only_read(cluster_wide: list[dict[str, Any]]) -> None:
    verbs = {v for g, r, v in all_grants(cluster_wide) if (g, r) == ("", "pods")}
    assert verbs == {"get", "list", "watch"}


def test_watching_namespaces_keeps_namespaced_grants_out_of_the_cluster_binding(
    namespaced: list[dict[str, Any]],
) -> None:
    cluster = {(g, r) for g, r, _ in granted(rules_of(namespaced, "osprey"))}
    assert ("", "secrets") not in cluster
    assert ("osprey.dev", "openstackcontrolplanes/status") not in cluster
    control_planes = {v for g, r, v in granted(rules_of(namespaced, "osprey"))
                      if (g, r) == ("osprey.dev", "openstackcontrolplanes")}
    assert control_planes == {"get", "list", "watch"}  # node pools: read, never written
    bindings = [d for d in namespaced if d["kind"] == "RoleBinding"]
    assert [(b["metadata"]["namespace"], b["roleRef"]["name"]) for b in bindings] == [
        ("osprey-system", "osprey-leader-election"), ("openstack", "osprey-namespaced")
    ]


def test_cluster_wide_mode_binds_everything_with_one_cluster_role_binding(
    cluster_wide: list[dict[str, Any]],
) -> None:
    [binding] = [d for d in cluster_wide if d["kind"] == "ClusterRoleBinding"]
    assert binding["roleRef"]["name"] == "osprey"
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "osprey", "namespace": "osprey-system"}
    ]
    assert [b["roleRef"]["name"] for b in cluster_wide if b["kind"] == "RoleBinding"] == [
        "osprey-leader-election"]


# --- namespaced by default ------------------------------------------------------------------

# Cluster-scoped resources the operator itself reads: Kopf discovers its CRD and follows
# namespaces.
OPERATOR_CLUSTER_SCOPED = {
    ("apiextensions.k8s.io", "customresourcedefinitions"),
    ("", "namespaces"),
    # Node pools: every control plane of the cluster is read, whatever namespaces one operator
    # serves, so that two planes' node agent pools never overlap.
    ("osprey.dev", "openstackcontrolplanes"),
}
# Held only so that Kubernetes lets the operator create the charts' ClusterRoles, which grant
# them (nova's and ovn's node access).
ESCALATION_GUARDS = {("", "nodes")}


def cluster_bound_grants(docs: list[dict[str, Any]]) -> set[Permission]:
    """What the ClusterRoleBindings of a render grant: valid in every namespace."""
    bound = {b["roleRef"]["name"] for b in docs if b["kind"] == "ClusterRoleBinding"}
    return {perm for d in docs if d["kind"] == "ClusterRole" and d["metadata"]["name"] in bound
            for perm in granted(d["rules"])}


def test_the_default_serves_listed_namespaces_not_the_cluster(
    namespaced: list[dict[str, Any]],
) -> None:
    bindings = [(b["metadata"]["namespace"], b["roleRef"]["name"])
                for b in namespaced if b["kind"] == "RoleBinding"]
    assert bindings == [("osprey-system", "osprey-leader-election"),
                        ("openstack", "osprey-namespaced")]


def test_namespaced_mode_has_no_cluster_wide_secret_access(
    namespaced: list[dict[str, Any]],
) -> None:
    assert not {(g, r, v) for g, r, v in cluster_bound_grants(namespaced) if r == "secrets"}


def test_namespaced_mode_binds_cluster_wide_only_cluster_scoped_needs(
    namespaced: list[dict[str, Any]],
) -> None:
    """Derived: the cluster-scoped kinds of the OpenStack-Helm and fixture charts, what the
    operator reads cluster-wide, and the guards RBAC escalation prevention requires."""
    kinds = set(osh_kinds() - OSH_KINDS_NOT_RENDERED.keys()) | OPERATOR_KINDS
    needed = {(g, r) for g, r, _ in helm_permissions(kinds, namespaced=False)}
    needed |= OPERATOR_CLUSTER_SCOPED | ESCALATION_GUARDS
    bound = {(g, r) for g, r, _ in cluster_bound_grants(namespaced)}
    assert bound <= needed, sorted(bound - needed)
    assert all(not KIND_RESOURCES.get(k, ("", "", False))[2]
               for k in KIND_RESOURCES if (KIND_RESOURCES[k][0], KIND_RESOURCES[k][1]) in bound)
