"""Applying a control plane installs its releases in dependency order and reports Ready."""

from __future__ import annotations

import json
from collections import Counter
from itertools import pairwise

import pytest
import yaml

from osprey import catalog
from osprey.api import validate_spec
from osprey.kube import KubeError
from osprey.secrets import secret_name
from tests.integration.operator_harness import RunningOperator, control_plane, converged

pytestmark = pytest.mark.integration


def enabled_releases(body) -> list[str]:
    return [e.name for e in catalog.enabled_entries(validate_spec(body["spec"]))]


def dependencies(body) -> dict[str, tuple[str, ...]]:
    spec = validate_spec(body["spec"])
    return {e.name: tuple(e.requires_ready(spec)) + tuple(e.requires_installed(spec))
            for e in catalog.enabled_entries(spec)}


def test_the_compute_kit_converges_in_dependency_order(kube, client, namespace, chart_repo,
                                                      nodes):
    body = control_plane("compute-kit.yaml", namespace, chart_repo.url)
    nodes(body["spec"]["infrastructure"]["memcached"]["replicas"])  # one per node, required
    name = body["metadata"]["name"]
    with RunningOperator(str(kube.kubeconfig), namespace) as op:
        client.apply_control_plane(body)
        ready = client.wait_ready(namespace, name, timeout=300)

    releases = enabled_releases(body)
    status = ready["status"]
    assert status["servicesReady"] == f"{len(releases)}/{len(releases)}"
    assert set(status["services"]) == set(releases)
    operations = [(o.release, o.operation, o.ok) for o in op.helm.of(namespace)]
    assert {n: (s["phase"], s["revision"]) for n, s in status["services"].items()} == {
        n: ("Ready", 1) for n in releases
    }, operations

    installs = {o.release: o for o in op.helm.of(namespace, "upgrade")}
    assert set(installs) == set(releases), "each release installed exactly once"
    assert len(op.helm.of(namespace, "upgrade")) == len(releases)
    for release, deps in dependencies(body).items():
        for dep in deps:
            assert installs[dep].started < installs[release].started, f"{dep} before {release}"
    events = client.list("Event", namespace)
    reasons = {e["reason"] for e in events if e["involvedObject"].get("name") == name}
    assert {"Installed", "AllServicesReady"} <= reasons, reasons
    # Independent releases run at the same time: the install windows overlap.
    windows = sorted((o.started, o.finished) for o in installs.values())
    assert any(b_start < a_end for (_, a_end), (b_start, _) in pairwise(windows))


def test_a_replica_change_upgrades_only_that_release_and_a_reapply_changes_nothing(
    kube, client, namespace, chart_repo
):
    body = control_plane("minimal.yaml", namespace, chart_repo.url)
    name = body["metadata"]["name"]
    with converged(str(kube.kubeconfig), client, body) as op:
        before = len(op.helm.operations)

        client.patch_spec(namespace, name, {"services": {"nova": {"replicas": {"api": 3}}}})
        ready = client.wait_ready(namespace, name)
        changed = op.helm.operations[before:]
        assert [(o.release, o.operation) for o in changed] == [("nova", "upgrade")]
        assert ready["status"]["services"]["nova"]["revision"] == 2
        api = client.get("Deployment", namespace, "nova-api-osapi")
        assert api["spec"]["replicas"] == 3

        after = len(op.helm.operations)
        client.apply_control_plane(body | {"spec": ready["spec"]})
        op.more_passes(client, namespace, name, count=1, timeout=10)
        assert len(op.helm.operations) == after, "an unchanged spec makes no helm call"


def test_a_restarted_operator_converges_without_reinstalling_or_new_passwords(
    kube, client, namespace, chart_repo
):
    body = control_plane("minimal.yaml", namespace, chart_repo.url)
    name = body["metadata"]["name"]
    with RunningOperator(str(kube.kubeconfig), namespace) as first:
        client.apply_control_plane(body)
        client.wait_for(lambda: len(first.helm.of(namespace, "upgrade")) >= 2, 60,
                        "the first installs to start")
    credentials = client.get("Secret", namespace, secret_name(name))["data"]

    with RunningOperator(str(kube.kubeconfig), namespace):
        ready = client.wait_ready(namespace, name)
    assert client.get("Secret", namespace, secret_name(name))["data"] == credentials
    for release in ready["status"]["services"]:
        history = [s for s in client.list("Secret", namespace, f"owner=helm,name={release}")
                   if s["metadata"]["labels"]["status"] == "deployed"]
        assert len(history) == 1, f"{release} has one deployed revision"


@pytest.mark.parametrize("policy", ["Retain", "Delete"])
def test_deletion_uninstalls_in_reverse_order_and_honours_the_deletion_policy(
    kube, client, namespace, chart_repo, policy
):
    body = control_plane("minimal.yaml", namespace, chart_repo.url, deletionPolicy=policy)
    name = body["metadata"]["name"]
    with RunningOperator(str(kube.kubeconfig), namespace) as op:
        client.apply_control_plane(body)
        client.wait_ready(namespace, name)
        claims = [c["metadata"]["name"] for c in client.list("PersistentVolumeClaim", namespace)]
        assert any(c.startswith("mysql-data-mariadb-server") for c in claims), claims

        client.delete("OpenStackControlPlane", namespace, name)
        client.wait_for(lambda: client.get("OpenStackControlPlane", namespace, name) is None,
                        120, "the control plane to be gone")

    uninstalled = [o.release for o in op.helm.of(namespace, "uninstall")]
    installed = [e for e in enabled_releases(body)]
    assert sorted(uninstalled) == sorted(installed)
    deps = dependencies(body)
    for release, release_deps in deps.items():
        for dep in release_deps:
            assert uninstalled.index(release) < uninstalled.index(dep), f"{release} before {dep}"
    remaining = [c["metadata"]["name"] for c in client.list("PersistentVolumeClaim", namespace)]
    secret = client.get("Secret", namespace, secret_name(name))
    if policy == "Retain":
        assert set(claims) <= set(remaining) and secret is not None
    else:
        assert not set(claims) & set(remaining) and secret is None


def _unkept_claims(kube, namespace, release) -> list[str]:
    """Claims of a release's newest stored manifest that helm would delete on uninstall."""
    out = kube.helm("get", "manifest", release, "--namespace", namespace)
    assert out.returncode == 0, out.stderr
    return [o["metadata"]["name"] for o in yaml.safe_load_all(out.stdout)
            if o and o.get("kind") == "PersistentVolumeClaim"
            and (o["metadata"].get("annotations") or {}).get("helm.sh/resource-policy") != "keep"]


def test_a_claim_an_earlier_osprey_left_unkept_is_kept_before_a_retain_deletion(
    kube, client, namespace, chart_repo
):
    body = control_plane("minimal.yaml", namespace, chart_repo.url)  # deletionPolicy Retain
    name = body["metadata"]["name"]
    with RunningOperator(str(kube.kubeconfig), namespace):
        client.apply_control_plane(body)
        client.wait_ready(namespace, name)
    assert _unkept_claims(kube, namespace, "mariadb") == []
    # What an Osprey without the post-renderer's keep stored: the same chart and values.
    version = json.loads(kube.helm("get", "metadata", "mariadb", "--namespace", namespace,
                                   "-o", "json").stdout)["version"]
    earlier = kube.helm("upgrade", "mariadb", "mariadb", "--repo", chart_repo.url,
                        "--version", version, "--reuse-values", "--namespace", namespace)
    assert earlier.returncode == 0, earlier.stderr
    assert _unkept_claims(kube, namespace, "mariadb") == ["mariadb-backup-data"]

    with RunningOperator(str(kube.kubeconfig), namespace) as op:
        client.wait_for(lambda: not _unkept_claims(kube, namespace, "mariadb"), 120,
                        "mariadb's claims to be kept in its stored manifest")
        client.wait_ready(namespace, name)
        client.delete("OpenStackControlPlane", namespace, name)
        client.wait_for(lambda: client.get("OpenStackControlPlane", namespace, name) is None,
                        120, "the control plane to be gone")

    assert [(o.release, o.operation) for o in op.helm.of(namespace)] == [
        ("mariadb", "upgrade"), *((o.release, "uninstall") for o in op.helm.of(namespace, "uninstall"))]
    claims = {c["metadata"]["name"] for c in client.list("PersistentVolumeClaim", namespace)}
    assert "mariadb-backup-data" in claims


def test_disabling_a_service_uninstalls_its_release(kube, client, namespace, chart_repo):
    body = control_plane("minimal.yaml", namespace, chart_repo.url)
    body["spec"]["services"] = {"horizon": {"enabled": True}}
    name = body["metadata"]["name"]
    with RunningOperator(str(kube.kubeconfig), namespace) as op:
        client.apply_control_plane(body)
        client.wait_ready(namespace, name)
        assert client.list("Secret", namespace, "owner=helm,name=horizon")

        client.patch_spec(namespace, name, {"services": {"horizon": {"enabled": False}}})
        ready = client.wait_ready(namespace, name)
        client.wait_for(lambda: not client.list("Secret", namespace, "owner=helm,name=horizon"),
                        30, "horizon's release to be gone")
    assert "horizon" not in ready["status"]["services"]
    assert all(c["type"] != "HorizonReady" for c in ready["status"]["conditions"])
    assert [o.release for o in op.helm.of(namespace, "uninstall")] == ["horizon"]


def test_the_api_server_rejects_a_dependency_violation_naming_the_field(
    kube, client, namespace, chart_repo
):
    body = control_plane("minimal.yaml", namespace, chart_repo.url)
    body["spec"]["services"] = {"placement": {"enabled": False}}
    with pytest.raises(KubeError) as rejected:
        client.apply_control_plane(body)
    assert rejected.value.status == 422
    assert "spec.services.nova.enabled" in rejected.value.message
    assert "placement" in rejected.value.message
    assert client.get("OpenStackControlPlane", namespace, body["metadata"]["name"]) is None


def test_charts_from_a_local_directory_install_the_same(kube, client, namespace, chart_dir):
    body = control_plane("minimal.yaml", namespace, str(chart_dir))
    with RunningOperator(str(kube.kubeconfig), namespace):
        client.apply_control_plane(body)
        ready = client.wait_ready(namespace, body["metadata"]["name"])
    assert all(s["phase"] == "Ready" for s in ready["status"]["services"].values())


def test_a_pass_over_a_converged_control_plane_only_reads_and_makes_no_helm_call(
    kube, client, namespace, chart_repo
):
    body = control_plane("minimal.yaml", namespace, chart_repo.url)
    name = body["metadata"]["name"]
    with converged(str(kube.kubeconfig), client, body) as op:
        op.more_passes(client, namespace, name, count=1, timeout=10)  # settle: see converged
        helm_calls = len(op.helm.operations)
        with op.recorded_requests() as requests:
            op.more_passes(client, namespace, name, count=1, timeout=10)
        methods = [(r.method, r.path) for r in requests]
        # With the watch cache it asks nothing at all (test_watchcache.py); it never writes.
        assert all(method == "GET" for method, _ in methods), methods
        assert len(op.helm.operations) == helm_calls


def test_a_pass_over_a_converged_control_plane_reads_no_helm_release_payload(
    kube, client, namespace, chart_repo
):
    body = control_plane("minimal.yaml", namespace, chart_repo.url)
    name = body["metadata"]["name"]
    with converged(str(kube.kubeconfig), client, body) as op:
        op.more_passes(client, namespace, name, count=1, timeout=10)  # settle: see converged
        with op.recorded_requests() as requests:
            op.more_passes(client, namespace, name, count=1, timeout=10)
    helm_records_read = [
        obj["metadata"]["name"]
        for r in requests
        for obj in (r.answer or {}).get("items") or [r.answer or {}]
        if ((obj.get("metadata") or {}).get("labels") or {}).get("owner") == "helm"
        and "data" in obj
    ]
    assert helm_records_read == []


def test_a_pass_over_a_converged_control_plane_reads_no_secret_or_configmap_body(
    kube, client, namespace, chart_repo
):
    """The releases' rendered config (their Secrets and ConfigMaps) is what grows with the
    charts: a pass that finds it unchanged lists its metadata and reads no body again."""
    body = control_plane("minimal.yaml", namespace, chart_repo.url)
    name = body["metadata"]["name"]
    with RunningOperator(str(kube.kubeconfig), namespace) as op:
        client.apply_control_plane(body)
        client.wait_ready(namespace, name)
        plane = op.runtime.control_planes[(namespace, name)]
        client.wait_for(lambda: not plane.in_pass, 10, "the loop to be idle", interval=0.05)
        kube_api = op.runtime.kube
        bodies_read = []
        original = kube_api.request

        async def watching_bodies(*args, **kwargs):
            answer = await original(*args, **kwargs)
            for obj in answer.get("items") or [answer]:
                if "data" in obj and obj.get("kind", answer.get("kind", "")).startswith(
                        ("Secret", "ConfigMap")):
                    bodies_read.append(obj["metadata"]["name"])
            return answer

        async def resync():
            plane.wake()

        def whole_pass():
            passes = plane.passes
            op.thread.call(resync)
            client.wait_for(lambda: plane.passes > passes and not plane.in_pass, 10,
                            "another whole pass", interval=0.05)

        whole_pass()  # settle: a pass under way when Ready was seen may still write status
        kube_api.request = watching_bodies
        whole_pass()
        kube_api.request = original
        assert bodies_read == []


def test_after_an_upgrade_a_release_payload_is_read_once_per_resource_version(
    kube, client, namespace, chart_repo
):
    body = control_plane("minimal.yaml", namespace, chart_repo.url)
    name = body["metadata"]["name"]
    with converged(str(kube.kubeconfig), client, body) as op, op.recorded_requests() as requests:
        client.patch_spec(namespace, name, {"services": {"nova": {"replicas": {"api": 3}}}})
        client.wait_ready(namespace, name)
        op.more_passes(client, namespace, name, count=1, timeout=10)
    payloads_read = [(r.answer["metadata"]["name"], r.answer["metadata"]["resourceVersion"])
                     for r in requests
                     if r.method == "GET" and "/secrets/sh.helm.release.v1." in r.path
                     and r.answer is not None]
    assert payloads_read, "the new revision's payload is read"
    assert {secret for secret, _ in payloads_read} == {"sh.helm.release.v1.nova.v2"}
    # Helm rewrites the pending revision as its hooks run: a pass reads it when first seen,
    # not its later versions (same chart, values and manifest), then the final one; the
    # read-back after the upgrade may read the final one again.
    reads = Counter(payloads_read)
    assert sum(n - 1 for n in reads.values()) <= 1, reads
    final = max((version for _, version in payloads_read), key=int)
    assert len({version for _, version in payloads_read if version != final}) <= 1, reads
