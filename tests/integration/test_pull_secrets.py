"""Images from a private registry: every pod template of every release pulls with
spec.images.pullSecrets, a changed list rolls out, and a missing Secret is reported.

One control plane (the default compute kit) converges with one pull secret; then the list
grows by a Secret that does not exist yet, which is reported, then created.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from osprey.clusterscope import pod_spec
from tests.integration.operator_harness import Client, RunningOperator, control_plane

pytestmark = pytest.mark.integration

WORKLOAD_KINDS = ("deployments", "statefulsets", "daemonsets", "jobs", "cronjobs", "pods")
REGCRED = "regcred"
LATER = "mirror-auth"


@dataclass(frozen=True)
class Story:
    namespace: str
    name: str
    templates: dict[str, list[str]]  # "<kind>/<name>" -> names it pulls with, converged
    revisions: dict[str, int]  # release -> revision, converged
    grown_templates: dict[str, list[str]]  # after the list grew
    grown_revisions: dict[str, int]
    missing: dict[str, Any]  # ImagePullSecretsFound while LATER does not exist
    warnings: list[dict[str, Any]]
    found: dict[str, Any]  # ImagePullSecretsFound once it exists


def kubectl_json(kube: Any, *args: str) -> Any:
    result = kube.kubectl(*args, "-o", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def pull_secret(name: str) -> dict[str, Any]:
    auth = {"auths": {"mirror.example.com:5000": {"auth": base64.b64encode(b"u:p").decode()}}}
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name},
            "type": "kubernetes.io/dockerconfigjson",
            "data": {".dockerconfigjson": base64.b64encode(json.dumps(auth).encode()).decode()}}


def create_secret(kube: Any, namespace: str, name: str) -> None:
    result = kube.kubectl("-n", namespace, "apply", "-f", "-",
                          input=json.dumps(pull_secret(name)))
    assert result.returncode == 0, result.stderr


def pod_templates(kube: Any, namespace: str) -> dict[str, list[str]]:
    """Every pod template (and pod) of the namespace -> the names it pulls with, in order."""
    out = {}
    for kind in WORKLOAD_KINDS:
        for item in kubectl_json(kube, "-n", namespace, "get", kind)["items"]:
            spec = pod_spec(item)
            assert spec is not None, f"{kind}/{item['metadata']['name']}"
            out[f"{item['kind']}/{item['metadata']['name']}"] = [
                e["name"] for e in spec.get("imagePullSecrets") or []]
    return out


def revisions(kube: Any, namespace: str) -> dict[str, int]:
    result = kube.helm("list", "-n", namespace, "-o", "json")
    assert result.returncode == 0, result.stderr
    return {r["name"]: int(r["revision"]) for r in json.loads(result.stdout)}


@pytest.fixture(scope="module")
def story(kube, crd_installed, chart_repo) -> Iterator[Story]:
    client = Client(str(kube.kubeconfig))
    namespace = kube.new_namespace("pull-secrets")
    create_secret(kube, namespace, REGCRED)
    body = control_plane("minimal.yaml", namespace, chart_repo.url,
                         images={"pullSecrets": [REGCRED]})
    name = body["metadata"]["name"]

    def condition() -> dict[str, Any]:
        return client.condition(namespace, name, "ImagePullSecretsFound") or {}

    try:
        with RunningOperator(str(kube.kubeconfig), namespace) as operator:
            client.apply_control_plane(body)
            client.wait_ready(namespace, name, timeout=300)
            templates, converged_at = pod_templates(kube, namespace), revisions(kube, namespace)

            client.patch_spec(namespace, name, {"images": {"pullSecrets": [REGCRED, LATER]}})
            client.wait_ready(namespace, name, timeout=300)
            missing = client.wait_for(
                lambda: condition() if condition().get("reason") == "PullSecretMissing" else None,
                60, "ImagePullSecretsFound naming the missing Secret")
            grown, grown_at = pod_templates(kube, namespace), revisions(kube, namespace)
            warnings = [e for e in client.list("Event", namespace)
                        if e["involvedObject"]["name"] == name and e["type"] == "Warning"]

            create_secret(kube, namespace, LATER)
            found = client.wait_for(
                lambda: operator.more_passes(client, namespace, name, 1) or (
                    condition() if condition().get("status") == "True" else None),
                60, "ImagePullSecretsFound once the Secret exists")
    finally:
        kube.delete_namespace(namespace)
    yield Story(namespace, name, templates, converged_at, grown, grown_at, missing, warnings,
                found)


def test_every_pod_template_of_a_converged_plane_pulls_with_the_secret(story: Story):
    kinds = {ref.split("/")[0] for ref in story.templates}
    assert kinds == {"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod"}
    lacking = {ref: names for ref, names in story.templates.items() if REGCRED not in names}
    assert lacking == {}


def test_no_template_lists_a_secret_twice_where_the_chart_lists_it_too(story: Story):
    repeated = {ref: names for ref, names in story.templates.items()
                if len(names) != len(set(names))}
    assert repeated == {}


def test_a_changed_list_upgrades_every_release(story: Story):
    assert set(story.grown_revisions) == set(story.revisions)
    not_upgraded = {r for r, rev in story.grown_revisions.items() if rev <= story.revisions[r]}
    assert not_upgraded == set()


def test_after_the_change_every_pod_template_pulls_with_both_secrets(story: Story):
    lacking = {ref: names for ref, names in story.grown_templates.items()
               if not {REGCRED, LATER} <= set(names)}
    assert lacking == {}


def test_a_missing_secret_is_named_in_status_and_warned_of(story: Story):
    assert story.missing["status"] == "False"
    assert story.missing["message"].startswith(
        f"Secret {LATER} (spec.images.pullSecrets) does not exist in namespace "
        f"{story.namespace}")
    warned = [e for e in story.warnings if e["reason"] == "PullSecretMissing"]
    assert len(warned) == 1 and LATER in warned[0]["message"]


def test_a_secret_created_later_is_found(story: Story):
    assert (story.found["reason"], story.found["message"]) == (
        "PullSecretsFound", "2 image pull secrets found")


@pytest.mark.parametrize(("secrets", "refusal"), [
    (["regcred", "regcred"], 'spec.images.pullSecrets[1]: Duplicate value: "regcred"'),
    (["Reg_Cred"], "spec.images.pullSecrets[0]: Invalid value"),
    ([f"s{i}" for i in range(17)], "spec.images.pullSecrets: Too many: 17: must have at most 16"),
])
def test_admission_refuses_pull_secrets_naming_the_field(
    kube, crd_installed, chart_repo, namespace, secrets, refusal
):
    body = control_plane("minimal.yaml", namespace, chart_repo.url,
                         images={"pullSecrets": secrets})
    result = kube.kubectl("apply", "--server-side", "-f", "-", input=json.dumps(body))
    assert result.returncode != 0
    assert refusal in result.stderr
