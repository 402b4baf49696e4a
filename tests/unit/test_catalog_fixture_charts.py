"""The fixture charts keep the catalog's promises: same names, versions, workloads, hooks.

Each golden values file is rendered into its fixture chart with the real `helm template`,
as hack/check-osh-values.sh does for the real OpenStack-Helm charts.
"""

from __future__ import annotations

import re
import subprocess
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml

from osprey.api.spec import ControlPlaneSpec
from osprey.catalog import CATALOG, entry, load_release_catalog
from osprey.versions import VersionPin
from tests.fixtures.chartrepo import (
    FIXTURE_CHARTS,
    HELM,
    ChartRepository,
    fixture_chart_dirs,
    newest_version,
    package_fixture_charts,
)

GOLDEN = Path(__file__).parent / "golden"
SAMPLES = sorted(path.name for path in GOLDEN.iterdir() if (path / "spec.yaml").is_file())
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "DaemonSet", "Job"}
HOOK = "post-install,post-upgrade"


def sample_spec(sample: str) -> ControlPlaneSpec:
    data = yaml.safe_load((GOLDEN / sample / "spec.yaml").read_text()) or {}
    return ControlPlaneSpec.model_validate(data)


def helm_template(*args: str) -> list[dict[str, Any]]:
    result = subprocess.run(
        [str(HELM), "template", *args, "--namespace", "openstack"],
        capture_output=True,
        text=True,
        check=True,
    )
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def rendered_cases() -> list[tuple[str, str]]:
    return [
        (sample, path.stem)
        for sample in SAMPLES
        for path in sorted((GOLDEN / sample).glob("*.yaml"))
        if path.name != "spec.yaml"
    ]


def is_hook(doc: dict[str, Any]) -> bool:
    return "helm.sh/hook" in (doc["metadata"].get("annotations") or {})


def test_there_is_one_fixture_chart_per_catalog_entry() -> None:
    assert {path.name for path in fixture_chart_dirs()} == {item.name for item in CATALOG}


def test_fixture_chart_versions_are_on_the_default_release_lines() -> None:
    pins = load_release_catalog(ControlPlaneSpec().openstackRelease).chart_versions
    for chart_dir in fixture_chart_dirs():
        version = yaml.safe_load((chart_dir / "Chart.yaml").read_text())["version"]
        assert VersionPin.parse(pins[chart_dir.name]).admits(version), chart_dir.name


@pytest.mark.parametrize(("sample", "chart"), rendered_cases())
def test_fixture_chart_renders_the_catalog_workloads(sample: str, chart: str) -> None:
    docs = helm_template(
        chart, str(FIXTURE_CHARTS / chart), "-f", str(GOLDEN / sample / f"{chart}.yaml")
    )
    spec = sample_spec(sample)
    version = yaml.safe_load((FIXTURE_CHARTS / chart / "Chart.yaml").read_text())["version"]
    spec = spec.model_copy(update={"charts": spec.charts.model_copy(update={"version": version})})
    owned = {
        (doc["kind"], doc["metadata"]["name"])
        for doc in docs
        if doc["kind"] in WORKLOAD_KINDS and not is_hook(doc)
    }
    assert owned == {(w.kind, w.name) for w in entry(chart).workloads(spec)}


@pytest.mark.parametrize("sample", SAMPLES)
def test_workloads_carry_openstack_helm_labels_and_release_images(sample: str) -> None:
    values = yaml.safe_load((GOLDEN / sample / "nova.yaml").read_text())
    docs = helm_template(
        "nova", str(FIXTURE_CHARTS / "nova"), "-f", str(GOLDEN / sample / "nova.yaml")
    )
    api = next(doc for doc in docs if doc["metadata"]["name"] == "nova-api-osapi")
    labels = api["spec"]["template"]["metadata"]["labels"]
    assert labels == {"release_group": "nova", "application": "nova", "component": "os-api"}
    image = api["spec"]["template"]["spec"]["containers"][0]["image"]
    assert image == values["images"]["tags"]["nova_api"]
    assert api["spec"].get("replicas") == values["pod"]["replicas"]["osapi"]


def test_bootstrap_jobs_are_weighted_post_install_and_upgrade_hooks() -> None:
    docs = helm_template("glance", str(FIXTURE_CHARTS / "glance"))
    hooks = {
        doc["metadata"]["name"]: doc["metadata"]["annotations"]
        for doc in docs
        if doc["kind"] == "Job" and "post-install" in doc["metadata"]["annotations"]["helm.sh/hook"]
    }
    assert set(hooks) == {
        f"glance-{job}"
        for job in ("db-init", "db-sync", "rabbit-init", "ks-service", "ks-endpoints", "ks-user")
    }
    for hook in hooks.values():
        assert hook["helm.sh/hook"] == HOOK
        assert hook["helm.sh/hook-delete-policy"] == "before-hook-creation"
    assert hooks["glance-db-init"]["helm.sh/hook-weight"] == "-5"
    assert hooks["glance-ks-user"]["helm.sh/hook-weight"] == "-1"


def test_stateful_charts_claim_storage_from_the_rendered_values() -> None:
    values = GOLDEN / "computekit" / "rabbitmq.yaml"
    docs = helm_template("rabbitmq", str(FIXTURE_CHARTS / "rabbitmq"), "-f", str(values))
    statefulset = next(doc for doc in docs if doc["kind"] == "StatefulSet")
    claim = statefulset["spec"]["volumeClaimTemplates"][0]["spec"]
    assert claim["storageClassName"] == "rabbit-ssd"
    assert claim["resources"]["requests"]["storage"] == "2Gi"
    assert statefulset["spec"]["replicas"] == 3


def test_glance_pvc_backend_creates_the_images_claim() -> None:
    docs = helm_template(
        "glance", str(FIXTURE_CHARTS / "glance"), "-f", str(GOLDEN / "minimal" / "glance.yaml")
    )
    claim = next(doc for doc in docs if doc["kind"] == "PersistentVolumeClaim")
    assert claim["spec"]["resources"]["requests"]["storage"] == "10Gi"
    assert "storageClassName" not in claim["spec"]


def test_the_repository_publishes_patches_of_each_pinned_line_with_build_metadata(
    tmp_path: Path,
) -> None:
    with ChartRepository(package_fixture_charts(tmp_path)) as repo:
        index = yaml.safe_load(urllib.request.urlopen(f"{repo.url}/index.yaml", timeout=5).read())
        docs = helm_template("octavia", "octavia", "--repo", repo.url, "--version", "~2025.2.0")
        config = helm_template("nova", "nova", "--repo", repo.url, "--version", "~2025.1.0")
    versions = sorted(e["version"] for e in index["entries"]["nova"])
    assert [v.split("+")[0] for v in versions] == ["2025.1.0", "2025.1.3", "2025.2.0", "2025.2.3",
                                                    "2026.1.0", "2026.1.3"]
    assert all(re.fullmatch(r"\d+\.\d+\.\d+\+[0-9a-f]{9}", v) for v in versions), versions
    assert ("DaemonSet", "octavia-worker-default") in {
        (doc["kind"], doc["metadata"]["name"]) for doc in docs
    }
    etc = next(d for d in config if d["kind"] == "ConfigMap" and d["metadata"]["name"] == "nova-etc")
    assert etc["data"]["CHART_VERSION"] == newest_version("nova", "2025.1")
    assert newest_version("nova", "2025.1").startswith("2025.1.3+")


def test_with_internal_tls_each_chart_renders_its_internal_certificates_from_the_issuer() -> None:
    certificates: dict[str, dict[str, Any]] = {}
    for chart in ("mariadb", "keystone", "glance", "placement", "neutron", "nova"):
        docs = helm_template(chart, str(FIXTURE_CHARTS / chart),
                             "-f", str(GOLDEN / "internal-tls" / f"{chart}.yaml"))
        certificates.update({doc["metadata"]["name"]: doc["spec"] for doc in docs
                             if doc["kind"] == "Certificate"})
    assert set(certificates) == {
        "mariadb-tls-direct", "keystone-tls-api", "glance-tls-api", "placement-tls-api",
        "neutron-tls-server", "nova-tls-api", "metadata-tls-metadata",
        "nova-novncproxy-tls-proxy", "nova-spiceproxy-tls-proxy", "nova-serialproxy-tls-proxy"}
    keystone = certificates["keystone-tls-api"]
    assert keystone["issuerRef"] == {"kind": "ClusterIssuer", "name": "ca-issuer"}
    assert keystone["secretName"] == "keystone-tls-api"
    assert keystone["dnsNames"] == ["keystone-api", "keystone-api.openstack",
                                    "keystone-api.openstack.svc.cluster.local"]


def test_with_internal_tls_the_short_host_ingress_asks_the_issuer_for_in_cluster_names() -> None:
    docs = helm_template("keystone", str(FIXTURE_CHARTS / "keystone"),
                         "-f", str(GOLDEN / "internal-tls" / "keystone.yaml"))
    ingress = next(doc for doc in docs
                   if doc["kind"] == "Ingress" and doc["metadata"]["name"] == "keystone")
    assert ingress["metadata"]["annotations"]["cert-manager.io/cluster-issuer"] == "ca-issuer"
    assert ingress["spec"]["tls"] == [{
        "secretName": "keystone-tls-public-ing",
        "hosts": ["keystone", "keystone.openstack", "keystone.openstack.svc.cluster.local"]}]


def test_a_fixture_chart_fails_to_render_certificates_without_their_tls_like_helm_toolkit() -> None:
    result = subprocess.run(
        [str(HELM), "template", "nova", str(FIXTURE_CHARTS / "nova"),
         "--set", "manifests.certificates=true"], capture_output=True, text=True, check=False)
    assert result.returncode != 0
    assert "host_fqdn_override" in result.stderr or "nil" in result.stderr


def test_under_manifests_certificates_a_rabbitmq_client_chart_needs_the_https_management_port(
) -> None:
    certificate = ["--set", "manifests.certificates=true",
                   "--set", "endpoints.image.host_fqdn_override.default.tls.secretName=x",
                   "--set", "endpoints.image.host_fqdn_override.default.tls.issuerRef.name=ca"]

    def template(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(HELM), "template", "glance", str(FIXTURE_CHARTS / "glance"), *certificate,
             *extra], capture_output=True, text=True, check=False)

    missing = template()
    assert missing.returncode != 0
    assert "oslo_messaging.port" in missing.stderr
    assert template("--set", "endpoints.oslo_messaging.port.https.default=15672").returncode == 0
