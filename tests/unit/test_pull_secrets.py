"""spec.images.pullSecrets: rendered into OpenStack-Helm's own key, added by the post-renderer
to every pod template, and part of what decides an upgrade."""

from __future__ import annotations

import io
import sys

import yaml

from osprey import catalog, clusterscope
from osprey.api.spec import ControlPlaneSpec
from osprey.catalog.values.images import pull_secrets
from osprey.clusterscope import pod_spec, post_render
from osprey.helm_plugin import PLUGIN, post_renderer_args
from osprey.plan import Plan, plan
from osprey.rotation.job import database_job

WORKLOADS = """---
# Source: keystone/templates/deployment-api.yaml
apiVersion: apps/v1
kind: Deployment
metadata: {name: keystone-api}
spec:
  template:
    spec:
      containers: [{name: api, image: quay.io/airshipit/keystone:2025.1}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: mariadb-server}
spec:
  template:
    spec:
      imagePullSecrets: [{name: chart-own}]
      containers: [{name: mariadb, image: mariadb:11}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: neutron-ovs-agent}
spec:
  template:
    spec:
      containers: [{name: agent, image: neutron:2025.1}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: keystone-db-sync}
spec:
  template:
    spec:
      imagePullSecrets: [{name: regcred}]
      containers: [{name: sync, image: keystone:2025.1}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: keystone-credential-rotate}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers: [{name: rotate, image: keystone:2025.1}]
---
apiVersion: v1
kind: Pod
metadata: {name: keystone-test}
spec:
  containers: [{name: test, image: heat:2025.1}]
---
apiVersion: v1
kind: Service
metadata: {name: keystone}
spec:
  ports: [{port: 5000}]
"""


def rendered(text: str) -> dict[str, dict]:
    return {d["metadata"]["name"]: d for d in yaml.safe_load_all(text) if d}


def pulled_with(doc: dict) -> list[str]:
    spec = pod_spec(doc)
    assert spec is not None
    return [e["name"] for e in spec.get("imagePullSecrets", [])]


def test_every_pod_template_pulls_with_the_pull_secrets():
    out = rendered(post_render(WORKLOADS, "cloud-a", pull_secrets=("regcred", "mirror")))
    for name in ("keystone-api", "neutron-ovs-agent", "keystone-credential-rotate",
                 "keystone-test"):
        assert pulled_with(out[name]) == ["regcred", "mirror"], name


def test_the_charts_own_pull_secrets_come_first_and_none_twice():
    out = rendered(post_render(WORKLOADS, "cloud-a", pull_secrets=("regcred", "mirror")))
    assert pulled_with(out["mariadb-server"]) == ["chart-own", "regcred", "mirror"]
    assert pulled_with(out["keystone-db-sync"]) == ["regcred", "mirror"]


def test_objects_without_pods_are_left_as_they_are():
    out = rendered(post_render(WORKLOADS, "cloud-a", pull_secrets=("regcred",)))
    assert out["keystone-api"]["kind"] == "Deployment"
    assert "imagePullSecrets" not in str(out["keystone-api"]["metadata"])
    assert out["keystone"]["spec"] == {"ports": [{"port": 5000}]}


def test_without_pull_secrets_the_manifest_passes_byte_for_byte():
    assert post_render(WORKLOADS, "cloud-a") == WORKLOADS


def test_a_template_already_listing_every_secret_passes_byte_for_byte():
    job = WORKLOADS.split("---")[4]
    assert post_render("---" + job, "cloud-a", pull_secrets=("regcred",)) == "---" + job


def test_the_plugin_passes_each_pull_secret_as_a_flag(monkeypatch):
    args = post_renderer_args("cloud-a", pull_secrets=("regcred", "mirror"))
    assert args == ["--post-renderer", PLUGIN, "--post-renderer-args", "cloud-a",
                    "--post-renderer-args", "--pull-secret=regcred",
                    "--post-renderer-args", "--pull-secret=mirror"]
    monkeypatch.setattr(sys, "stdin", io.StringIO(WORKLOADS))
    out = io.StringIO()
    monkeypatch.setattr(sys, "stdout", out)
    assert clusterscope.main(args[3::2]) == 0
    assert pulled_with(rendered(out.getvalue())["keystone-api"]) == ["regcred", "mirror"]


def test_an_empty_pull_secret_flag_is_a_usage_error():
    assert clusterscope.main(["cloud-a", "--pull-secret="]) == 2


def spec_with(**images) -> ControlPlaneSpec:
    return ControlPlaneSpec.model_validate({"images": images})


def planned(spec: ControlPlaneSpec) -> Plan:
    return plan(spec, "cloud-a", {k: f"pw-{k}" for k in catalog.credential_keys(spec)})


def test_every_release_renders_the_pull_secrets_in_openstack_helms_key():
    desired = planned(spec_with(pullSecrets=["regcred"]))
    for release in desired.releases:
        assert release.values["pod"]["image_pull_secrets"]["default"] == [{"name": "regcred"}]
        assert release.pull_secrets == ("regcred",)


def test_no_pull_secrets_render_nothing():
    desired = planned(ControlPlaneSpec())
    for release in desired.releases:
        assert "image_pull_secrets" not in release.values.get("pod", {})
        assert release.pull_secrets == ()


def test_a_changed_list_changes_every_release_hash():
    before = planned(spec_with(pullSecrets=["regcred"]))
    after = planned(spec_with(pullSecrets=["regcred", "mirror"]))
    for old, new in zip(before.releases, after.releases, strict=True):
        assert old.hash != new.hash, old.name


def test_a_users_values_have_the_last_word_on_what_is_post_rendered():
    values = {"pod": {"image_pull_secrets": {"default": [{"name": "theirs"}, {"name": ""}],
                                             "db_sync": [{"name": "only-jobs"}]}}}
    assert pull_secrets(values) == ("theirs",)
    assert pull_secrets({"pod": {"image_pull_secrets": None}}) == ()


def test_the_rotation_job_pulls_with_the_releases_pull_secrets():
    job = database_job(control_plane="openstack", service="keystone", user="keystone",
                       token="1", attempt=1, image="mirror.example.com/airshipit/heat:2025.1",
                       host="mariadb.openstack.svc", node_selector={},
                       pull_secrets=("regcred", "mirror"))
    assert pulled_with(job) == ["regcred", "mirror"]
    bare = database_job(control_plane="openstack", service="keystone", user="keystone",
                        token="1", attempt=1, image="heat:2025.1", host="mariadb",
                        node_selector={})
    assert "imagePullSecrets" not in bare["spec"]["template"]["spec"]
